// expect: EvalError: code generation from strings is not available
// Climbs from objects the reward receives (and `this`) to a Function constructor and asks for `process`.
export default function (ctx) {
  const F = (this ?? ctx).constructor.constructor;
  const p = F('return process')() ?? ctx.constructor.constructor('return process')();
  p.getBuiltinModule('fs').writeFileSync(MARKER, 'escaped via constructor');
  return 0;
}
