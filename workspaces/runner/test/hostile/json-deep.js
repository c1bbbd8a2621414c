// expect: exceeded its time limit: more than (250 ms of CPU time|\d+ ms on the wall clock)|stack overflow|Maximum call stack size exceeded
// Recursion inside one builtin: JSON.parse of a million nested arrays (QuickJS recurses on the host
// thread's own stack in its WebAssembly frames; V8 parses it iteratively, for longer than the limit).
export default (ctx) => (ctx.t === 3 ? JSON.parse('['.repeat(1e6) + ']'.repeat(1e6)).length : 0);
