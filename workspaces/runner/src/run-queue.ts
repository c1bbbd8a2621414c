// The scheduling both local executors share: submitted runs wait in order, at most `size` run at once,
// a queued run is cancelled on the spot, and idle() resolves once nothing is queued or running. Where a
// run executes (a worker thread of this process, or a child process of its own) is the subclass's.
import { availableParallelism } from 'node:os';
import type { EventSink, Executor, RunJob } from './executor';

/** What the queue knows of a run in flight. */
export interface ActiveRun {
  job: RunJob;
  sink: EventSink;
  ended: boolean;
  cancelRequested: boolean;
  timers: NodeJS.Timeout[];
}

export abstract class RunQueue<Slot, Run extends ActiveRun> implements Executor {
  readonly name = 'local';
  readonly size: number;
  protected readonly active = new Map<string, Run>();
  private queue: { job: RunJob; sink: EventSink }[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(workers?: number) {
    this.size = Math.max(1, workers ?? availableParallelism());
  }

  /** A slot free to take a run now (an idle one, or a new one if there is room), else null. */
  protected abstract claimSlot(): Slot | null;
  /** Starts the run in the slot; the subclass records it in `active`. */
  protected abstract start(job: RunJob, sink: EventSink, slot: Slot): void;
  /** Asks a running run to stop; it still ends with exactly one event. */
  protected abstract cancelRunning(run: Run): void;
  abstract shutdown(): Promise<void>;

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
    this.cancelRunning(a);
  }

  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Starts queued runs while slots are free. */
  protected pump(): void {
    while (this.active.size < this.size && this.queue.length > 0) {
      const slot = this.claimSlot();
      if (!slot) break;
      const { job, sink } = this.queue.shift()!;
      this.start(job, sink, slot);
    }
    this.checkIdle();
  }

  /** Ends every queued run as cancelled (shutdown). */
  protected dropQueued(): void {
    for (const q of this.queue.splice(0)) q.sink(q.job.runId, { type: 'done', cancelled: true });
  }

  /**
   * Shutdown's first half: queued runs end at once, running ones are cancelled and awaited. A cancelled
   * run sends the metrics it still buffers before its `done`, so ending it by terminating its worker
   * straight away would lose them; one that does not stop by itself is ended by the cancel's own grace.
   */
  protected async stopRuns(): Promise<void> {
    this.dropQueued();
    for (const a of [...this.active.values()]) this.cancel(a.job.runId);
    await this.idle();
  }

  /** Fails the run if it is still going `limit` seconds (the spec's budget.timeLimitSeconds) plus `extraMs` from now. */
  protected armTimeLimit(a: Run, extraMs: number, fail: (message: string) => void): void {
    const limit = a.job.run.budget.timeLimitSeconds;
    if (!limit) return;
    a.timers.push(
      setTimeout(() => {
        if (!a.ended) fail(`time limit exceeded: the run took longer than budget.timeLimitSeconds = ${limit}`);
      }, limit * 1000 + extraMs),
    );
  }

  /** Marks the run ended and forgets it; false if it had already ended. */
  protected finish(a: Run): boolean {
    if (a.ended) return false;
    a.ended = true;
    for (const t of a.timers) clearTimeout(t);
    this.active.delete(a.job.runId);
    return true;
  }

  private checkIdle(): void {
    if (this.queue.length === 0 && this.active.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
