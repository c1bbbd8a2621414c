// A backstop for the per-call time limit of user reward code, enforced from another thread.
//
// The isolate that runs user code stops a call that overruns its limit by itself (see sandbox.ts). The
// worker also stamps the start of each call here, and the host thread, which polls the stamps,
// terminates the worker if a call is ever overdue by more than its limit plus the pool's grace: should
// a call fail to return for a reason the isolate does not see, the run still fails instead of hanging.
//
// Layout (Float64): [0] start time in ms (0 = no call running), [1] limit in ms (wall clock), [2] phase,
// [3] copy, [4] episode, [5] step, then for a call that scores a batch of transitions: [6] their number,
// [7] the last one's episode, [8] its step, [9] 1 when [3]-[5] follow the batch (the engine's driver
// writes the transition it starts into them, through memory it shares with the host: isolated-vm),
// 0 when they stay at its first transition (QuickJS, whose heap shares nothing with the host); [10] the
// call's own CPU-time limit (NaN: none). The start time is written last and cleared first, so a host
// that sees a start time also sees that call's limit.
import { RewardError } from './errors';

/**
 * How long past its limit a call may run before the host terminates its worker. The isolate's own
 * timeout must win in every normal case: terminating a worker thread while it is inside an isolate
 * call aborts the whole process (an isolated-vm assertion), so this is a last resort only.
 */
export const WATCHDOG_BACKSTOP_MS = 2000;

export type WatchdogPhase = 'init' | 'reward' | 'potential' | 'compile';
const PHASES: WatchdogPhase[] = ['init', 'reward', 'potential', 'compile'];
const SLOTS = 11;
/** The slots a driver writes as a batch goes: copy, episode and step of the transition it starts. */
export const STAMP_COPY = 3;
export const STAMP_EPISODE = 4;
export const STAMP_STEP = 5;

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
  /**
   * Set when the call scored several transitions and its engine cannot say which one was running:
   * copy/episode/step are then the batch's first transition and these its size and last transition.
   */
  batch?: { n: number; lastEpisode: number; lastStep: number };
}

/** A call that scores n transitions: the last one, and whether the engine keeps the stamp on the running one. */
export interface StampBatch {
  n: number;
  lastEpisode: number;
  lastStep: number;
  /** True when the driver writes each transition it starts into the stamp (an engine sharing memory with the host). */
  followed: boolean;
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
  begin(limitMs: number, phase: WatchdogPhase, copy: number, episode: number, step: number, batch?: StampBatch, cpuLimitMs = NaN): void {
    const v = this.v;
    v[1] = limitMs;
    v[2] = PHASES.indexOf(phase);
    v[STAMP_COPY] = copy;
    v[STAMP_EPISODE] = episode;
    v[STAMP_STEP] = step;
    v[6] = batch?.n ?? 1;
    v[7] = batch?.lastEpisode ?? episode;
    v[8] = batch?.lastStep ?? step;
    v[9] = batch?.followed ? 1 : 0;
    v[10] = cpuLimitMs;
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
    const t: WatchdogTimeout = { phase: PHASES[v[2]] ?? 'reward', copy: v[STAMP_COPY], episode: v[STAMP_EPISODE], step: v[STAMP_STEP], limitMs: v[1], elapsedMs };
    if (!Number.isNaN(v[10])) t.cpuLimitMs = v[10];
    // Reading the stamp while a driver writes it can pair one transition's episode with the next one's
    // step; a batch stopped by the backstop is hung in one transition, so its stamp no longer moves.
    if (v[6] > 1 && v[9] !== 1) t.batch = { n: v[6], lastEpisode: v[7], lastStep: v[8] };
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
  // Naming the batch's first transition would blame a step that returned: name the span instead.
  if (t.batch)
    return new RewardError(
      `${text} in one of ${t.batch.n} transitions scored in one call, from episode ${t.episode}, step ${t.step} to episode ${t.batch.lastEpisode}, step ${t.batch.lastStep} (this engine cannot report which)`,
      { kind: 'timeout', filename },
    );
  return new RewardError(text, {
    kind: 'timeout',
    filename,
    ...(t.phase === 'init' ? {} : { episode: t.episode, step: t.step }),
  });
}
