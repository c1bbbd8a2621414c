// User reward code: compiled once per run with esbuild, run in a node:vm context (Node only).
//
// node:vm is not a security boundary by itself: any host-realm object the code can reach (an argument,
// a `this`, a host error it can catch) leads to the host's Function and from there to `process`. So the
// code never sees a host object: the context's global is a null-prototype object, every value handed to
// user code (ctx, obs, info, state) is built inside the context by a driver that is set up before the
// user's code runs, the host passes the driver only primitives (numbers and a JSON string) and takes
// back only primitives, and string code generation and wasm are off. `import()` is the one syntax that
// makes Node throw a host-realm error into the context, so esbuild rewrites it to `require`, which is a
// stub that throws, and the compiled output is checked for any leftover `import(`.
// Microtasks queue in the context (microtaskMode "afterEvaluate") and run only inside a guarded call,
// so a promise callback cannot loop outside the time limit.
import vm from 'node:vm';
import { SourceMap } from 'node:module';
import { transformSync, type Message } from 'esbuild';
import type { StepInfo } from '@creditlab/envs/types';
import { RewardError, type RewardErrorKind } from './errors';
import type { UserRewardInput, UserRewardModule } from './method';
import { RewardWatchdog, timeoutError } from './watchdog';
import { createRewardPipeline, type RewardPipeline, type RewardPipelineConfig, type RewardPipelineOptions } from './pipeline';

export { RewardWatchdog, timeoutError, type WatchdogTimeout, type WatchdogPhase } from './watchdog';
export { REWARD_API_DTS } from './api-dts';

export interface CompileOptions {
  /** Limit for one reward/potential call. Default 50 ms. */
  timeoutMs?: number;
  /** Limit for the module's top-level code. Default max(1000, timeoutMs). */
  initTimeoutMs?: number;
  /**
   * Worker side of the host's watchdog: calls are stamped and the host terminates the worker when one is
   * overdue (fast). Without it every call goes through vm's own timeout (about 66 µs per call), and
   * one case is unsafe: on Node 20, a timeout that fires inside a promise callback while async hooks are
   * on (AsyncLocalStorage, node:test) aborts the whole process ("async hook stack has become
   * corrupted"). Runs therefore use the watchdog; the vm timeout is for tools and tests.
   */
  watchdog?: RewardWatchdog;
}

export interface CompiledReward extends UserRewardModule {
  readonly timeoutMs: number;
  /** Forgets the module (its context is then garbage once the pipelines using it are). */
  dispose(): void;
}

export interface Transpiled {
  js: string;
  map: SourceMap;
}

const HEADER = 16; // io slots before obs/nextObs/action
const DRAIN_EVERY = 256; // watchdog mode: run queued microtasks every N calls (inside a guarded window)

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
      // Dynamic import() would make Node throw a host-realm error into the sandbox: turn it into require().
      supported: { 'dynamic-import': false },
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

// The driver runs inside the context. It captures the intrinsics it needs before any user code runs,
// so user code that replaces globals or prototypes only affects itself.
const DRIVER = String.raw`'use strict';
(() => {
  const G = globalThis;
  const F64 = Float64Array, parse = JSON.parse, stringify = JSON.stringify, isArray = Array.isArray;
  const ErrorCtor = Error, Prom = Promise, toStr = String, freeze = Object.freeze;
  for (const k of ['console', 'SharedArrayBuffer', 'Atomics', 'WebAssembly']) delete G[k];
  let io = new F64(256);
  let rewardFn = null, potentialFn = null, envName = '';
  const states = [], stateEp = [];
  const importErrors = new WeakSet();
  const describe = (v) => {
    if (v === undefined) return 'undefined';
    if (v === null) return 'null';
    const t = typeof v;
    if (t === 'string') return 'a string ' + stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
    if (t === 'number' || t === 'boolean' || t === 'bigint') return 'a ' + t + ' ' + toStr(v);
    if (v instanceof Prom) return 'a Promise (the reward function must be synchronous)';
    if (isArray(v)) return 'an array';
    return 'a' + (t === 'object' ? 'n object' : ' ' + t);
  };
  const failure = (e) => {
    let kind = 'throw', msg, stack = '';
    try {
      if (importErrors.has(e)) kind = 'import';
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        const name = toStr(e.name ?? 'Error');
        msg = name + ': ' + toStr(e.message ?? '');
        stack = toStr(e.stack ?? '');
        if (kind === 'import') msg = toStr(e.message);
      } else msg = 'threw ' + describe(e);
    } catch (inner) {
      msg = 'threw an error that cannot be described';
    }
    return kind + '\n' + msg + '\n' + stack;
  };
  const result = (v) => (typeof v === 'number' ? v : 'wrong-type\nreturned ' + describe(v) + ', expected a number\n');
  const arr = (off, n) => { const a = new F64(n); for (let i = 0; i < n; i++) a[i] = io[off + i]; return a; };
  const require = (name) => {
    const e = new ErrorCtor('imports are not available in reward code (tried to import ' + stringify(toStr(name)) + ')');
    importErrors.add(e);
    throw e;
  };
  let pending = null;
  return freeze({
    grow(n) { io = new F64(n); return io; },
    io() { return io; },
    setEnv(e) { envName = e; },
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
    reward(infoJson) {
      try {
        const n0 = io[8], n1 = io[9], na = io[10];
        const copy = io[4], ep = io[5];
        if (stateEp[copy] !== ep) { states[copy] = {}; stateEp[copy] = ep; }
        const info = parse(infoJson);
        const events = info !== null && isArray(info.events) ? info.events : [];
        const ctx = {
          env: envName, t: io[0], obs: arr(${HEADER}, n0), action: na < 0 ? io[11] : arr(${HEADER} + n0 + n1, na),
          nextObs: arr(${HEADER} + n0, n1), envReward: io[1], terminated: io[2] === 1, truncated: io[3] === 1,
          events, info, episode: { index: ep, return: io[6], envReturn: io[7] }, state: states[copy],
        };
        return result(rewardFn(ctx));
      } catch (e) { return failure(e); }
    },
    describe(e) { return failure(e); },
    potential(infoJson) {
      try { return result(potentialFn(arr(${HEADER}, io[8]), parse(infoJson))); } catch (e) { return failure(e); }
    },
    // vm-timeout mode: a guarded call must be a script run, so the host arms the call here (primitives
    // only, no user code runs) and a fixed script calls run().
    arm(op, arg) { pending = [op, arg]; },
    run() { const p = pending; pending = null; return p === null ? 'throw\ninternal: nothing armed\n' : this[p[0]](p[1]); },
  });
})()`;

interface Driver {
  grow(n: number): Float64Array;
  io(): Float64Array;
  setEnv(e: string): void;
  init(moduleFn: unknown): number | string;
  reward(infoJson: string): number | string;
  potential(infoJson: string): number | string;
  describe(e: unknown): string;
  arm(op: string, arg: unknown): void;
}

// A promise rejected inside the sandbox and never handled there reaches Node's process-wide
// 'unhandledRejection' machinery, outside any guarded call, with no file or line, and by default it ends
// the thread. Installing a process listener here would change that default for the whole worker and
// still not silence the runner's or node:test's own listeners, so the runner's worker asks us instead:
// `claimUnhandledRejection(reason, promise)` recognises our contexts' promises (by their Promise
// prototype), returns the run's RewardError with file and line, and the module's next call throws it.
interface Live {
  promiseProto: unknown;
  reject(reason: unknown): RewardError;
}
const live = new Set<Live>();

/** For the worker's process.on('unhandledRejection'): the RewardError if the promise came from reward code, else null. */
export function claimUnhandledRejection(reason: unknown, promise: Promise<unknown>): RewardError | null {
  const proto = Object.getPrototypeOf(promise);
  for (const x of live) if (x.promiseProto === proto) return x.reject(reason);
  return null;
}

const typedToArray = (_k: string, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v);

/** Compiles the user's module once and returns the functions the reward pipeline calls. */
export function compileRewardModule(source: { filename: string; code: string }, opts: CompileOptions = {}): CompiledReward {
  const { filename } = source;
  const timeoutMs = opts.timeoutMs ?? 50;
  const initTimeoutMs = opts.initTimeoutMs ?? Math.max(1000, timeoutMs);
  const { js, map } = transpileReward(filename, source.code);
  const wd = opts.watchdog;

  const context = vm.createContext(Object.create(null), {
    name: `reward ${filename}`,
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: 'afterEvaluate',
  });
  let envId = '';
  const driverScript = new vm.Script(DRIVER, { filename: 'creditlab:sandbox' });
  const driver = driverScript.runInContext(context) as Driver;
  const callScript = new vm.Script('__creditlabDriver.run()', { filename: 'creditlab:sandbox' });
  const drainScript = new vm.Script('undefined', { filename: 'creditlab:sandbox' });
  vm.runInContext('(d) => Object.defineProperty(globalThis, "__creditlabDriver", { value: d })', context)(driver);
  // The host never reads a property of a context object (user code may have put getters on typed-array
  // prototypes, which would then run outside the time limit), so it tracks io's capacity itself.
  const promiseProto = vm.runInContext('Promise.prototype', context) as unknown;
  let io = driver.io();
  let cap = 256;

  const moduleScript = new vm.Script(`(function (exports, require, module) {\n${js}\n})`, { filename, lineOffset: -1 });
  const moduleFn = moduleScript.runInContext(context) as unknown;

  const locate = (stack: string): { line?: number; column?: number } => {
    const esc = filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`${esc}:(\\d+):(\\d+)`).exec(stack);
    if (!m) return {};
    const entry = map.findEntry(Number(m[1]) - 1, Number(m[2]) - 1) as { originalLine?: number; originalColumn?: number };
    return entry.originalLine === undefined ? {} : { line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  };
  const fail = (res: string, what: string, where: { episode?: number; step?: number }): RewardError => {
    const [kind, msg, ...stack] = res.split('\n');
    const verb = kind === 'throw' && !what.endsWith(':') ? 'threw ' : '';
    return new RewardError(`${what} ${verb}${msg}`, {
      kind: kind as RewardErrorKind,
      filename,
      ...locate(stack.join('\n')),
      ...where,
    });
  };

  let calls = 0;
  const guarded = (op: 'init' | 'reward' | 'potential' | 'describe', arg: unknown, copy: number, episode: number, step: number): number | string => {
    const limit = op === 'init' ? initTimeoutMs : timeoutMs;
    const phase = op === 'describe' ? 'reward' : op;
    if (wd) {
      wd.begin(limit, phase, copy, episode, step);
      try {
        const r = op === 'init' ? driver.init(arg) : op === 'describe' ? driver.describe(arg) : driver[op](arg as string);
        if (++calls % DRAIN_EVERY === 0) drainScript.runInContext(context);
        return r;
      } finally {
        wd.end();
      }
    }
    driver.arm(op, arg);
    try {
      return callScript.runInContext(context, { timeout: limit }) as number | string;
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw timeoutError({ phase, copy, episode, step, limitMs: limit, elapsedMs: limit }, filename);
      }
      throw e;
    }
  };
  // Only primitives cross back: anything else means the driver was subverted, and is not touched.
  const checkPrimitive = (r: unknown): number | string => {
    if (typeof r === 'number' || typeof r === 'string') return r;
    throw new RewardError('internal: the sandbox returned a non-primitive', { kind: 'throw', filename });
  };

  const initRes = checkPrimitive(guarded('init', moduleFn, 0, 0, 0));
  if (typeof initRes === 'string') throw fail(initRes, 'loading the module:', {});
  const hasReward = (initRes & 1) !== 0;
  const hasPotential = (initRes & 2) !== 0;

  let pending: RewardError | null = null;
  const rejection: Live = {
    promiseProto,
    reject(reason) {
      if (pending) return pending;
      let d: number | string;
      try {
        d = checkPrimitive(guarded('describe', reason, 0, 0, 0));
      } catch (e) {
        d = e instanceof RewardError ? `throw\n${e.detail}\n` : 'throw\nan error that cannot be described\n';
      }
      return (pending = fail(String(d), 'a promise in the reward code was rejected and not handled:', {}));
    },
  };
  live.add(rejection);
  const throwPending = () => {
    if (pending) throw pending;
  };

  const ensure = (n: number) => {
    if (cap < n) io = driver.grow((cap = Math.max(n, cap * 2)));
  };
  const put = (off: number, a: ArrayLike<number>) => {
    for (let i = 0; i < a.length; i++) io[off + i] = a[i];
  };
  const finite = (r: number | string, what: string, where: { episode: number; step: number }): number => {
    if (typeof r === 'string') throw fail(r, what, where);
    if (!Number.isFinite(r)) throw new RewardError(`${what} returned ${r}, expected a finite number`, { kind: 'non-finite', filename, ...where });
    return r;
  };

  return {
    filename,
    timeoutMs,
    dispose: () => void live.delete(rejection),
    hasReward,
    hasPotential,
    reward(x: UserRewardInput): number {
      throwPending();
      if (!hasReward) throw new RewardError('the module has no default export', { kind: 'config', filename });
      if (x.envId !== envId) {
        envId = x.envId;
        driver.setEnv(envId);
      }
      const na = typeof x.action === 'number' ? -1 : x.action.length;
      ensure(HEADER + x.obs.length + x.nextObs.length + Math.max(na, 0));
      io[0] = x.t;
      io[1] = x.envReward;
      io[2] = x.terminated ? 1 : 0;
      io[3] = x.truncated ? 1 : 0;
      io[4] = x.copy;
      io[5] = x.episode.index;
      io[6] = x.episode.return;
      io[7] = x.episode.envReturn;
      io[8] = x.obs.length;
      io[9] = x.nextObs.length;
      io[10] = na;
      io[11] = typeof x.action === 'number' ? x.action : 0;
      put(HEADER, x.obs);
      put(HEADER + x.obs.length, x.nextObs);
      if (typeof x.action !== 'number') put(HEADER + x.obs.length + x.nextObs.length, x.action);
      const res = checkPrimitive(guarded('reward', JSON.stringify(x.info, typedToArray) ?? 'null', x.copy, x.episode.index, x.t));
      return finite(res, 'the reward function', { episode: x.episode.index, step: x.t });
    },
    potential(obs: ArrayLike<number>, info: StepInfo, where: { copy: number; episode: number; step: number }): number {
      throwPending();
      if (!hasPotential) throw new RewardError('the module does not export potential(obs, info)', { kind: 'config', filename });
      ensure(HEADER + obs.length);
      io[8] = obs.length;
      put(HEADER, obs);
      const res = checkPrimitive(guarded('potential', JSON.stringify(info, typedToArray) ?? 'null', where.copy, where.episode, where.step));
      return finite(res, 'potential()', { episode: where.episode, step: where.step });
    },
  };
}

/**
 * The pipeline of one env copy with the run's user code compiled in. Compile once per run with
 * `compileRewardModule` and pass it as `compiled` to share it across copies (recommended), or let this
 * compile it (one module per call).
 */
export function createSandboxedRewardPipeline(
  cfg: (RewardPipelineConfig & { timeoutMs?: number }) | undefined,
  opts: Omit<RewardPipelineOptions, 'user'> & { compiled?: CompiledReward; watchdog?: RewardWatchdog },
): RewardPipeline {
  let user = opts.compiled;
  if (!user && cfg) {
    const source = cfg.source ?? (cfg.code ? { filename: 'reward.ts', code: cfg.code } : undefined);
    if (cfg.file && !source) throw new RewardError(`reward file ${cfg.file} was not inlined into the resolved run`, { kind: 'config' });
    if (source) user = compileRewardModule(source, { timeoutMs: cfg.timeoutMs, watchdog: opts.watchdog });
  }
  return createRewardPipeline(cfg, { ...opts, user });
}
