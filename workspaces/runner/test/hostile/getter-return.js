// expect: returned an object, expected a number
// Returns an object whose valueOf, toString and Symbol.toPrimitive loop.
const loop = () => { for (;;) {} };
export default () => ({ valueOf: loop, toString: loop, [Symbol.toPrimitive]: loop, get then() { return loop(); } });
