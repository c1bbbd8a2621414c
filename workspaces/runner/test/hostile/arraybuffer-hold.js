// expect: memory limit of 64 MB
// memoryLimitMb: 64
// timeoutMs: 10000
// Holds 96 MB in array buffers of 16 MB under a 64 MB limit, then returns normally. QuickJS's own
// allocation count takes each buffer for a few bytes; the limit must count every byte anyway.
const keep = [];
export default () => {
  while (keep.length < 6) keep.push(new ArrayBuffer(1 << 24));
  return keep.length;
};
