// The local executor: a pool of worker_threads sized to the cores, one run at a time per worker.
// A worker that throws, crashes or hits its resourceLimits fails only its own run.
//
// Workers outlive their runs. Modules, the tfjs backend with its WebAssembly, and the reward compiler are
// loaded once per worker (warmUp in execute.ts), so a run handed to an idle worker starts at once instead
// of paying seconds of start-up. Each run still gets its own reward isolate, cancel flag and watchdog. A
// worker takes another run only after a run that ended by itself with `done` and passed the worker's own
// check that it left nothing behind (worker-entry.ts). A worker whose run failed, that the pool had to
// terminate (cancel grace, time limit, reward watchdog) or that crashed is never given another run.
import { Worker } from 'node:worker_threads';
import type { EventSink, RunJob } from './executor';
import { RewardWatchdog, WATCHDOG_BACKSTOP_MS, timeoutError } from '@creditlab/rewards/sandbox';
import type { PoolToWorker, WorkerBoot, WorkerEvent, WorkerInit, WorkerToPool } from './protocol';
import { RunQueue, type ActiveRun } from './run-queue';

export interface LocalPoolOptions {
  workers?: number;
  /** Heap limit of each worker; exceeding it fails that run with ERR_WORKER_OUT_OF_MEMORY. */
  maxHeapMb?: number;
  /** How long a cancelled run may take to stop by itself before its worker is terminated. */
  cancelGraceMs?: number;
  backend?: string;
  /** See ExecuteOptions.trainerModule. */
  trainerModule?: string;
  /** false: a fresh worker for every run (each run pays the start-up). Default true. */
  reuseWorkers?: boolean;
  /** An idle worker is stopped after this long without a run, giving its memory back (ms). Default 5 minutes. */
  idleMs?: number;
}

export const DEFAULT_IDLE_MS = 5 * 60_000;

interface Slot {
  worker: Worker;
  /** idle: warming up or waiting for a run; checking: its run ended, it is checking itself (see worker-entry.ts). */
  state: 'idle' | 'busy' | 'checking' | 'stopping';
  run: Active | null;
  /** Resolves when the worker has warmed up (or died trying). */
  ready: Promise<void>;
  idleTimer: NodeJS.Timeout | null;
  /** Something went wrong in it outside a run: it finishes the current run, if any, and is not reused. */
  unfit: boolean;
}

interface Active extends ActiveRun {
  slot: Slot;
  cancelFlag: Int32Array;
  stopWatch?: () => void;
}

/** What happens to a run's worker when the run ends: it checks itself for reuse, it is terminated, or it is already dying. */
type After = 'check' | 'terminate' | 'gone';

export class LocalPool extends RunQueue<Slot, Active> {
  private slots = new Set<Slot>();

  constructor(private opts: LocalPoolOptions = {}) {
    super(opts.workers);
  }

  protected cancelRunning(a: Active): void {
    Atomics.store(a.cancelFlag, 0, 1);
    // A run stuck in user code never looks at the flag: terminate it after a grace period.
    a.timers.push(
      setTimeout(() => {
        if (!a.ended) void this.end(a, { type: 'done', cancelled: true }, 'terminate');
      }, this.opts.cancelGraceMs ?? 5000),
    );
  }

  /**
   * Starts workers up to `count` (at most the pool's size) ahead of any run, and resolves once each has
   * warmed up: what an open app does so that the user's first run starts warm too.
   */
  prewarm(count = this.size): Promise<void> {
    while (this.slots.size < Math.min(count, this.size)) this.spawn();
    return Promise.all([...this.slots].filter((s) => s.state === 'idle').map((s) => s.ready)).then(() => undefined);
  }

  /** Worker threads alive now (idle ones included). */
  get threads(): number {
    return this.slots.size;
  }

  async shutdown(): Promise<void> {
    await this.stopRuns();
    await Promise.all([...this.slots].map((s) => this.stop(s)));
  }

  /** An idle worker, else a new one if the pool has room; null while workers are still checking or stopping. */
  protected claimSlot(): Slot | null {
    for (const s of this.slots) if (s.state === 'idle') return s;
    return this.slots.size < this.size ? this.spawn() : null;
  }

  private spawn(): Slot {
    const boot: WorkerBoot = { backend: this.opts.backend, trainerModule: this.opts.trainerModule };
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
      workerData: boot,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 4096 },
      stdout: false,
      stderr: false,
    });
    let markReady!: () => void;
    const slot: Slot = { worker, state: 'idle', run: null, ready: new Promise<void>((r) => (markReady = r)), idleTimer: null, unfit: false };
    this.slots.add(slot);
    this.park(slot);
    worker.on('message', (m: WorkerEvent | WorkerToPool) => {
      if (m.type === 'ready') return markReady();
      if (m.type === 'free') return this.freed(slot, m);
      const a = slot.run;
      if (!a || a.ended) return;
      if (m.type === 'done') void this.end(a, m, this.opts.reuseWorkers === false ? 'terminate' : 'check');
      else if (m.type === 'failed') void this.end(a, m, 'terminate');
      else a.sink(a.job.runId, m);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      markReady();
      const a = slot.run;
      const message = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `out of memory: the run exceeded its worker heap limit (${this.opts.maxHeapMb ?? 4096} MB)` : `worker crashed: ${err.message}`;
      if (a && !a.ended) void this.end(a, { type: 'failed', message, stack: err.stack }, 'gone');
      else slot.state = 'stopping';
    });
    worker.on('exit', (code) => {
      markReady();
      this.forget(slot);
      const a = slot.run;
      if (a && !a.ended) void this.end(a, a.cancelRequested ? { type: 'done', cancelled: true } : { type: 'failed', message: `worker exited with code ${code} before the run finished` }, 'gone');
      else this.pump();
    });
    return slot;
  }

  /** An idle worker must not keep the process alive, and gives its memory back after a while. */
  private park(slot: Slot): void {
    slot.state = 'idle';
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      if (slot.state === 'idle') void this.stop(slot).then(() => this.pump());
    }, this.opts.idleMs ?? DEFAULT_IDLE_MS);
    slot.idleTimer.unref();
  }

  private freed(slot: Slot, m: Extract<WorkerToPool, { type: 'free' }>): void {
    if (slot.state === 'busy') {
      // Only a worker between runs says this unasked (an unhandled rejection); it finishes this run and goes.
      if (!m.reusable) slot.unfit = true;
      return;
    }
    if (slot.state === 'stopping') return;
    if (m.reusable && !slot.unfit && this.opts.reuseWorkers !== false) {
      this.park(slot);
      this.pump();
    } else void this.stop(slot).then(() => this.pump());
  }

  private async stop(slot: Slot): Promise<void> {
    slot.state = 'stopping';
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    await slot.worker.terminate();
    this.forget(slot);
  }

  private forget(slot: Slot): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.state = 'stopping';
    this.slots.delete(slot);
  }

  protected start(job: RunJob, sink: EventSink, slot: Slot): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.state = 'busy';
    slot.worker.ref();
    const cancelBuffer = new SharedArrayBuffer(4);
    const source = job.run.config.kind === 'rl' ? job.run.config.reward?.source : undefined;
    const watchdog = source ? new RewardWatchdog() : null;
    const init: WorkerInit = { run: job.run, runDir: job.runDir, cancelBuffer, watchdogBuffer: watchdog?.buffer, resume: job.resume };
    const a: Active = { job, sink, slot, cancelFlag: new Int32Array(cancelBuffer), ended: false, cancelRequested: false, timers: [] };
    slot.run = a;
    this.active.set(job.runId, a);
    if (watchdog && source) {
      // An endless loop in user code never returns to the worker's event loop: the host stops it.
      // The limit is wall-clock, so a loaded machine can deschedule a worker mid-call; a grace period
      // keeps that from failing honest runs while an endless loop is still stopped within limit + grace.
      const timer = setInterval(() => {
        const t = watchdog.check(performance.timeOrigin + performance.now() - WATCHDOG_BACKSTOP_MS);
        if (t && !a.ended) void this.end(a, { type: 'failed', message: timeoutError({ ...t, elapsedMs: t.elapsedMs + WATCHDOG_BACKSTOP_MS }, source.filename).message }, 'terminate');
      }, 10);
      a.stopWatch = () => clearInterval(timer);
    }
    this.armTimeLimit(a, 0, (message) => void this.end(a, { type: 'failed', message }, 'terminate'));
    slot.worker.postMessage({ type: 'run', init } satisfies PoolToWorker);
  }

  private async end(a: Active, final: WorkerEvent, after: After): Promise<void> {
    if (!this.finish(a)) return;
    a.stopWatch?.();
    const slot = a.slot;
    slot.run = null;
    // Until the worker says whether it may be reused (or is gone), it holds its place in the pool.
    slot.state = after === 'check' ? 'checking' : 'stopping';
    a.sink(a.job.runId, final);
    if (after === 'terminate') {
      // terminate() cannot interrupt a blocking read: a thread waiting on a hung Gymnasium env is
      // released by its channel's helper killing the Python process when it sees this word.
      Atomics.store(a.cancelFlag, 0, 1);
      await this.stop(slot);
    }
    this.pump();
  }

}
