// User reward code: compiled once per run with esbuild, run in a JavaScript engine instance of its own:
// a V8 isolate (isolated-vm), or QuickJS compiled to WebAssembly where isolated-vm does not load or
// CREDITLAB_SANDBOX=quickjs asks for it (see sandbox-engine.ts). Everything below holds for both.
//
// The boundary. The code runs in a separate engine instance, with its own heap, in which no object of
// the host exists: nothing the code can reach leads to the host's Function, `process` or modules, and an
// error, a stack trace or a getter in there can only run code of that instance. The host passes values
// in as copies (numbers, one JSON string per batch, and an array of Float64 slots that both sides read
// and write as plain numbers) and takes back only a number or a string. The host never holds a reference
// to an object of the instance except the driver's functions, which the driver froze before any user
// code ran.
//
// Every piece of user code runs inside a call the host makes with a time limit. What could run outside
// one is removed before the user's module loads: promises and async functions (microtasks and unhandled
// rejections are processed after a call returns; the reward function must be synchronous anyway, and
// esbuild lowers async syntax to code that needs the global `Promise`, which is replaced by a stub that
// throws), FinalizationRegistry and WeakRef (their callbacks run whenever the collector decides),
// SharedArrayBuffer, Atomics and WebAssembly; and string code generation (eval, the Function
// constructors), which could bring async functions back.
//
// Memory: the instance's limit counts its heap and its array buffers (typed arrays included); going over
// disposes the instance and fails the run.
//
// Time: a call is held to the CPU time its code uses (the engine's thread or isolate; time the machine's
// load keeps the thread off the CPU does not count), with a wall-clock limit WALL_GRACE_MS longer as the
// backstop for a call stuck without using CPU. isolated-vm can only stop a call by the wall clock, so
// there an endless loop runs to the backstop (see sandbox-ivm.ts).
import { SourceMap } from 'node:module';
import { transformSync, type Message } from 'esbuild';
import type { StepInfo } from '@creditlab/envs/types';
import { MAX_DETAIL_CHARS, RewardError, type RewardErrorKind } from './errors';
import type { RolloutScores, UserRewardInput, UserRewardModule } from './method';
import { RewardWatchdog, STAMP_COPY, STAMP_EPISODE, STAMP_STEP, timeoutError, type StampBatch } from './watchdog';
import { createRewardPipeline, type RewardPipeline, type RewardPipelineConfig, type RewardPipelineOptions } from './pipeline';
import { EngineStop, sandboxChoice, type CallLimit, type CpuClock, type DriverFn, type EngineFactory, type IoUse, type SandboxEngine, type SandboxName } from './sandbox-engine';
import { createIsolatedVmEngine } from './sandbox-ivm';
import { createQuickJsEngine } from './sandbox-quickjs';

export { RewardWatchdog, WATCHDOG_BACKSTOP_MS, timeoutError, type WatchdogTimeout, type WatchdogPhase } from './watchdog';
export { REWARD_API_DTS } from './api-dts';
export { SANDBOX_ENV, SANDBOX_NAMES, prepareSandbox, sandboxChoice, sandboxStatus, type SandboxChoice, type SandboxName } from './sandbox-engine';

const ENGINES: Record<SandboxName, EngineFactory> = { 'isolated-vm': createIsolatedVmEngine, quickjs: createQuickJsEngine };

export const DEFAULT_MEMORY_LIMIT_MB = 512;

/**
 * isolated-vm's requirement on Node >= 20: the process must start with `--no-node-snapshot` (V8's shared
 * heap breaks when isolates from different snapshots live in one process). `doctor` reports this;
 * bin/creditlab.mjs and the test runner pass the flag. Under Electron the answer is not known (never launched
 * here), so it is reported as missing.
 */
export function nodeSnapshotDisabled(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if (Number(process.versions.node.split('.')[0]) < 20) return true;
  return execArgv.includes('--no-node-snapshot') || nodeOptions.split(/\s+/).includes('--no-node-snapshot');
}

export interface CompileOptions {
  /** Limit for one reward/potential call, ms of CPU time (see ENGINE_GRACE_MS, WALL_GRACE_MS). Default 50. */
  timeoutMs?: number;
  /** Limit for the module's top-level code, ms of CPU time. Default max(1000, timeoutMs). */
  initTimeoutMs?: number;
  /**
   * Memory the engine instance may hold (heap and array buffers), MB. Default 512. On QuickJS it holds
   * for a module compiled after prepareSandbox(…, { memoryLimitMb }) made its instance (runs and
   * re-scoring do); otherwise the module shares the process's instance, whose growth past the limit is
   * all that is seen.
   */
  memoryLimitMb?: number;
  /** Seeds the module's Math.random (the run's seed); default 0. */
  seed?: number;
  /** The engine; default: sandboxChoice() (CREDITLAB_SANDBOX, else isolated-vm where it loads, else quickjs). */
  sandbox?: SandboxName;
  /**
   * The host's watchdog (runs in workers): calls are stamped and the host terminates the worker when one
   * is overdue by more than its grace period. The engine's own time limit stops user code first; the
   * watchdog is the backstop should a call ever fail to return (a builtin neither engine interrupts).
   */
  watchdog?: RewardWatchdog;
  /**
   * The CPU time source the limits are judged by, in place of the engine's own (tests use it to simulate
   * a thread the machine keeps off the CPU: wall-clock time passes, CPU time does not).
   */
  cpuClock?: CpuClock;
}

export interface CompiledReward extends UserRewardModule {
  readonly timeoutMs: number;
  readonly memoryLimitMb: number;
  /** The engine it runs in. */
  readonly sandbox: SandboxName;
  /** Frees the engine instance. Calls after this fail. */
  dispose(): void;
}

export interface Transpiled {
  js: string;
  map: SourceMap;
}

const HEADER = 12; // slots per transition before obs/nextObs/action
/** Enough of a stack to find the first frame in the user's source. */
const MAX_STACK_CHARS = 8000;
/**
 * CPU time a call may use past its limit before it is stopped (a batch of n calls: n × limit + this).
 * The engine's own work inside a call counts as the call's: compiling code on first use, collecting
 * garbage, first touches of a fresh heap, which on a loaded machine can cost a trivial first call more
 * than its limit. An endless loop is still stopped within a fraction of a second of CPU time.
 */
export const ENGINE_GRACE_MS = 200;
/**
 * Limits are on CPU time (see the header); a call may also run this much longer on the wall clock than
 * its CPU limit (with grace) before it is stopped regardless: far more than a loaded machine keeps a
 * thread waiting mid-call (figures in the README), so it only bounds a call stuck without using
 * CPU and, on isolated-vm, how long an endless loop runs.
 */
export const WALL_GRACE_MS = 2000;
const limitOf = (cpuMs: number): CallLimit => ({ cpuMs: cpuMs + ENGINE_GRACE_MS, wallMs: cpuMs + ENGINE_GRACE_MS + WALL_GRACE_MS });
/**
 * A batch of transitions goes into the sandbox in calls of at most max(1, BATCH_BUDGET_MS / timeoutMs)
 * transitions. The engine can only stop a whole call, at n × timeoutMs of CPU time, so this bounds how
 * long an endless loop runs whatever the rollout's size; each transition inside a call is also held to
 * timeoutMs: the driver returns after one that took longer on the wall clock, and the host judges it
 * by the CPU time the call used (see scoreCall).
 */
export const BATCH_BUDGET_MS = 1000;
/** The host's watchdog (a backstop) acts only this long after the engine should have stopped a call. */
const WATCHDOG_BACKSTOP_MS = 1000;
/**
 * Compiling (esbuild, then the engine's parser) runs outside any engine call, and both take time that
 * grows faster than linearly with nesting depth (esbuild: 7 to 35 s for 10,000 nested blocks, 20 KB of
 * source): the watchdog stops a compile that takes this long. Honest modules compile in milliseconds (the
 * first compile of a process also starts esbuild's service: about 1.5 s on a loaded machine).
 */
export const COMPILE_TIMEOUT_MS = 10_000;

/** TypeScript/JavaScript → CommonJS. A syntax error becomes a RewardError at file:line:column. */
export function transpileReward(filename: string, code: string): Transpiled {
  let out;
  try {
    out = transformSync(code, {
      loader: 'ts',
      format: 'cjs',
      target: 'es2022',
      sourcemap: 'external',
      sourcefile: filename,
      legalComments: 'none',
      // import() becomes require(), which throws a clear error; async syntax becomes code that calls the
      // global Promise, which the sandbox replaces (see the header).
      supported: { 'dynamic-import': false, 'async-await': false, 'async-generator': false, 'for-await': false },
      // Keep imports that are unused or type-only-looking, so every import reaches the throwing require.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    });
  } catch (e) {
    const m: Message | undefined = (e as { errors?: Message[] }).errors?.[0];
    const loc = m?.location;
    throw new RewardError(`syntax error: ${m?.text ?? (e as Error).message}`, {
      kind: 'compile',
      filename,
      line: loc?.line,
      column: loc ? loc.column + 1 : undefined,
    });
  }
  const leftover = /\bimport\s*\(|\bimport\s*\.\s*meta\b/.exec(out.code);
  if (leftover) {
    throw new RewardError(`"${leftover[0]}" is not allowed in reward code (not even inside a string)`, { kind: 'import', filename });
  }
  return { js: out.code, map: new SourceMap(JSON.parse(out.map)) };
}

// The driver runs inside the engine. It captures the intrinsics it needs and removes what could run
// user code outside a timed call before any user code runs, so user code that replaces globals or
// prototypes only affects itself.
const DRIVER = String.raw`'use strict';
(() => {
  const G = globalThis;
  const F64 = Float64Array, parse = JSON.parse, stringify = JSON.stringify, isArray = Array.isArray;
  const ErrorCtor = Error, RangeErrorCtor = RangeError, toStr = String, freeze = Object.freeze, defineProperty = Object.defineProperty;
  const apply = Reflect.apply, sliceStr = String.prototype.slice, codeAt = String.prototype.charCodeAt, fromCode = String.fromCharCode;
  const NO_PROMISES = 'promises and async functions are not available in reward code (the reward function must be synchronous)';
  const noPromise = function Promise() { throw new ErrorCtor(NO_PROMISES); };
  for (const k of ['resolve', 'reject', 'all', 'allSettled', 'any', 'race', 'withResolvers']) noPromise[k] = noPromise;
  for (const k of ['console', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'FinalizationRegistry', 'WeakRef']) delete G[k];
  delete Array.fromAsync;
  defineProperty(G, 'Promise', { value: freeze(noPromise), writable: false, configurable: false, enumerable: false });
  // Both engines let their code compile strings; new code could bring back async functions, so every way
  // to the function constructors and eval leads to a stub.
  const EvalErrorCtor = EvalError;
  const NO_EVAL = 'code generation from strings is not available in reward code';
  const noEval = function Function() { throw new EvalErrorCtor(NO_EVAL); };
  const noEvalFn = { eval() { throw new EvalErrorCtor(NO_EVAL); } }.eval;
  const getProto = Object.getPrototypeOf;
  for (const proto of [Function.prototype, getProto(function* () {}), getProto(async function () {}), getProto(async function* () {})]) {
    defineProperty(proto, 'constructor', { value: noEval, writable: false, configurable: false, enumerable: false });
  }
  defineProperty(G, 'Function', { value: noEval, writable: false, configurable: false, enumerable: false });
  defineProperty(G, 'eval', { value: noEvalFn, writable: false, configurable: false, enumerable: false });
  // Resizable array buffers: V8 reserves a resizable buffer's maximum itself, outside the allocator that
  // isolated-vm's memory limit counts, so resize() could take gigabytes past the limit. Only fixed-length
  // buffers can be made: the global constructor (and so every constructor property and species lookup)
  // is one that refuses maxByteLength.
  const AB = ArrayBuffer, construct = Reflect.construct, TypeErrorCtor = TypeError;
  const FixedArrayBuffer = function ArrayBuffer(length, options) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor ArrayBuffer requires 'new'");
    if (options !== null && typeof options === 'object' && options.maxByteLength !== undefined) {
      throw new RangeErrorCtor('resizable array buffers (maxByteLength) are not available in reward code');
    }
    return construct(AB, [length], new.target === FixedArrayBuffer ? AB : new.target);
  };
  FixedArrayBuffer.prototype = AB.prototype;
  FixedArrayBuffer.isView = AB.isView;
  defineProperty(FixedArrayBuffer, Symbol.species, { get() { return this; }, configurable: true });
  defineProperty(AB.prototype, 'constructor', { value: FixedArrayBuffer, writable: true, configurable: true, enumerable: false });
  defineProperty(G, 'ArrayBuffer', { value: FixedArrayBuffer, writable: true, configurable: true, enumerable: false });
  // Math.random draws from a generator seeded by the run's seed (setSeed): a reward that uses it gives the
  // same values in every run of that seed, and different ones across seeds. sfc32, seeded by splitmix32.
  const imul = Math.imul;
  let ra = 0, rb = 0, rc = 0, rd = 0;
  const sfc32 = () => {
    const t = (((ra + rb) | 0) + rd) | 0;
    rd = (rd + 1) | 0;
    ra = rb ^ (rb >>> 9);
    rb = (rc + (rc << 3)) | 0;
    rc = (rc << 21) | (rc >>> 11);
    rc = (rc + t) | 0;
    return t >>> 0;
  };
  const seedRandom = (seed) => {
    let h = (seed >>> 0) ^ imul((seed / 4294967296) | 0, 0x27d4eb2d);
    const mix = () => {
      h = (h + 0x9e3779b9) | 0;
      let z = imul(h ^ (h >>> 16), 0x85ebca6b);
      z = imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    ra = mix(); rb = mix(); rc = mix(); rd = mix();
    for (let i = 0; i < 12; i++) sfc32();
  };
  const random = { random() { return ((sfc32() >>> 5) * 67108864 + (sfc32() >>> 6)) / 9007199254740992; } }.random;
  defineProperty(Math, 'random', { value: random, writable: true, configurable: true, enumerable: false });
  seedRandom(0);
  const now = Date.now;
  let io = new F64(0);
  // The host watchdog's stamp, when the engine shares it (isolated-vm): each transition a batch starts is
  // written into it, so a call the host has to stop is reported at the transition it hung in.
  let stamp = null;
  let rewardFn = null, potentialFn = null, envName = '', perCallMs = Infinity;
  const states = [], stateEp = [], rets = [];
  const importErrors = new WeakSet();
  const describe = (v) => {
    if (v === undefined) return 'undefined';
    if (v === null) return 'null';
    const t = typeof v;
    if (t === 'string') return 'a string ' + stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
    if (t === 'number' || t === 'boolean' || t === 'bigint') return 'a ' + t + ' ' + toStr(v);
    if (isArray(v)) return 'an array';
    return 'a' + (t === 'object' ? 'n object' : ' ' + t);
  };
  const failure = (e) => {
    let kind = 'throw', msg, stack = '';
    try {
      if (importErrors.has(e)) kind = 'import';
      // What V8 throws when the isolate's allocator refuses an array buffer over the memory limit, and
      // what QuickJS throws when an allocation would go over its runtime's limit.
      if (e instanceof RangeErrorCtor && e.message === 'Array buffer allocation failed') kind = 'memory';
      if (e instanceof ErrorCtor && e.name === 'InternalError' && e.message === 'out of memory') kind = 'memory';
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        const name = toStr(e.name ?? 'Error');
        msg = name + ': ' + toStr(e.message ?? '');
        stack = toStr(e.stack ?? '');
        if (kind === 'import') msg = toStr(e.message);
      } else msg = 'threw ' + describe(e);
    } catch (inner) {
      msg = 'threw an error that cannot be described';
    }
    // A message or stack can be hundreds of MB: only the head crosses to the host. The message must stay
    // on its line (the host splits the answer at newlines; a forged frame would misplace the error).
    msg = clip(msg, ${MAX_DETAIL_CHARS});
    let line = '';
    for (let i = 0; i < msg.length; i++) {
      const c = apply(codeAt, msg, [i]);
      line += c === 10 ? '\\n' : c === 13 ? '\\r' : fromCode(c);
    }
    return kind + '\n' + line + '\n' + clip(stack, ${MAX_STACK_CHARS});
  };
  const clip = (s, n) => (s.length > n ? apply(sliceStr, s, [0, n]) + '…' : s);
  const wrong = (v) => 'wrong-type\nreturned ' + describe(v) + ', expected a number\n';
  const nonFinite = (v) => 'non-finite\nreturned ' + toStr(v) + ', expected a finite number\n';
  const arr = (off, n) => { const a = new F64(n); for (let i = 0; i < n; i++) a[i] = io[off + i]; return a; };
  const require = (name) => {
    const e = new ErrorCtor('imports are not available in reward code (tried to import ' + stringify(toStr(name)) + ')');
    importErrors.add(e);
    throw e;
  };
  return freeze({
    setIo(sab) { io = new F64(sab); return 0; },
    setStamp(sab) { stamp = new F64(sab); return 0; },
    setEnv(e) { envName = e; return 0; },
    setLimit(ms) { perCallMs = ms; return 0; },
    setSeed(seed) { seedRandom(seed); return 0; },
    init(moduleFn) {
      try {
        const module = { exports: {} };
        moduleFn(module.exports, require, module);
        const ex = module.exports;
        const d = ex && ex.default;
        const p = ex && ex.potential;
        rewardFn = typeof d === 'function' ? d : null;
        potentialFn = typeof p === 'function' ? p : null;
        if (d !== undefined && !rewardFn) return 'wrong-type\nthe default export is ' + describe(d) + ', expected a function\n';
        if (!rewardFn && !potentialFn) return 'wrong-type\nthe module exports neither a default reward function nor potential()\n';
        return (rewardFn ? 1 : 0) + (potentialFn ? 2 : 0);
      } catch (e) { return failure(e); }
    },
    // n transitions laid out from slot 0 (see the host's write()); results go to slots out..out+n-1 and
    // slot out+n holds the index of the transition being scored and out+n+1 the wall-clock ms from the
    // call's start to that transition's (for the host, should the call be stopped).
    // Returns -1, or 'index\n' + a failure.
    //
    // carry (1: combine "add", 2: "replace") scores a stretch of a rollout, in which a transition's
    // episode return may be unknown to the host (NaN: it depends on the values of the copy's earlier
    // transitions): it is the copy's running sum of final rewards, kept here exactly as the host's
    // pipeline keeps it (final reward = base + (0 + value); no shaping or transforms). The batch stops at
    // the first value, or final reward, that is not finite, as stepping one transition at a time would:
    // -2 - i means "values up to i are written, the final reward of i is not finite".
    batch(n, out, infoJson, carry) {
      const begun = now();
      const infos = parse(infoJson);
      let off = 0;
      for (let i = 0; i < n; i++) {
        io[out + n] = i;
        io[out + n + 1] = now() - begun;
        const n0 = io[off + 8], n1 = io[off + 9], na = io[off + 10];
        const copy = io[off + 4], ep = io[off + 5];
        const t = io[off];
        if (stamp !== null) { stamp[${STAMP_COPY}] = copy; stamp[${STAMP_EPISODE}] = ep; stamp[${STAMP_STEP}] = t; }
        let ret = io[off + 6];
        if (carry && ret !== ret) ret = rets[copy];
        const started = now();
        let v;
        try {
          if (stateEp[copy] !== ep) { states[copy] = {}; stateEp[copy] = ep; }
          const info = infos[i];
          const events = info !== null && typeof info === 'object' && isArray(info.events) ? info.events : [];
          const o = off + ${HEADER};
          const ctx = {
            env: envName, t, obs: arr(o, n0), action: na < 0 ? io[off + 11] : arr(o + n0 + n1, na),
            nextObs: arr(o + n0, n1), envReward: io[off + 1], terminated: io[off + 2] === 1, truncated: io[off + 3] === 1,
            events, info, episode: { index: ep, return: ret, envReturn: io[off + 7] }, state: states[copy],
          };
          v = rewardFn(ctx);
          if (typeof v !== 'number') return i + '\n' + wrong(v);
        } catch (e) { return i + '\n' + failure(e); }
        const took = now() - started;
        io[out + i] = v;
        if (carry) {
          if (v - v !== 0) return i + '\n' + nonFinite(v);
          const total = (carry === 2 ? 0 : io[off + 1]) + (0 + v);
          if (total - total !== 0) return -2 - i;
          rets[copy] = ret + total;
        }
        off += ${HEADER} + n0 + n1 + (na < 0 ? 0 : na);
        // The engine holds the whole batch to n × the limit (+ grace). A transition that took its own
        // limit or more on the wall clock (in whole ms) ends the call, scored: the host, which can read
        // CPU time, judges it and goes on with the next one.
        if (took >= perCallMs) return i + '\nover\n' + took + '\n' + (started - begun) + '\n';
      }
      return -1;
    },
    potential(infoJson, out) {
      try {
        const v = potentialFn(arr(${HEADER}, io[8]), parse(infoJson));
        if (typeof v !== 'number') return wrong(v);
        io[out] = v;
        return -1;
      } catch (e) { return failure(e); }
    },
  });
})()`;

interface Where {
  phase: 'init' | 'reward' | 'potential';
  copy: number;
  episode: number;
  step: number;
}

const typedToArray = (_k: string, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v);
/** An info as JSON; most envs' infos are empty, which skips the stringifier. */
const infoJson = (info: object | null | undefined): string => {
  if (info !== null && typeof info === 'object' && Object.getPrototypeOf(info) === Object.prototype) {
    let empty = true;
    for (const _ in info) {
      empty = false;
      break;
    }
    if (empty) return '{}';
  }
  return JSON.stringify(info, typedToArray) ?? 'null';
};

/** Compiles the user's module once, in its own engine instance, and returns the functions the reward pipeline calls. */
export function compileRewardModule(source: { filename: string; code: string }, opts: CompileOptions = {}): CompiledReward {
  const { filename } = source;
  const timeoutMs = opts.timeoutMs ?? 50;
  const initTimeoutMs = opts.initTimeoutMs ?? Math.max(1000, timeoutMs);
  const memoryLimitMb = opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const wd = opts.watchdog;
  const sandbox = opts.sandbox ?? sandboxChoice().name;
  let engine: SandboxEngine;
  let map: SourceMap;
  wd?.begin(COMPILE_TIMEOUT_MS, 'compile', 0, 0, 0);
  try {
    const out = transpileReward(filename, source.code);
    map = out.map;
    engine = ENGINES[sandbox](DRIVER, { js: out.js, filename }, memoryLimitMb, opts.cpuClock);
  } catch (e) {
    if (e instanceof RewardError) throw e;
    const m = (e as Error).message ?? String(e);
    // Out of stack in the engine's parser on deeply nested code: V8 throws a RangeError, QuickJS an
    // InternalError, or the host's stack runs out in QuickJS's WebAssembly frames.
    if (/Maximum call stack size exceeded|stack overflow/i.test(m)) {
      throw new RewardError(`the module is nested too deeply to compile (${m.replace(/ \[.*$/, '')})`, { kind: 'compile', filename });
    }
    if (e instanceof SyntaxError) throw new RewardError(`syntax error: ${m}`, { kind: 'compile', filename });
    throw new RewardError(`the sandbox could not start: ${m}`, { kind: 'throw', filename });
  } finally {
    wd?.end();
  }
  let dead: RewardError | null = null;
  const dispose = () => engine.dispose();
  const locate = (stack: string): { line?: number; column?: number } => {
    const esc = filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`${esc}:(\\d+):(\\d+)`, 'g');
    // The first frame that maps into the user's source (esbuild's helpers have no original position).
    for (let m = re.exec(stack); m; m = re.exec(stack)) {
      const entry = map.findEntry(Number(m[1]) - 1 - engine.moduleLineOffset, Number(m[2]) - 1) as { originalLine?: number; originalColumn?: number };
      if (entry.originalLine !== undefined) return { line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
    }
    return {};
  };
  const memoryError = (where: { episode?: number; step?: number }) =>
    new RewardError(`the reward code used more than its memory limit of ${memoryLimitMb} MB (reward.memoryLimitMb)`, { kind: 'memory', filename, ...where });
  const fail = (res: string, what: string, where: { episode?: number; step?: number }): RewardError => {
    const [kind, msg, ...stack] = res.split('\n');
    if (kind === 'memory') return memoryError(where);
    const verb = kind === 'throw' && !what.endsWith(':') ? 'threw ' : '';
    return new RewardError(`${what} ${verb}${msg}`, {
      kind: kind as RewardErrorKind,
      filename,
      ...locate(stack.join('\n')),
      ...where,
    });
  };

  // One call into the engine. A timeout, the memory limit or a failure of the engine ends the module for good.
  const call = (
    fn: DriverFn | 'init',
    args: (string | number)[],
    limit: CallLimit,
    start: Where,
    /** Where the call was when it was stopped (a batch reports the transition it had reached). */
    reached: () => Where = () => start,
    ioUse?: IoUse,
    /** A call scoring several transitions: its last one, for the watchdog's stamp. */
    batch?: StampBatch,
    /** Wall-clock ms from the call's start to the start of the transition it had reached. */
    reachedAfter: () => number = () => 0,
  ): number | string => {
    if (dead) throw dead;
    wd?.begin(limit.wallMs + WATCHDOG_BACKSTOP_MS, start.phase, start.copy, start.episode, start.step, batch, start.phase === 'init' ? initTimeoutMs : timeoutMs);
    try {
      return fn === 'init' ? engine.init(limit) : engine.call(fn, args, limit, ioUse);
    } catch (e) {
      const stop = e instanceof EngineStop ? e : new EngineStop('failed', (e as Error).message ?? String(e));
      const where = reached();
      const at = where.phase === 'init' ? {} : { episode: where.episode, step: where.step };
      if (stop.why === 'timeout') {
        const cpuLimitMs = where.phase === 'init' ? initTimeoutMs : timeoutMs;
        const used = engine.lastCall();
        // Stopped by the wall clock: the transition it was in used at least the call's CPU time less the
        // wall-clock time before it began; past its own limit, that transition is what went over.
        const atLeast = used.cpuMs === null ? null : used.cpuMs - reachedAfter() - 1;
        const over = stop.over === 'wall' && atLeast !== null && atLeast > cpuLimitMs + ENGINE_GRACE_MS ? 'cpu' : stop.over;
        dead = timeoutError(
          {
            ...where,
            over,
            limitMs: over === 'cpu' ? cpuLimitMs : limit.wallMs,
            cpuLimitMs,
            elapsedMs: used.wallMs,
            cpuMs: over === stop.over ? used.cpuMs : atLeast,
          },
          filename,
        );
      } else if (stop.why === 'memory') {
        dead = memoryError(at);
      } else {
        dead = new RewardError(`the sandbox failed: ${stop.message}`, { kind: 'throw', filename, ...at });
      }
      dispose();
      throw dead;
    } finally {
      wd?.end();
    }
  };

  let io: Float64Array = engine.io;
  const ensure = (n: number) => {
    if (io.length >= n) return;
    engine.ensureIo(n, limitOf(timeoutMs));
    io = engine.io;
  };
  // Whether the watchdog's stamp follows a batch transition by transition (see the driver's setStamp).
  let stampFollows = false;
  try {
    ensure(256);
    if (wd && engine.shareStamp) {
      engine.shareStamp(wd.buffer, limitOf(timeoutMs));
      stampFollows = true;
    }
  } catch (e) {
    dispose();
    throw new RewardError(`the sandbox could not start: ${(e as Error).message}`, { kind: 'throw', filename });
  }

  call('setSeed', [opts.seed ?? 0], limitOf(initTimeoutMs), { phase: 'init', copy: 0, episode: 0, step: 0 });
  const initRes = call('init', [], limitOf(initTimeoutMs), { phase: 'init', copy: 0, episode: 0, step: 0 });
  if (typeof initRes === 'string') {
    dispose();
    throw fail(initRes, 'loading the module:', {});
  }
  call('setLimit', [timeoutMs + ENGINE_GRACE_MS], limitOf(timeoutMs), { phase: 'reward', copy: 0, episode: 0, step: 0 });
  const perCall = Math.max(1, Math.floor(BATCH_BUDGET_MS / timeoutMs));
  const hasReward = (initRes & 1) !== 0;
  const hasPotential = (initRes & 2) !== 0;

  let envId = '';
  const put = (off: number, a: ArrayLike<number>) => {
    for (let i = 0; i < a.length; i++) io[off + i] = a[i];
  };
  const size = (x: UserRewardInput) => HEADER + x.obs.length + x.nextObs.length + (typeof x.action === 'number' ? 0 : x.action.length);
  const write = (off: number, x: UserRewardInput): number => {
    const na = typeof x.action === 'number' ? -1 : x.action.length;
    io[off] = x.t;
    io[off + 1] = x.envReward;
    io[off + 2] = x.terminated ? 1 : 0;
    io[off + 3] = x.truncated ? 1 : 0;
    io[off + 4] = x.copy;
    io[off + 5] = x.episode.index;
    io[off + 6] = x.episode.return;
    io[off + 7] = x.episode.envReturn;
    io[off + 8] = x.obs.length;
    io[off + 9] = x.nextObs.length;
    io[off + 10] = na;
    io[off + 11] = typeof x.action === 'number' ? x.action : 0;
    const o = off + HEADER;
    put(o, x.obs);
    put(o + x.obs.length, x.nextObs);
    if (typeof x.action !== 'number') put(o + x.obs.length + x.nextObs.length, x.action);
    return o + x.obs.length + x.nextObs.length + Math.max(na, 0);
  };
  const finite = (r: number, what: string, where: { episode: number; step: number }): number => {
    if (!Number.isFinite(r)) throw new RewardError(`${what} returned ${r}, expected a finite number`, { kind: 'non-finite', filename, ...where });
    return r;
  };

  /** The transition a failed scoreCall stopped at (those before it are scored). */
  let failedAt = 0;
  const at = (x: UserRewardInput): Where => ({ phase: 'reward', copy: x.copy, episode: x.episode.index, step: x.t });
  /**
   * Scores xs[from..to) in one call, values into out. Returns the number scored (to - from unless a final
   * reward of a carried stretch is not finite: then up to and including that transition; or, with
   * `resume`, up to a transition the driver returned after for its time, which was within its limit);
   * a failure throws, after `out` holds the values of the transitions before it.
   */
  const scoreCall = (xs: readonly UserRewardInput[], from: number, to: number, carry: 0 | 1 | 2, out: Float64Array): { done: number; resume: boolean } => {
    const n = to - from;
    let total = n + 2;
    for (let i = from; i < to; i++) total += size(xs[i]);
    ensure(total);
    let off = 0;
    for (let i = from; i < to; i++) off = write(off, xs[i]);
    let infos = '[';
    for (let i = from; i < to; i++) infos += (i > from ? ',' : '') + infoJson(xs[i].info);
    infos += ']';
    io[off + n] = 0;
    io[off + n + 1] = 0;
    const reached = () => Math.min(n - 1, Math.max(0, io[off + n] | 0));
    const reachedAfter = () => Math.max(0, io[off + n + 1]);
    let res: number | string;
    try {
      const last = xs[to - 1];
      const batch = n > 1 ? { n, lastEpisode: last.episode.index, lastStep: last.t, followed: stampFollows } : undefined;
      res = call(
        'batch',
        [n, off, infos, carry],
        limitOf(timeoutMs * n),
        at(xs[from]),
        () => at(xs[from + reached()]),
        { send: off + n + 2, recvFrom: off, recvTo: off + n + 2 },
        batch,
        reachedAfter,
      );
    } catch (e) {
      failedAt = from + reached();
      for (let i = from; i < failedAt; i++) out[i] = io[off + i - from];
      throw e;
    }
    const body = typeof res === 'string' ? res.slice(res.indexOf('\n') + 1) : '';
    const overWall = body.startsWith('over\n');
    const done = typeof res === 'string' ? Number(res.slice(0, res.indexOf('\n'))) + (overWall ? 1 : 0) : res === -1 ? n : -1 - res;
    for (let i = 0; i < done; i++) {
      failedAt = from + i;
      out[from + i] = finite(io[off + i], 'the reward function', { episode: xs[from + i].episode.index, step: xs[from + i].t });
    }
    failedAt = from + done;
    if (overWall) {
      // The transition took its limit (+ grace) or more on the wall clock. Its own CPU time is at least
      // the call's less the wall-clock time before it began (and the clock's millisecond): over the limit
      // only if that is. A thread kept off the CPU passes; so can a transition whose earlier siblings were
      // themselves kept waiting, within the batch's own limit. Without a CPU clock only the wall clock holds.
      const [, took, before] = body.split('\n').map(Number);
      const cpuMs = engine.lastCall().cpuMs;
      const atLeast = cpuMs === null ? 0 : cpuMs - before - 1;
      if (atLeast > timeoutMs + ENGINE_GRACE_MS) {
        failedAt = from + done - 1;
        dead = timeoutError({ ...at(xs[failedAt]), over: 'cpu', limitMs: timeoutMs, cpuLimitMs: timeoutMs, elapsedMs: took, cpuMs: atLeast }, filename);
        dispose();
        throw dead;
      }
      return { done, resume: true };
    }
    if (typeof res === 'string') {
      const x = xs[from + done];
      throw fail(body, 'the reward function', { episode: x.episode.index, step: x.t });
    }
    return { done, resume: false };
  };
  /**
   * Scores xs in order, in calls of at most `perCall` transitions (so the engine's limit for one call,
   * perCall × timeoutMs, stays near BATCH_BUDGET_MS). Returns how many were scored (see scoreCall).
   */
  const scoreAll = (xs: readonly UserRewardInput[], carry: 0 | 1 | 2, out: Float64Array): number => {
    if (!hasReward) throw new RewardError('the module has no default export', { kind: 'config', filename });
    const n = xs.length;
    if (n === 0) return 0;
    if (xs[0].envId !== envId) {
      envId = xs[0].envId;
      call('setEnv', [envId], limitOf(timeoutMs), { phase: 'reward', copy: 0, episode: 0, step: 0 });
    }
    for (let from = 0; from < n; ) {
      const to = Math.min(n, from + perCall);
      const { done, resume } = scoreCall(xs, from, to, carry, out);
      if (done < to - from && !resume) return from + done;
      from += done;
    }
    return n;
  };
  const rewardBatch = (xs: readonly UserRewardInput[]): Float64Array => {
    const out = new Float64Array(xs.length);
    scoreAll(xs, 0, out);
    return out;
  };
  const rewardRollout = (xs: readonly UserRewardInput[], combine: 'add' | 'replace'): RolloutScores => {
    const values = new Float64Array(xs.length);
    try {
      return { values, scored: scoreAll(xs, combine === 'replace' ? 2 : 1, values), error: null };
    } catch (e) {
      const error = e instanceof RewardError ? e : new RewardError(`the sandbox failed: ${(e as Error).message}`, { kind: 'throw', filename });
      return { values, scored: failedAt, error };
    }
  };

  return {
    filename,
    timeoutMs,
    memoryLimitMb,
    sandbox,
    dispose,
    hasReward,
    hasPotential,
    rewardBatch,
    rewardRollout,
    reward: (x: UserRewardInput): number => rewardBatch([x])[0],
    potential(obs: ArrayLike<number>, info: StepInfo, where: { copy: number; episode: number; step: number }): number {
      if (!hasPotential) throw new RewardError('the module does not export potential(obs, info)', { kind: 'config', filename });
      ensure(HEADER + obs.length + 1);
      io[8] = obs.length;
      put(HEADER, obs);
      const out = HEADER + obs.length;
      const res = call('potential', [JSON.stringify(info, typedToArray) ?? 'null', out], limitOf(timeoutMs), { phase: 'potential', ...where }, undefined, {
        send: out,
        recvFrom: out,
        recvTo: out + 1,
      });
      if (typeof res === 'string') throw fail(res, 'potential()', { episode: where.episode, step: where.step });
      return finite(io[out], 'potential()', { episode: where.episode, step: where.step });
    },
  };
}

/**
 * The pipeline of one env copy with the run's user code compiled in. Compile once per run with
 * `compileRewardModule` and pass it as `compiled` to share it across copies (recommended), or let this
 * compile it (one module per call).
 */
export function createSandboxedRewardPipeline(
  cfg: (RewardPipelineConfig & { timeoutMs?: number; memoryLimitMb?: number }) | undefined,
  opts: Omit<RewardPipelineOptions, 'user'> & { compiled?: CompiledReward; watchdog?: RewardWatchdog; sandbox?: SandboxName },
): RewardPipeline {
  let user = opts.compiled;
  if (!user && cfg) {
    const source = cfg.source ?? (cfg.code ? { filename: 'reward.ts', code: cfg.code } : undefined);
    if (cfg.file && !source) throw new RewardError(`reward file ${cfg.file} was not inlined into the resolved run`, { kind: 'config' });
    if (source) user = compileRewardModule(source, { timeoutMs: cfg.timeoutMs, memoryLimitMb: cfg.memoryLimitMb, watchdog: opts.watchdog, sandbox: opts.sandbox });
  }
  return createRewardPipeline(cfg, { ...opts, user });
}
