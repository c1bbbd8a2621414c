// expect: ran longer than 250 ms
// Throws an object whose message, name, stack and toString loop when the error is turned into text.
const loop = () => { for (;;) {} };
export default (ctx) => {
  if (ctx.t === 2) throw { get message() { return loop(); }, get name() { return loop(); }, get stack() { return loop(); }, toString: loop };
  return 0;
};
