// expect: resizable array buffers \(maxByteLength\) are not available
// memoryLimitMb: 64
// Grows a resizable ArrayBuffer to 1 GB and touches every page: V8 reserves such a buffer's maximum
// outside the allocator the isolate's memory limit counts.
export default () => {
  const b = new ArrayBuffer(1, { maxByteLength: 2 ** 31 });
  b.resize(2 ** 30);
  new Uint8Array(b).fill(1);
  return b.byteLength;
};
