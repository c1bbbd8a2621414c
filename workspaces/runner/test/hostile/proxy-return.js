// expect: returned an object, expected a number
// Returns a Proxy whose every trap loops: whoever inspects the result runs the loop.
const loop = () => { for (;;) {} };
export default () => new Proxy({}, { get: loop, getPrototypeOf: loop, has: loop, ownKeys: loop, getOwnPropertyDescriptor: loop, apply: loop });
