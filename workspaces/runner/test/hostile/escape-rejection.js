// expect: promises and async functions are not available
// backend: wasm
// Route (a): an unhandled rejection whose .stack a host-side handler formats; the sandbox's own
// Error.prepareStackTrace would get a host-realm array of call sites and climb to `process`.
const own = (trace) => {
  try {
    const p = trace.constructor.constructor('return process')();
    p.getBuiltinModule('fs').writeFileSync(MARKER, 'escaped via rejection, pid ' + p.pid);
  } catch {}
};
export default (ctx) => {
  if (ctx.t === 3) {
    Error.prepareStackTrace = (_e, trace) => (own(trace), 'stack');
    Promise.reject(new Error('x'));
  }
  return 0;
};
