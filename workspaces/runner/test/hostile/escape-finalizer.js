// expect: '?FinalizationRegistry'? is not defined
// Route (b): a FinalizationRegistry callback that throws outside any reward call; the host formats
// the error's .stack with the sandbox's Error.prepareStackTrace.
const own = (trace) => {
  try {
    const p = trace.constructor.constructor('return process')();
    p.getBuiltinModule('fs').writeFileSync(MARKER, 'escaped via finalizer, pid ' + p.pid);
  } catch {}
};
let registry = null;
export default () => {
  if (!registry) {
    Error.prepareStackTrace = (_e, trace) => (own(trace), 'stack');
    registry = new FinalizationRegistry(() => {
      throw new Error('from a finalizer');
    });
  }
  for (let i = 0; i < 50; i++) registry.register({ junk: new Array(200).fill(i) }, i);
  return 0;
};
