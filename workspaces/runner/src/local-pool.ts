// The local executor: a pool of worker_threads, one run per worker, sized to the cores.
// A worker that throws, crashes or hits its resourceLimits fails only its own run.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { EventSink, Executor, RunJob } from './executor';
import { RewardWatchdog, WATCHDOG_BACKSTOP_MS, timeoutError } from '@creditlab/rewards/sandbox';
import type { WorkerEvent, WorkerInit } from './protocol';

/** Scheduling slack on top of a reward call's time limit before the worker is stopped. */


export interface LocalPoolOptions {
  workers?: number;
  /** Heap limit of each worker; exceeding it fails that run with ERR_WORKER_OUT_OF_MEMORY. */
  maxHeapMb?: number;
  /** How long a cancelled run may take to stop by itself before its worker is terminated. */
  cancelGraceMs?: number;
  backend?: string;
  /** See ExecuteOptions.trainerModule. */
  trainerModule?: string;
}

interface Active {
  job: RunJob;
  sink: EventSink;
  worker: Worker;
  cancelFlag: Int32Array;
  ended: boolean;
  cancelRequested: boolean;
  timers: NodeJS.Timeout[];
  stopWatch?: () => void;
}

export class LocalPool implements Executor {
  readonly name = 'local';
  readonly size: number;
  private queue: { job: RunJob; sink: EventSink }[] = [];
  private active = new Map<string, Active>();
  private idleWaiters: (() => void)[] = [];

  constructor(private opts: LocalPoolOptions = {}) {
    this.size = Math.max(1, opts.workers ?? availableParallelism());
  }

  submit(jobs: RunJob[], sink: EventSink): void {
    for (const job of jobs) this.queue.push({ job, sink });
    this.pump();
  }

  cancel(runId: string): void {
    const qi = this.queue.findIndex((q) => q.job.runId === runId);
    if (qi >= 0) {
      const [q] = this.queue.splice(qi, 1);
      q.sink(runId, { type: 'done', cancelled: true });
      this.checkIdle();
      return;
    }
    const a = this.active.get(runId);
    if (!a || a.cancelRequested) return;
    a.cancelRequested = true;
    Atomics.store(a.cancelFlag, 0, 1);
    // A run stuck in user code never looks at the flag: terminate it after a grace period.
    a.timers.push(
      setTimeout(() => {
        if (!a.ended) this.end(a, { type: 'done', cancelled: true }, true);
      }, this.opts.cancelGraceMs ?? 5000),
    );
  }

  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async shutdown(): Promise<void> {
    for (const q of this.queue.splice(0)) q.sink(q.job.runId, { type: 'done', cancelled: true });
    await Promise.all([...this.active.values()].map((a) => this.end(a, { type: 'done', cancelled: true }, true)));
  }

  private pump(): void {
    while (this.active.size < this.size && this.queue.length > 0) {
      const { job, sink } = this.queue.shift()!;
      this.start(job, sink);
    }
    this.checkIdle();
  }

  private start(job: RunJob, sink: EventSink): void {
    const cancelBuffer = new SharedArrayBuffer(4);
    const source = job.run.config.kind === 'rl' ? job.run.config.reward?.source : undefined;
    const watchdog = source ? new RewardWatchdog() : null;
    const init: WorkerInit = { run: job.run, runDir: job.runDir, cancelBuffer, backend: this.opts.backend, trainerModule: this.opts.trainerModule, watchdogBuffer: watchdog?.buffer, resume: job.resume };
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
      workerData: init,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 4096 },
      stdout: false,
      stderr: false,
    });
    const a: Active = { job, sink, worker, cancelFlag: new Int32Array(cancelBuffer), ended: false, cancelRequested: false, timers: [] };
    this.active.set(job.runId, a);
    if (watchdog && source) {
      // An endless loop in user code never returns to the worker's event loop: the host stops it.
      // The limit is wall-clock, so a loaded machine can deschedule a worker mid-call; a grace period
      // keeps that from failing honest runs while an endless loop is still stopped within limit + grace.
      const timer = setInterval(() => {
        const t = watchdog.check(performance.timeOrigin + performance.now() - WATCHDOG_BACKSTOP_MS);
        if (t && !a.ended) void this.end(a, { type: 'failed', message: timeoutError({ ...t, elapsedMs: t.elapsedMs + WATCHDOG_BACKSTOP_MS }, source.filename).message }, true);
      }, 10);
      a.stopWatch = () => clearInterval(timer);
    }
    const limit = job.run.budget.timeLimitSeconds;
    if (limit) {
      a.timers.push(
        setTimeout(() => {
          if (!a.ended) this.end(a, { type: 'failed', message: `time limit exceeded: the run took longer than budget.timeLimitSeconds = ${limit}` }, true);
        }, limit * 1000),
      );
    }
    worker.on('message', (e: WorkerEvent) => {
      if (a.ended) return;
      if (e.type === 'done' || e.type === 'failed') this.end(a, e, true);
      else sink(job.runId, e);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const message = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `out of memory: the run exceeded its worker heap limit (${this.opts.maxHeapMb ?? 4096} MB)` : `worker crashed: ${err.message}`;
      this.end(a, { type: 'failed', message, stack: err.stack }, false);
    });
    worker.on('exit', (code) => {
      if (!a.ended) this.end(a, a.cancelRequested ? { type: 'done', cancelled: true } : { type: 'failed', message: `worker exited with code ${code} before the run finished` }, false);
    });
  }

  private async end(a: Active, final: WorkerEvent, terminate: boolean): Promise<void> {
    if (a.ended) return;
    a.ended = true;
    for (const t of a.timers) clearTimeout(t);
    a.stopWatch?.();
    this.active.delete(a.job.runId);
    a.sink(a.job.runId, final);
    if (terminate) await a.worker.terminate();
    this.pump();
  }

  private checkIdle(): void {
    if (this.queue.length === 0 && this.active.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
