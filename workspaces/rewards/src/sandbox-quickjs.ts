// The QuickJS engine: QuickJS compiled to WebAssembly (quickjs-emscripten), one runtime per reward
// module. Its heap lives in the WebAssembly instance's linear memory, where no object of the host
// exists, and the host gives it no functions: the code can reach nothing but the driver and itself.
//
// Limits: memory is the WebAssembly memory's growth, held to the module's limit (see sandbox-engine.ts's
// spares: QuickJS's own allocation count does not hold in this build), and the runtime's interrupt handler, which QuickJS polls while it interprets, stops a call at its time limit, inside
// getters, toString and everything else user code runs in (promise jobs are never run: the driver
// removes promises, and the host never executes pending jobs). QuickJS's own stack limit is set below
// what the host thread's stack holds, since WebAssembly frames use the host thread's stack.
//
// Time: QuickJS runs on the calling thread, so the CPU time a call uses is that thread's (see
// openThreadCpuClock and callCpuMeter). The interrupt handler, which QuickJS polls every 10,000 or so
// interpreter steps, checks the wall-clock limit at every poll and reads the CPU clock only once the
// call could have used up its limit: CPU time grows no faster than the wall clock, so the next read is
// due after the CPU time left. A builtin that runs long without a poll is read when the call ends.
// Without a CPU clock only the wall-clock limit holds.
//
// io is copied: the slots a call reads go in as a fresh ArrayBuffer, and the slots it writes come back.
import type { QuickJSHandle } from 'quickjs-emscripten';
import { callCpuMeter, EngineStop, discardQuickJs, openThreadCpuClock, takeQuickJs, type CallLimit, type CallTime, type EngineFactory, type SandboxEngine } from './sandbox-engine';

/** QuickJS's stack limit. 512 KB overflowed Node's main-thread stack first (about 1 MB) in WebAssembly frames. */
const STACK_BYTES = 256 * 1024;
/** How long reading an error's name and message may take (they are QuickJS's own errors; a bound anyway). */
const DESCRIBE_MS = 100;

/** Below this CPU time left, the handler still waits this long (ms) between reads of the CPU clock. */
const MIN_CPU_READ_MS = 1;

export const createQuickJsEngine: EngineFactory = (driver, module, memoryLimitMb, cpuClock) => {
  const taken = takeQuickJs(memoryLimitMb);
  if (!taken) throw new Error('internal: the QuickJS sandbox is not loaded (prepareSandbox() must run first)');
  const { mod, own } = taken;
  // A failed instance is dropped: an own one with this module, the shared one for later modules.
  const discard = () => {
    if (!own) discardQuickJs();
  };
  const memory = mod.getWasmMemory();
  // On an own instance the memory's maximum is this cap; on the shared one the engine can only see
  // growth past it (between interrupt polls and after each call) and stop the module then.
  const memoryCap = memory.buffer.byteLength + memoryLimitMb * 1024 * 1024;
  const overMemory = () => memory.buffer.byteLength > memoryCap;
  // Some of QuickJS's allocation paths do not check for failure (closures, for one): at an own instance's
  // cap they trap ("memory access out of bounds") instead of throwing "out of memory". A trap with the
  // memory within a tenth of its cap is taken for what it is.
  const trappedAtCap = (e: unknown) => own && e instanceof WebAssembly.RuntimeError && memory.buffer.byteLength >= memoryCap - memoryLimitMb * 1024 * 1024 * 0.1;
  const rt = mod.newRuntime();
  rt.setMemoryLimit(memoryLimitMb * 1024 * 1024);
  rt.setMaxStackSize(STACK_BYTES);
  const threadClock = cpuClock ? null : openThreadCpuClock();
  const meter = callCpuMeter(cpuClock ?? threadClock?.read ?? null);
  // The running call: its limits, when it started, when to read the CPU clock next.
  let limit: CallLimit = { cpuMs: Infinity, wallMs: Infinity };
  let started = 0;
  let nextCpuRead = 0;
  let over: 'cpu' | 'wall' | null = null;
  let last: CallTime = { cpuMs: 0, wallMs: 0 };
  const overTime = (): boolean => {
    const now = performance.now();
    if (now - started > limit.wallMs) {
      over = 'wall';
      return true;
    }
    if (now < nextCpuRead) return false;
    const used = meter.used(now);
    if (used === null) {
      nextCpuRead = Infinity;
      return false;
    }
    if (used > limit.cpuMs) {
      over = 'cpu';
      return true;
    }
    nextCpuRead = now + Math.max(MIN_CPU_READ_MS, limit.cpuMs - used);
    return false;
  };
  rt.setInterruptHandler(() => overTime() || overMemory());
  const vm = rt.newContext();
  const owned: QuickJSHandle[] = [];
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    threadClock?.close();
    try {
      for (const h of owned) if (h.alive) h.dispose();
      vm.dispose();
      rt.dispose();
    } catch {
      // A runtime stopped half-way may not free cleanly; its QuickJS instance is not reused.
      discard();
    }
  };

  /** An exception's "name: message", read with a deadline and without calling toString. */
  const describe = (err: QuickJSHandle): { why: EngineStop['why']; text: string } => {
    const outer = { limit, started, nextCpuRead, over };
    arm({ cpuMs: Infinity, wallMs: DESCRIBE_MS });
    try {
      // An allocation that fails while QuickJS builds the error object leaves null as the exception.
      if (vm.sameValue(err, vm.null)) return { why: 'memory', text: 'out of memory' };
      if (vm.typeof(err) !== 'object') return { why: 'failed', text: `threw a ${vm.typeof(err)}` };
      const str = (k: string) => {
        const h = vm.getProp(err, k);
        try {
          return vm.typeof(h) === 'string' ? vm.getString(h) : '';
        } finally {
          h.dispose();
        }
      };
      const name = str('name');
      const message = str('message');
      if (name === 'InternalError' && message === 'interrupted') return { why: 'timeout', text: 'interrupted' };
      if (name === 'InternalError' && message === 'out of memory') return { why: 'memory', text: message };
      return { why: 'failed', text: `${name}: ${message}` };
    } catch (e) {
      return { why: 'failed', text: (e as Error).message };
    } finally {
      // Back to the call whose error this is (its time so far still counts).
      ({ limit, started, nextCpuRead, over } = outer);
    }
  };
  const arm = (l: CallLimit) => {
    limit = l;
    started = performance.now();
    // Only a call with a CPU limit is measured (an error's description runs inside one, unmeasured).
    if (l.cpuMs !== Infinity) meter.start(started);
    nextCpuRead = started + l.cpuMs;
    over = null;
  };
  const settle = (r: ReturnType<typeof vm.callFunction>): QuickJSHandle => {
    if (r.error) {
      const { why, text } = describe(r.error);
      r.error.dispose();
      throw new EngineStop(why, text, over ?? 'wall');
    }
    return r.value;
  };
  /** Runs `body` with the time limits set; a failure of the WebAssembly instance itself ends its use in this process. */
  const guarded = <T>(l: CallLimit, body: () => T): T => {
    arm(l);
    let result: T;
    try {
      result = body();
    } catch (e) {
      if (overMemory() || trappedAtCap(e)) throw new EngineStop('memory', 'out of memory');
      if (e instanceof EngineStop) throw e;
      discard();
      throw new EngineStop('failed', (e as Error).message ?? String(e));
    } finally {
      const now = performance.now();
      last = { cpuMs: limit.cpuMs === Infinity ? null : meter.end(now), wallMs: now - started };
      limit = { cpuMs: Infinity, wallMs: Infinity };
    }
    if (overMemory()) throw new EngineStop('memory', 'out of memory');
    // A builtin that ran long without a poll returns: over its limits all the same.
    if ((last.cpuMs ?? 0) > l.cpuMs) throw new EngineStop('timeout', 'used more than its CPU time', 'cpu');
    if (last.wallMs > l.wallMs) throw new EngineStop('timeout', 'ran past its wall-clock limit', 'wall');
    return result;
  };
  const primitive = (h: QuickJSHandle): number | string => {
    try {
      const t = vm.typeof(h);
      if (t === 'number') return vm.getNumber(h);
      if (t === 'string') return vm.getString(h);
      throw new EngineStop('failed', 'internal: the sandbox returned a non-primitive');
    } finally {
      h.dispose();
    }
  };

  let fns: Record<'setIo' | 'setEnv' | 'setLimit' | 'setSeed' | 'init' | 'batch' | 'potential', QuickJSHandle>;
  let moduleFn: QuickJSHandle;
  try {
    const d = guarded({ cpuMs: Infinity, wallMs: 5000 }, () => settle(vm.evalCode(driver, 'creditlab:sandbox')));
    owned.push(d);
    const get = (k: string) => {
      const h = vm.getProp(d, k);
      owned.push(h);
      return h;
    };
    fns = { setIo: get('setIo'), setEnv: get('setEnv'), setLimit: get('setLimit'), setSeed: get('setSeed'), init: get('init'), batch: get('batch'), potential: get('potential') };
    // Evaluating one function expression runs nothing of the user's.
    const r = guarded({ cpuMs: Infinity, wallMs: 5000 }, () => vm.evalCode(`(function (exports, require, module) {\n${module.js}\n})`, module.filename));
    if (r.error) {
      const { text } = describe(r.error);
      r.error.dispose();
      throw new SyntaxError(text.replace(/^SyntaxError: /, ''));
    }
    moduleFn = r.value;
    owned.push(moduleFn);
  } catch (e) {
    dispose();
    throw e;
  }

  const engine: SandboxEngine & { io: Float64Array } = {
    name: 'quickjs',
    moduleLineOffset: 1,
    io: new Float64Array(0),
    ensureIo(slots) {
      if (engine.io.length >= slots) return;
      const next = new Float64Array(Math.max(slots, engine.io.length * 2, 256));
      next.set(engine.io);
      engine.io = next;
    },
    init: (l) => guarded(l, () => primitive(settle(vm.callFunction(fns.init, vm.undefined, moduleFn)))),
    call(fn, args, l, io) {
      if (disposed) throw new EngineStop('failed', 'the sandbox was disposed');
      return guarded(l, () => {
        const handles = args.map((a) => (typeof a === 'number' ? vm.newNumber(a) : vm.newString(a)));
        let buf: QuickJSHandle | null = null;
        try {
          if (io) {
            buf = vm.newArrayBuffer(engine.io.buffer.slice(0, Math.max(io.send, io.recvTo) * 8));
            settle(vm.callFunction(fns.setIo, vm.undefined, buf)).dispose();
          }
          return primitive(settle(vm.callFunction(fns[fn], vm.undefined, ...handles)));
        } finally {
          if (buf && io) {
            // Also after a stopped call: the host reads how far a batch got.
            try {
              const out = vm.getArrayBuffer(buf);
              new Uint8Array(engine.io.buffer).set(out.value.subarray(io.recvFrom * 8, io.recvTo * 8), io.recvFrom * 8);
              out.dispose();
            } catch {
              /* no memory left to copy it out: the host takes the batch's first transition */
            }
            buf.dispose();
          }
          for (const h of handles) h.dispose();
        }
      });
    },
    lastCall: () => last,
    dispose,
  };
  return engine;
};
