// expect: EvalError: code generation from strings is not available
// Tries string code generation (eval, Function) to build a loader.
export default () => {
  const f = (0, eval)('(() => globalThis)');
  return f() ? 0 : 1;
};
