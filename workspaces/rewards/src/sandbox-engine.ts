// The JavaScript engines user reward code can run in, behind one interface, and which one a process uses.
//
// `isolated-vm` (a V8 isolate of its own; a native addon that must be built for the Node or Electron ABI
// that loads it) is the default. `quickjs` (QuickJS compiled to WebAssembly, shipped in the
// quickjs-emscripten package: nothing to build, loads under any ABI) is used when isolated-vm does not
// load, inside the Electron app (see sandboxChoice), or when CREDITLAB_SANDBOX=quickjs asks for it. QuickJS interprets the reward several times
// slower than V8, so it costs more per transition; the isolation is the same (see sandbox.ts).
//
// An engine runs the driver (sandbox.ts's DRIVER) and the user's module in a heap of its own; the host
// talks to the driver through a few named functions that take and return only numbers and strings, plus
// `io`, an array of float64 slots both sides read and write (transitions in, rewards out).
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import type IsolatedVM from 'isolated-vm';
import type { QuickJSWASMModule } from 'quickjs-emscripten';

export type SandboxName = 'isolated-vm' | 'quickjs';
export const SANDBOX_NAMES: readonly SandboxName[] = ['isolated-vm', 'quickjs'];
/** The environment variable that forces an engine. */
export const SANDBOX_ENV = 'CREDITLAB_SANDBOX';

/**
 * A call's time limits. `cpuMs` is what the reward code is held to: CPU time spent running it, which a
 * thread that the machine's load keeps off the CPU does not use up. `wallMs`, much larger, is the
 * backstop on the wall clock, for a call that stays stuck without using CPU time.
 */
export interface CallLimit {
  cpuMs: number;
  wallMs: number;
}

/** Time a call took: CPU time (a lower bound, short by at most a few ms; null where the engine cannot tell) and wall-clock time, ms. */
export interface CallTime {
  cpuMs: number | null;
  wallMs: number;
}

/** Why a call into the engine did not return: over its time limit, over its memory limit, or anything else. */
export class EngineStop extends Error {
  constructor(
    readonly why: 'timeout' | 'memory' | 'failed',
    message: string,
    /** For a timeout: which limit the call went over. */
    readonly over: 'cpu' | 'wall' = 'wall',
  ) {
    super(message);
  }
}

/** A source of CPU time in ms (only differences are used). */
export type CpuClock = () => number;

/**
 * The calling thread's CPU time, for the QuickJS engine (it runs on the thread that calls it, and the
 * thread runs nothing else during a call): Node's process.threadCpuUsage() where it exists (microseconds),
 * else Linux's /proc/thread-self/schedstat, whose first field is the nanoseconds the thread has run (kept
 * open and re-read at offset 0: one read). null where neither exists; then only the wall-clock limit
 * holds. Each close() matches one open.
 */
export function openThreadCpuClock(): { read: CpuClock; close(): void } | null {
  const usage = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (typeof usage === 'function') {
    return {
      read: () => {
        const u = usage.call(process);
        return (u.user + u.system) / 1000;
      },
      close() {},
    };
  }
  // The file names the thread that opened it, and module state is per thread (each worker loads its
  // own modules): one file per thread, shared by its engines, closed when the last one is disposed.
  if (!schedstat) {
    let fd: number;
    try {
      fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      return null;
    }
    const buf = Buffer.alloc(96);
    const read = () => {
      const n = readSync(fd, buf, 0, buf.length, 0);
      const end = buf.indexOf(32);
      return Number(buf.toString('latin1', 0, end < 0 || end > n ? n : end)) / 1e6;
    };
    let ok = false;
    try {
      ok = Number.isFinite(read());
    } catch {
      /* not readable here */
    }
    if (!ok) {
      closeSync(fd);
      return null;
    }
    schedstat = { fd, read, users: 0 };
  }
  const s = schedstat;
  s.users++;
  let open = true;
  return {
    read: s.read,
    close() {
      if (!open) return;
      open = false;
      if (--s.users === 0) {
        closeSync(s.fd);
        schedstat = null;
      }
    },
  };
}
let schedstat: { fd: number; read: CpuClock; users: number } | null = null;

/**
 * Reading the CPU clock costs about as much as a cheap call, so it is not read around every call: a
 * call counts from the last reading if that is at most CPU_READ_EVERY_MS old, less the wall-clock time
 * since (a lower bound, short by at most that much), and a call shorter than CPU_READ_AFTER_MS on the
 * wall clock, which used less CPU time than that, is not read after.
 */
const CPU_READ_EVERY_MS = 5;
const CPU_READ_AFTER_MS = 1;

/** The CPU time of calls on one thread (see above); every figure is null without a clock. */
export function callCpuMeter(cpu: CpuClock | null) {
  let reading = { cpu: 0, wall: -Infinity };
  let from = reading;
  let wall0 = 0;
  const used = (now: number): number | null => {
    if (!cpu) return null;
    reading = { cpu: cpu(), wall: now };
    return Math.max(0, reading.cpu - from.cpu - (wall0 - from.wall));
  };
  return {
    /** A call starts at `now` (performance.now()). */
    start(now: number): void {
      wall0 = now;
      if (cpu && now - reading.wall > CPU_READ_EVERY_MS) reading = { cpu: cpu(), wall: now };
      from = reading;
    },
    /** CPU time the running call has used by `now`. */
    used,
    /** CPU time of the call that ends at `now`. */
    end: (now: number): number | null => (cpu && now - wall0 < CPU_READ_AFTER_MS ? 0 : used(now)),
  };
}

/** The driver's functions the host calls. */
export type DriverFn = 'setEnv' | 'setLimit' | 'setSeed' | 'batch' | 'potential';

/** Which io slots a call reads (the first `send`) and which it writes (`recvFrom` up to `recvTo`). */
export interface IoUse {
  send: number;
  recvFrom: number;
  recvTo: number;
}

export interface SandboxEngine {
  readonly name: SandboxName;
  /** Lines the engine puts before the user's module: stack positions are this much too far down. */
  readonly moduleLineOffset: number;
  /** The io slots as the host reads and writes them (replaced by ensureIo). */
  readonly io: Float64Array;
  /** Makes io hold at least `slots` slots. */
  ensureIo(slots: number, limit: CallLimit): void;
  /** Runs the driver's `init` on the user's module (its top-level code). */
  init(limit: CallLimit): number | string;
  /**
   * Gives the driver the watchdog's buffer, shared, so that a batch writes each transition it starts into
   * the stamp the host reads. Only an engine whose heap can share memory with the host has it
   * (isolated-vm); without it the stamp stays at a batch's first transition.
   */
  shareStamp?(buffer: SharedArrayBuffer, limit: CallLimit): void;
  /**
   * Calls a driver function; returns its number or string. Throws EngineStop: a timeout when the call
   * used more than limit.cpuMs of CPU time (`over` 'cpu') or took longer than limit.wallMs (`over` 'wall').
   */
  call(fn: DriverFn, args: readonly (number | string)[], limit: CallLimit, io?: IoUse): number | string;
  /** The time the last call (returned or stopped) took. */
  lastCall(): CallTime;
  dispose(): void;
}

/**
 * Builds an engine with the driver run and the user's module compiled (not run). Throws SyntaxError for
 * the module. `cpuClock` replaces the engine's own CPU time source (tests simulate a descheduled thread).
 */
export type EngineFactory = (driver: string, module: { js: string; filename: string }, memoryLimitMb: number, cpuClock?: CpuClock) => SandboxEngine;

// ---------------------------------------------------------------------------------------------------------
// Which engine

const loaded = new Map<string, { ivm: typeof IsolatedVM } | { error: string }>();

/**
 * isolated-vm, or why it does not load here (an addon built for another ABI, say Electron's without a
 * rebuild). Electron needs an isolated-vm built for its own ABI: `npm start` builds one and names its
 * folder in CREDITLAB_ISOLATED_VM (the packaged app has it rebuilt in place).
 */
export function loadIsolatedVm(): { ivm: typeof IsolatedVM } | { error: string } {
  const spec = process.env.CREDITLAB_ISOLATED_VM || 'isolated-vm';
  let r = loaded.get(spec);
  if (!r) {
    try {
      r = { ivm: createRequire(import.meta.url)(spec) as typeof IsolatedVM };
    } catch (e) {
      r = { error: ((e as Error).message ?? String(e)).split('\n')[0] };
    }
    loaded.set(spec, r);
  }
  return r;
}

let quickjs: QuickJSWASMModule | null = null;
let quickjsLoading: Promise<QuickJSWASMModule> | null = null;
let quickjsError: string | null = null;

/** Loads QuickJS's WebAssembly module (once per process). */
export async function loadQuickJs(): Promise<QuickJSWASMModule | { error: string }> {
  if (quickjs) return quickjs;
  if (quickjsError !== null) return { error: quickjsError };
  try {
    quickjsLoading ??= import('quickjs-emscripten').then((m) => m.newQuickJSWASMModule(m.RELEASE_SYNC));
    quickjs = await quickjsLoading;
    quickJsBasePages ||= quickjs.getWasmMemory().buffer.byteLength / 65536;
    return quickjs;
  } catch (e) {
    quickjsError = ((e as Error).message ?? String(e)).split('\n')[0];
    return { error: quickjsError };
  }
}


// QuickJS's own memory limit does not hold in this build: without malloc_usable_size it counts a few
// bytes per allocation, whatever the allocation's size (an ArrayBuffer of 16 MB counts as 8 bytes), so a
// module could take the whole 32-bit WebAssembly address space (4 GB) under any limit. What holds is the
// WebAssembly memory's own maximum: a module gets an instance of its own whose memory may grow by its
// limit and no further (an allocation past it fails inside QuickJS as "out of memory"). Creating one is
// asynchronous, so prepareSandbox() makes it ahead of the compile that takes it.
const spares = new Map<number, QuickJSWASMModule>();

/** WebAssembly pages (64 KiB) a fresh instance starts with (QuickJS's runtime lives in them), read at load. */
let quickJsBasePages = 0;
/** The largest memory quickjs-emscripten's build declares (2 GB): a memory it imports may not be larger. */
const QUICKJS_MAX_PAGES = 32768;

async function spareQuickJs(memoryLimitMb: number): Promise<void> {
  if (spares.has(memoryLimitMb)) return;
  const base = await loadQuickJs();
  if ('error' in base) return;
  const m = await import('quickjs-emscripten');
  const initial = quickJsBasePages;
  const wasmMemory = new WebAssembly.Memory({ initial, maximum: Math.min(QUICKJS_MAX_PAGES, initial + memoryLimitMb * 16) });
  spares.set(memoryLimitMb, await m.newQuickJSWASMModule(m.newVariant(m.RELEASE_SYNC, { wasmMemory })));
}

/**
 * The QuickJS instance a new module runs in: the one prepareSandbox() made for this memory limit (its
 * memory capped), else the process's shared instance, whose memory the engine can only watch grow.
 */
export function takeQuickJs(memoryLimitMb: number): { mod: QuickJSWASMModule; own: boolean } | null {
  const spare = spares.get(memoryLimitMb);
  if (spare) {
    spares.delete(memoryLimitMb);
    return { mod: spare, own: true };
  }
  return quickjs ? { mod: quickjs, own: false } : null;
}

/**
 * After the WebAssembly instance itself failed (a trap, the host stack exhausted in its frames, a runtime
 * that would not free): later modules get a fresh instance from the next prepareSandbox().
 */
export function discardQuickJs(): void {
  quickjs = null;
  quickjsLoading = null;
}

export interface SandboxChoice {
  name: SandboxName;
  /** Why this engine: forced by the variable, the default, or why isolated-vm is not used. */
  reason: string;
}

/** The engine this process uses for new reward modules. Throws on a bad CREDITLAB_SANDBOX. */
export function sandboxChoice(): SandboxChoice {
  const forced = process.env[SANDBOX_ENV];
  if (forced) {
    if (!(SANDBOX_NAMES as readonly string[]).includes(forced)) {
      throw new Error(`${SANDBOX_ENV} must be one of ${SANDBOX_NAMES.join(', ')} (got ${JSON.stringify(forced.slice(0, 40))})`);
    }
    return { name: forced as SandboxName, reason: `${SANDBOX_ENV}=${forced}` };
  }
  // In the Electron app, runs are worker threads of the app's own process: an allocation V8 aborts on,
  // or a thread stopped inside an isolated-vm call, would take the whole app down with the run. QuickJS's
  // heap is WebAssembly memory held to its limit, so there a hostile reward costs speed, not the app.
  if (process.versions.electron) return { name: 'quickjs', reason: "Electron: runs are threads of the app's process, where QuickJS keeps any reward's failure inside its run" };
  const ivm = loadIsolatedVm();
  if ('ivm' in ivm) return { name: 'isolated-vm', reason: 'default' };
  return { name: 'quickjs', reason: `isolated-vm does not load here: ${ivm.error}` };
}

/**
 * Call before compiling reward modules in a process (the runner and the scoring service do): loads
 * QuickJS when it is the engine (or `name` asks for it), since its WebAssembly loads asynchronously,
 * and with `memoryLimitMb`, the instance of the next module compiled with that limit (see spares).
 * Returns the choice.
 */
export async function prepareSandbox(name?: SandboxName, opts: { memoryLimitMb?: number } = {}): Promise<SandboxChoice> {
  const choice = name ? { name, reason: 'requested' } : sandboxChoice();
  if (choice.name === 'quickjs') {
    const q = await loadQuickJs();
    if ('error' in q) throw new Error(`the QuickJS sandbox does not load: ${q.error}`);
    if (opts.memoryLimitMb !== undefined) await spareQuickJs(opts.memoryLimitMb);
  }
  return choice;
}

/** What `creditlab doctor` shows: the engine in use and whether each one loads here. */
export async function sandboxStatus(): Promise<{ using: SandboxChoice | { error: string }; isolatedVm: { ok: boolean; error?: string }; quickjs: { ok: boolean; error?: string } }> {
  let using: SandboxChoice | { error: string };
  try {
    using = sandboxChoice();
  } catch (e) {
    using = { error: (e as Error).message };
  }
  const ivm = loadIsolatedVm();
  const q = await loadQuickJs();
  return {
    using,
    isolatedVm: 'ivm' in ivm ? { ok: true } : { ok: false, error: ivm.error },
    quickjs: 'error' in q ? { ok: false, error: q.error } : { ok: true },
  };
}
