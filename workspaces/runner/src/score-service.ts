// Host side of episode re-scoring: a warm worker (compiling and starting a worker costs ~0.5 s, and
// the editor re-scores as the user types), a watchdog for draft code that loops, and a respawn after.
// With isolation 'process' (the default under Node) the worker and its watchdog live in a child process
// (score-process.ts), so that draft code which aborts V8 ends that process, not the host's.
import { Worker } from 'node:worker_threads';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleFor } from './bundles';
import { RewardWatchdog, WATCHDOG_BACKSTOP_MS, timeoutError } from '@creditlab/rewards/sandbox';
import type { EpisodeRecord, EpisodeScore, RewardDraft } from '@creditlab/api';
import type { FromScoreProcess, ToScoreProcess } from './score-process';

export interface ScoreServiceOptions {
  /** Default 'process', except under Electron, whose bundle has no score-process entry. */
  isolation?: 'process' | 'thread';
}

const failedScore = (message: string): EpisodeScore => ({ steps: [], totals: {}, error: { message, line: null, column: null, step: null }, elapsedMs: 0 });

export class ScoreService {
  private readonly isolation: 'process' | 'thread';
  private child: ChildProcess | null = null;

  constructor(opts: ScoreServiceOptions = {}) {
    this.isolation = opts.isolation ?? (process.versions.electron ? 'thread' : 'process');
  }

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
      for (const [, p] of this.pending) p.resolve(failedScore(message));
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

  private spawnProcess(): ChildProcess {
    const child = fork(bundleFor('score-process') ?? fileURLToPath(new URL('./score-process-boot.mjs', import.meta.url)), [], {
      execArgv: ['--no-node-snapshot'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    const idle = () => {
      // An idle warm process must not keep the host alive; a busy one must.
      child.unref();
      child.channel?.unref();
    };
    child.on('message', (m: FromScoreProcess) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) idle();
      p?.resolve(m.result);
    });
    const fail = (message: string) => {
      if (this.child !== child) return;
      this.child = null;
      for (const [, p] of this.pending) p.resolve(failedScore(message));
      this.pending.clear();
    };
    child.on('error', (e) => fail(`the scoring process failed: ${e.message}`));
    child.on('exit', (code, signal) =>
      fail(
        signal === 'SIGABRT'
          ? 'the scoring process was aborted by V8 (most likely the reward code exhausted its memory in one allocation)'
          : `the scoring process stopped (${signal ?? `exit code ${code}`})`,
      ),
    );
    idle();
    return child;
  }

  score(draft: RewardDraft, episode: EpisodeRecord): Promise<EpisodeScore> {
    if (this.isolation === 'process') {
      const child = (this.child ??= this.spawnProcess());
      const id = this.nextId++;
      child.ref();
      child.channel?.ref();
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject, draft });
        child.send({ id, draft, episode } satisfies ToScoreProcess);
      });
    }
    this.worker ??= this.spawn();
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, draft });
      this.worker!.postMessage({ id, draft, episode });
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      // An idle process is unref'd: waiting for its exit must keep this process alive.
      child.ref();
      child.kill('SIGKILL');
      await exited;
    }
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const w = this.worker;
    this.worker = null;
    if (w) this.retired.add(w);
    await w?.terminate();
  }
}
