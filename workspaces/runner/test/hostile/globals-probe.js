// expect: nothing host-like is reachable
// Looks for anything host-like on the global object and its prototype chain, and uses it if found.
export default () => {
  const seen = [];
  for (let o = globalThis; o; o = Object.getPrototypeOf(o)) seen.push(...Object.getOwnPropertyNames(o));
  const hostish = ['process', 'require', 'module', 'Buffer', 'global', 'fetch', 'setTimeout', 'setImmediate', 'queueMicrotask',
    'console', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'performance', '_ivm', 'ivm', '__creditlabDriver', 'XMLHttpRequest', 'WebSocket'];
  const found = hostish.filter((k) => seen.includes(k) && globalThis[k] !== undefined);
  for (const k of found) {
    try {
      const v = globalThis[k];
      const p = k === 'process' ? v : typeof v === 'function' ? v.constructor('return process')() : v.constructor.constructor('return process')();
      p.getBuiltinModule('fs').writeFileSync(MARKER, 'escaped via global ' + k);
    } catch {}
  }
  throw new Error(found.length ? 'reachable: ' + found.join(', ') : 'nothing host-like is reachable');
};
