// expect: exceeded its time limit: more than (250 ms of CPU time|\d+ ms on the wall clock)
// Throws an object whose message, name, stack and toString loop when the error is turned into text.
const loop = () => { for (;;) {} };
export default (ctx) => {
  if (ctx.t === 2) throw { get message() { return loop(); }, get name() { return loop(); }, get stack() { return loop(); }, toString: loop };
  return 0;
};
