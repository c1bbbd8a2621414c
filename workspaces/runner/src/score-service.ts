// Host side of episode re-scoring: a warm worker (compiling and starting a worker costs ~0.5 s, and
// the editor re-scores as the user types), a watchdog for draft code that loops, and a respawn after.
import { Worker } from 'node:worker_threads';
import { RewardWatchdog, WATCHDOG_BACKSTOP_MS, timeoutError } from '@creditlab/rewards/sandbox';
import type { EpisodeRecord, EpisodeScore, RewardDraft } from '@creditlab/api';

export class ScoreService {
  private worker: Worker | null = null;
  private watchdog: RewardWatchdog | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (s: EpisodeScore) => void; reject: (e: Error) => void; draft: RewardDraft }>();
  private timer: NodeJS.Timeout | null = null;
  private retired = new WeakSet<Worker>();

  private spawn(): Worker {
    this.watchdog = new RewardWatchdog();
    const w = new Worker(new URL('./score-boot.mjs', import.meta.url), { workerData: { watchdog: this.watchdog.buffer }, resourceLimits: { maxOldGenerationSizeMb: 512 } });
    w.on('message', (m: { id: number; result: EpisodeScore }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      // An idle warm worker must not keep the process alive; a busy one must.
      if (this.pending.size === 0) w.unref();
      p?.resolve(m.result);
    });
    const fail = (message: string) => {
      // A worker stopped on purpose (timeout, close) has already answered its requests; the pending
      // ones now belong to its successor.
      if (this.retired.has(w)) return;
      for (const [, p] of this.pending) p.resolve({ steps: [], totals: {}, error: { message, line: null, column: null, step: null }, elapsedMs: 0 });
      this.pending.clear();
      if (this.worker === w) this.worker = null;
    };
    w.on('error', (e) => fail(`the scoring worker failed: ${e.message}`));
    w.on('exit', (code) => fail(`the scoring worker stopped (exit code ${code})`));
    w.unref();
    this.timer ??= setInterval(() => this.checkWatchdog(), 10);
    this.timer.unref();
    return w;
  }

  private checkWatchdog(): void {
    const t = this.watchdog?.check(performance.timeOrigin + performance.now() - WATCHDOG_BACKSTOP_MS);
    if (!t || !this.worker) return;
    const w = this.worker;
    this.worker = null;
    this.retired.add(w);
    const [first] = this.pending.values();
    const message = timeoutError({ ...t, elapsedMs: t.elapsedMs + WATCHDOG_BACKSTOP_MS }, first?.draft.filename ?? 'reward.ts').message;
    for (const [, p] of this.pending) p.resolve({ steps: [], totals: {}, error: { message, line: null, column: null, step: t.step }, elapsedMs: t.elapsedMs });
    this.pending.clear();
    void w.terminate();
  }

  score(draft: RewardDraft, episode: EpisodeRecord): Promise<EpisodeScore> {
    this.worker ??= this.spawn();
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, draft });
      this.worker!.postMessage({ id, draft, episode });
    });
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const w = this.worker;
    this.worker = null;
    if (w) this.retired.add(w);
    await w?.terminate();
  }
}
