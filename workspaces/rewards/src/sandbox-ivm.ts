// The isolated-vm engine: a V8 isolate of its own, with its own heap and a memory limit that counts its
// array buffers. io is a SharedArrayBuffer both sides see, so nothing is copied per call.
//
// Time: isolated-vm can stop a call only by the wall clock (its timeout terminates the call, which cannot
// be resumed). A synchronous call runs on the calling thread, so its CPU time is that thread's (see
// openThreadCpuClock; isolate.cpuTime is not used: it was seen to count time the thread spent off the
// CPU, and off Linux it is the wall clock). So a call is stopped at its wall-clock limit, the backstop,
// and judged by CPU time: after it returns, or when it was stopped, a call that used more than its CPU
// limit is over its limit. An endless loop thus runs until the wall-clock limit; a call the machine
// kept off the CPU is not failed unless it stays off past that backstop. Without a CPU clock only the
// wall-clock limit holds.
import type IsolatedVM from 'isolated-vm';
import { callCpuMeter, EngineStop, loadIsolatedVm, openThreadCpuClock, type CallLimit, type CallTime, type EngineFactory, type SandboxEngine } from './sandbox-engine';

export const createIsolatedVmEngine: EngineFactory = (driver, module, memoryLimitMb, cpuClock) => {
  const loaded = loadIsolatedVm();
  if ('error' in loaded) throw new Error(`isolated-vm does not load here: ${loaded.error}`);
  const ivm = loaded.ivm;
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb });
  const threadClock = cpuClock ? null : openThreadCpuClock();
  const meter = callCpuMeter(cpuClock ?? threadClock?.read ?? null);
  const dispose = () => {
    if (!isolate.isDisposed) isolate.dispose();
    threadClock?.close();
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

  let last: CallTime = { cpuMs: 0, wallMs: 0 };
  const apply = (fn: IsolatedVM.Reference, args: unknown[], limit: CallLimit): number | string => {
    let r: unknown;
    const wall0 = performance.now();
    meter.start(wall0);
    /** Records the call's time; true if it used more than its CPU limit. */
    const took = () => {
      const now = performance.now();
      last = { cpuMs: meter.end(now), wallMs: now - wall0 };
      return (last.cpuMs ?? 0) > limit.cpuMs;
    };
    try {
      r = fn.applySync(undefined, args as never[], { timeout: Math.max(1, Math.ceil(limit.wallMs)) });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const overCpu = took();
      if (/timed out/i.test(message)) throw new EngineStop('timeout', message, overCpu ? 'cpu' : 'wall');
      if (/memory limit|disposed/i.test(message)) throw new EngineStop('memory', message);
      throw new EngineStop('failed', message);
    }
    if (took()) throw new EngineStop('timeout', 'used more than its CPU time', 'cpu');
    // Only primitives come back; anything else means the driver was subverted, and is not touched.
    if (typeof r === 'number' || typeof r === 'string') return r;
    throw new EngineStop('failed', 'internal: the sandbox returned a non-primitive');
  };

  const engine: SandboxEngine & { io: Float64Array } = {
    name: 'isolated-vm',
    moduleLineOffset: 0,
    io: new Float64Array(0),
    ensureIo(slots, limit) {
      if (engine.io.length >= slots) return;
      const sab = new SharedArrayBuffer(Math.max(slots, engine.io.length * 2, 256) * 8);
      apply(fns.setIo, [new ivm.ExternalCopy(sab).copyInto({ release: true })], limit);
      engine.io = new Float64Array(sab);
    },
    // The copy of a SharedArrayBuffer shares its memory: the host thread watching the stamp sees the driver's writes.
    shareStamp(buffer, limit) {
      apply(fns.setStamp, [new ivm.ExternalCopy(buffer).copyInto({ release: true })], limit);
    },
    init: (limit) => apply(fns.init, [moduleFn.derefInto({ release: true })], limit),
    call: (fn, args, limit) => apply(fns[fn], args as unknown[], limit),
    lastCall: () => last,
    dispose,
  };
  return engine;
};
