// expect: promises and async functions are not available
// A promise chain that never ends: each microtask queues the next.
export default (ctx) => {
  if (ctx.t === 2) {
    const again = () => Promise.resolve().then(again);
    again();
  }
  return 0;
};
