// expect: '?WebAssembly'? is not defined
// Reserves the largest WebAssembly memories it can and runs a wasm endless loop.
export default () => {
  const keep = [];
  for (let i = 0; i < 64; i++) keep.push(new WebAssembly.Memory({ initial: 65536 }));
  // (module (func (export "f") (loop (br 0))))
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 9, 1, 7, 0, 3, 64, 12, 0, 11, 11]);
  new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f();
  return 0;
};
