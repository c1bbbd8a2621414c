// expect: promises and async functions are not available
// An unhandled rejection whose reason loops when it is turned into text.
const loop = () => { for (;;) {} };
export default (ctx) => {
  if (ctx.t === 2) Promise.reject({ get message() { return loop(); }, get stack() { return loop(); }, toString: loop });
  return 0;
};
