// expect: exceeded its time limit: more than \d+ ms
// One builtin call that V8 cannot interrupt (a typed-array sort of 480 MB runs for seconds to minutes):
// the isolate's own time limit waits for it, so the host's watchdog has to stop the thread.
export default () => {
  new Float64Array(6e7).sort();
  return 0;
};
