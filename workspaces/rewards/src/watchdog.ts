// A backstop for the per-call time limit of user reward code, enforced from another thread.
//
// The isolate that runs user code stops a call that overruns its limit by itself (see sandbox.ts). The
// worker also stamps the start of each call here, and the host thread, which polls the stamps,
// terminates the worker if a call is ever overdue by more than its limit plus the pool's grace: should
// a call fail to return for a reason the isolate does not see, the run still fails instead of hanging.
//
// Layout (Float64): [0] start time in ms (0 = no call running), [1] limit in ms (wall clock), [2] phase,
// [3] copy, [4] episode, [5] step, [6] the call's own CPU-time limit (NaN: none). The start time is written last and cleared first, so a host that
// sees a start time also sees that call's limit.
import { RewardError } from './errors';

/**
 * How long past its limit a call may run before the host terminates its worker. The isolate's own
 * timeout must win in every normal case: terminating a worker thread while it is inside an isolate
 * call aborts the whole process (an isolated-vm assertion), so this is a last resort only.
 */
export const WATCHDOG_BACKSTOP_MS = 2000;

export type WatchdogPhase = 'init' | 'reward' | 'potential' | 'compile';
const PHASES: WatchdogPhase[] = ['init', 'reward', 'potential', 'compile'];
const SLOTS = 7;

export interface WatchdogTimeout {
  phase: WatchdogPhase;
  copy: number;
  episode: number;
  step: number;
  /** The limit the call went over: CPU time when `over` is 'cpu', else wall-clock time. */
  limitMs: number;
  /** Wall-clock time the call took. */
  elapsedMs: number;
  /** Which limit: the reward code's CPU time, or the wall clock (the host's watchdog sees only that). Default 'wall'. */
  over?: 'cpu' | 'wall';
  /** CPU time the call used, where known. */
  cpuMs?: number | null;
  /** The call's CPU-time limit, named when the wall-clock backstop stopped it. */
  cpuLimitMs?: number;
}

/** Milliseconds on a clock both threads share (each thread's timeOrigin is wall-clock based). */
const now = () => performance.timeOrigin + performance.now();

export class RewardWatchdog {
  readonly buffer: SharedArrayBuffer;
  private readonly v: Float64Array;
  /** Host side: `new RewardWatchdog()`; worker side: `new RewardWatchdog(bufferFromWorkerData)`. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(SLOTS * 8);
    this.v = new Float64Array(this.buffer, 0, SLOTS);
  }
  /** Worker: a guarded call starts. */
  begin(limitMs: number, phase: WatchdogPhase, copy: number, episode: number, step: number, cpuLimitMs = NaN): void {
    const v = this.v;
    v[1] = limitMs;
    v[6] = cpuLimitMs;
    v[2] = PHASES.indexOf(phase);
    v[3] = copy;
    v[4] = episode;
    v[5] = step;
    v[0] = now();
  }
  /** Worker: the guarded call returned or threw. */
  end(): void {
    this.v[0] = 0;
  }
  /** Host: the running call if it is over its limit, else null. */
  check(at = now()): WatchdogTimeout | null {
    const v = this.v;
    const start = v[0];
    if (start === 0) return null;
    const elapsedMs = at - start;
    if (elapsedMs <= v[1]) return null;
    const t: WatchdogTimeout = { phase: PHASES[v[2]] ?? 'reward', copy: v[3], episode: v[4], step: v[5], limitMs: v[1], elapsedMs };
    if (!Number.isNaN(v[6])) t.cpuLimitMs = v[6];
    return t;
  }
  /**
   * Host: polls every `pollMs` and, on the first overdue call, terminates the worker and reports it.
   * Returns a function that stops watching. The limit is thus enforced within limit + pollMs.
   */
  watch(worker: { terminate(): unknown }, onTimeout: (t: WatchdogTimeout) => void, pollMs = 5): () => void {
    const timer = setInterval(() => {
      const t = this.check();
      if (!t) return;
      clearInterval(timer);
      void worker.terminate();
      onTimeout(t);
    }, pollMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}

/** The run's failure for a timeout the host saw (the worker is gone, so the host builds the error). */
export function timeoutError(t: WatchdogTimeout, filename: string): RewardError {
  if (t.phase === 'compile') {
    return new RewardError(`compiling the module took longer than ${t.limitMs} ms (stopped after ${Math.round(t.elapsedMs)} ms; code nested thousands of levels deep?)`, { kind: 'compile', filename });
  }
  const what = t.phase === 'init' ? 'the module\'s top-level code' : t.phase === 'potential' ? 'potential()' : 'the reward function';
  const ms = (x: number) => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));
  const cpu = t.cpuMs === undefined || t.cpuMs === null ? null : t.cpuMs;
  const text =
    t.over === 'cpu'
      ? `${what} exceeded its time limit: more than ${t.limitMs} ms of CPU time (used ${ms(cpu ?? t.limitMs)} ms of CPU time in ${ms(t.elapsedMs)} ms on the wall clock; an endless loop?)`
      : `${what} exceeded its time limit: more than ${t.limitMs} ms on the wall clock` +
        (t.cpuLimitMs !== undefined ? `, the backstop to its ${t.cpuLimitMs} ms of CPU time` : '') +
        ` (stopped after ${ms(t.elapsedMs)} ms` +
        (cpu !== null ? `, having used ${ms(cpu)} ms of CPU time` : '') +
        '; stuck in one builtin call, or kept off the CPU)';
  return new RewardError(text, {
    kind: 'timeout',
    filename,
    ...(t.phase === 'init' ? {} : { episode: t.episode, step: t.step }),
  });
}
