// expect: process was aborted by V8|process was killed by SIGABRT|memory limit
// memoryLimitMb: 64
// timeoutMs: 10000
// One huge array filled by one builtin call: the isolate's limit cannot stop it half-way, and V8, out of
// memory in the middle of the allocation, aborts the whole process it runs in.
export default () => new Array(1e8).fill(1.5).length;
