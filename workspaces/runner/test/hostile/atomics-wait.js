// expect: '?WebAssembly'? is not defined|SharedArrayBuffer
// Blocks the thread with Atomics.wait on a shared buffer, found wherever one can be made.
export default () => {
  const SAB = globalThis.SharedArrayBuffer ?? new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer.constructor;
  Atomics.wait(new Int32Array(new SAB(4)), 0, 0);
  return 0;
};
