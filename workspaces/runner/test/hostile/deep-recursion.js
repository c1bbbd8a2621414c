// expect: RangeError: Maximum call stack size exceeded|InternalError: stack overflow
// Unbounded recursion.
const f = (n) => f(n + 1) + 1;
export default () => f(0);
