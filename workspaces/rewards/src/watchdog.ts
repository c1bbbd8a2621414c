// A backstop for the per-call time limit of user reward code, enforced from another thread.
//
// The isolate that runs user code stops a call that overruns its limit by itself (see sandbox.ts). The
// worker also stamps the start of each call here, and the host thread, which polls the stamps,
// terminates the worker if a call is ever overdue by more than its limit plus the pool's grace: should
// a call fail to return for a reason the isolate does not see, the run still fails instead of hanging.
//
// Layout (Float64): [0] start time in ms (0 = no call running), [1] limit in ms, [2] phase,
// [3] copy, [4] episode, [5] step. The start time is written last and cleared first, so a host that
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
const SLOTS = 6;

export interface WatchdogTimeout {
  phase: WatchdogPhase;
  copy: number;
  episode: number;
  step: number;
  limitMs: number;
  elapsedMs: number;
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
  begin(limitMs: number, phase: WatchdogPhase, copy: number, episode: number, step: number): void {
    const v = this.v;
    v[1] = limitMs;
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
    return { phase: PHASES[v[2]] ?? 'reward', copy: v[3], episode: v[4], step: v[5], limitMs: v[1], elapsedMs };
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
  return new RewardError(`${what} ran longer than ${t.limitMs} ms (stopped after ${Math.round(t.elapsedMs)} ms; an endless loop?)`, {
    kind: 'timeout',
    filename,
    ...(t.phase === 'init' ? {} : { episode: t.episode, step: t.step }),
  });
}
