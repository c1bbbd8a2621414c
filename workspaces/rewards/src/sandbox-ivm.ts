// The isolated-vm engine: a V8 isolate of its own, with its own heap and a memory limit that counts its
// array buffers. io is a SharedArrayBuffer both sides see, so nothing is copied per call.
import type IsolatedVM from 'isolated-vm';
import { EngineStop, loadIsolatedVm, type EngineFactory, type SandboxEngine } from './sandbox-engine';

export const createIsolatedVmEngine: EngineFactory = (driver, module, memoryLimitMb) => {
  const loaded = loadIsolatedVm();
  if ('error' in loaded) throw new Error(`isolated-vm does not load here: ${loaded.error}`);
  const ivm = loaded.ivm;
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb });
  const dispose = () => {
    if (!isolate.isDisposed) isolate.dispose();
  };
  let fns: Record<'setIo' | 'setStamp' | 'setEnv' | 'setLimit' | 'setSeed' | 'init' | 'batch' | 'potential', IsolatedVM.Reference>;
  let moduleFn: IsolatedVM.Reference;
  try {
    const context = isolate.createContextSync();
    const d = isolate.compileScriptSync(driver, { filename: 'creditlab:sandbox' }).runSync(context, { reference: true }) as IsolatedVM.Reference;
    const get = (k: string) => d.getSync(k, { reference: true }) as IsolatedVM.Reference;
    fns = { setIo: get('setIo'), setStamp: get('setStamp'), setEnv: get('setEnv'), setLimit: get('setLimit'), setSeed: get('setSeed'), init: get('init'), batch: get('batch'), potential: get('potential') };
    // Compiling evaluates nothing of the user's: the script is one function expression.
    moduleFn = isolate
      .compileScriptSync(`(function (exports, require, module) {\n${module.js}\n})`, { filename: module.filename, lineOffset: -1 })
      .runSync(context, { reference: true }) as IsolatedVM.Reference;
  } catch (e) {
    dispose();
    const m = (e as Error).message ?? String(e);
    if (e instanceof SyntaxError || /SyntaxError/.test(m)) throw new SyntaxError(m);
    throw e;
  }

  const apply = (fn: IsolatedVM.Reference, args: unknown[], limitMs: number): number | string => {
    let r: unknown;
    try {
      r = fn.applySync(undefined, args as never[], { timeout: limitMs });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (/timed out/i.test(message)) throw new EngineStop('timeout', message);
      if (/memory limit|disposed/i.test(message)) throw new EngineStop('memory', message);
      throw new EngineStop('failed', message);
    }
    // Only primitives come back; anything else means the driver was subverted, and is not touched.
    if (typeof r === 'number' || typeof r === 'string') return r;
    throw new EngineStop('failed', 'internal: the sandbox returned a non-primitive');
  };

  const engine: SandboxEngine & { io: Float64Array } = {
    name: 'isolated-vm',
    moduleLineOffset: 0,
    io: new Float64Array(0),
    ensureIo(slots, limitMs) {
      if (engine.io.length >= slots) return;
      const sab = new SharedArrayBuffer(Math.max(slots, engine.io.length * 2, 256) * 8);
      apply(fns.setIo, [new ivm.ExternalCopy(sab).copyInto({ release: true })], limitMs);
      engine.io = new Float64Array(sab);
    },
    // The copy of a SharedArrayBuffer shares its memory: the host thread watching the stamp sees the driver's writes.
    shareStamp(buffer, limitMs) {
      apply(fns.setStamp, [new ivm.ExternalCopy(buffer).copyInto({ release: true })], limitMs);
    },
    init: (limitMs) => apply(fns.init, [moduleFn.derefInto({ release: true })], limitMs),
    call: (fn, args, limitMs) => apply(fns[fn], args as unknown[], limitMs),
    dispose,
  };
  return engine;
};
