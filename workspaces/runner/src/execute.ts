// The one worker code path: a resolved run in, events out. Used by the worker thread and by
// `creditlab worker` (Slurm task); it knows nothing of the store or the UI.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import type { ResolvedRun, RunContext, TrainFn } from '@creditlab/spec';
import type { MetricPointMsg, WorkerEvent } from './protocol';

/** Metric points are sent when this many are buffered or this much time has passed, never one message per step. */
const FLUSH_POINTS = 2000;
const FLUSH_MS = 250;
const PROGRESS_MS = 500;
/** A resume checkpoint is due after this share of the budget or this much wall time, whichever comes first. */
const CHECKPOINT_BUDGET_SHARE = 0.1;
const CHECKPOINT_MS = 60_000;

/** Where a run's resume point lives; the host moves each new checkpoint here once it has the metrics before it. */
export const RESUME_FILE = 'resume.json';

/** Writes a file so that a crash leaves either the old one or the whole new one: temp, fsync, rename. */
export function writeFileDurably(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The resume point of a run folder, or null when it has none (or it cannot be read). */
export function readResumeCheckpoint(runDir: string): { step: number; state: unknown } | null {
  try {
    const c = JSON.parse(readFileSync(join(runDir, 'checkpoints', RESUME_FILE), 'utf8')) as { step: number; state: unknown };
    return typeof c.step === 'number' ? c : null;
  } catch {
    return null;
  }
}

export interface ExecuteOptions {
  run: ResolvedRun;
  runDir: string | null;
  emit: (e: WorkerEvent) => void;
  cancelled: () => boolean;
  /**
   * The word behind `cancelled` (Int32, index 0), for helpers that must act on a cancel while the run's
   * thread is blocked: a Gymnasium env's channel kills its Python process at once (an env hung in `step`
   * would otherwise hold the thread until the step time limit).
   */
  cancelBuffer?: SharedArrayBuffer;
  backend?: string;
  /** Shared with the host's RewardWatchdog: user reward calls are stamped so an endless loop gets the worker terminated. */
  watchdogBuffer?: SharedArrayBuffer;
  /** A module whose `train` export replaces the registry's trainer (plugins; the runner's own tests). */
  trainerModule?: string;
  /** Continue from the run folder's resume checkpoint (it must exist). */
  resume?: boolean;
  /** Wall-time bound between resume checkpoints (ms); default 60 s. */
  checkpointMs?: number;
  /**
   * Emit a `heartbeat` event this often (ms): for a run in a process of its own (a cluster task), whose
   * lease the host renews from its events. Off in a worker thread, whose host holds the lease itself.
   */
  heartbeatMs?: number;
}

type Trainer = (ctx: RunContext, opts?: unknown) => Promise<void>;

/** What a run's environment really was (interpreter, library versions, `gym.spec`), beside run.json. */
export const ENVIRONMENT_FILE = 'environment.json';

async function loadTrainer(run: ResolvedRun, runDir: string | null, trainerModule?: string, cancelBuffer?: SharedArrayBuffer): Promise<{ train: Trainer; backend: string }> {
  if (trainerModule) {
    const mod = (await import(trainerModule)) as { train: Trainer; backend?: string };
    return { train: mod.train, backend: mod.backend ?? 'none' };
  }
  if (run.config.kind === 'imported') throw new Error('an imported run records training done elsewhere; there is nothing to execute');
  const { initBackend, ALGORITHMS } = await import('@creditlab/rl');
  const { backend } = await initBackend(process.env.CREDITLAB_BACKEND);
  if (run.config.kind === 'rlhf') {
    const mod = (await import('@creditlab/rlhf' as string)) as { trainRlhf: TrainFn };
    return { train: mod.trainRlhf, backend };
  }
  // gymnasium: ids run in a Python bridge process; the trainers only see a vector env.
  // The versions go into the run folder so that a rerun can be checked to be the same experiment.
  const envId = run.config.env.id;
  if (envId.startsWith('gymnasium:')) {
    (await import('@creditlab/gym')).registerGymnasium({
      stop: cancelBuffer,
      onStart: ({ pid: _pid, warnings: _w, protocol: _p, ...hello }) => {
        if (runDir) writeFileDurably(join(runDir, ENVIRONMENT_FILE), JSON.stringify({ env: envId, ...hello }, null, 2));
      },
    });
  }
  const train = (ALGORITHMS as Record<string, Trainer>)[run.config.algo.name];
  if (!train) throw new Error(`algorithm "${run.config.algo.name}" is not implemented`);
  return { train, backend };
}

/**
 * Loads what runs of a pool's worker need before the first run arrives: the trainer module, or the
 * trainers with their tfjs backend (and WebAssembly kernels), the reward glue and the reward compiler
 * (esbuild's service, an isolated-vm isolate made and freed). Never throws: a run repeats whatever
 * failed here and reports it.
 */
export async function warmUp(opts: { trainerModule?: string; backend?: string } = {}): Promise<void> {
  try {
    if (opts.trainerModule) {
      await import(opts.trainerModule);
      return;
    }
    const { initBackend } = await import('@creditlab/rl');
    await initBackend(opts.backend ?? process.env.CREDITLAB_BACKEND);
    await import('./reward-glue');
    const { compileRewardModule, prepareSandbox } = await import('@creditlab/rewards/sandbox');
    await prepareSandbox();
    compileRewardModule({ filename: 'warm-up.ts', code: 'export default (ctx: RewardContext) => ctx.envReward;' }).dispose();
  } catch {
    /* reported by the run that needs it */
  }
}

/** Runs one resolved run to completion; never throws (a failure becomes a `failed` event). */
export async function executeRun(opts: ExecuteOptions): Promise<void> {
  const { run, runDir, emit } = opts;
  let buffer: MetricPointMsg[] = [];
  let lastFlush = Date.now();
  let lastProgress = 0;
  let lastProgressStep = 0;
  let lastProgressAt = Date.now();
  let sps: number | null = null;

  const flush = () => {
    if (buffer.length) emit({ type: 'metrics', points: buffer });
    buffer = [];
    lastFlush = Date.now();
  };
  const maybeFlush = () => {
    if (buffer.length >= FLUSH_POINTS || Date.now() - lastFlush >= FLUSH_MS) flush();
  };

  // A timer for quiet stretches, and a check on every progress call for when training keeps the event loop busy.
  let lastBeat = 0;
  const beat = () => {
    const t = Date.now();
    if (opts.heartbeatMs === undefined || t - lastBeat < opts.heartbeatMs) return;
    lastBeat = t;
    emit({ type: 'heartbeat', t });
  };
  const beatTimer = opts.heartbeatMs === undefined ? null : setInterval(beat, opts.heartbeatMs);
  beatTimer?.unref?.();

  // Caches shared by runs (the RLHF suite's SFT model) live in the workspace, not in the OS temp folder.
  // Set for this run only: a pool worker's next run may belong to another workspace.
  const cacheDirBefore = process.env.CREDITLAB_CACHE_DIR;
  if (runDir && cacheDirBefore === undefined) process.env.CREDITLAB_CACHE_DIR = join(runDir, '..', '..', 'cache');
  try {
    const resumeFrom = opts.resume ? readResumeCheckpoint(runDir ?? '') : null;
    if (opts.resume && !resumeFrom) throw new Error(`cannot resume: no readable checkpoint in ${join(runDir ?? '', 'checkpoints', RESUME_FILE)}`);
    let lastCheckpointStep = resumeFrom?.step ?? 0;
    let lastCheckpointAt = Date.now();
    const { train, backend } = await loadTrainer(run, runDir, opts.trainerModule, opts.cancelBuffer);
    emit({ type: 'started', backend, pid: process.pid, ...(isMainThread ? {} : { thread: threadId }) });
    beat();
    const ctx: RunContext = {
      run,
      runDir,
      backend,
      log(step, metrics) {
        for (const metric in metrics) buffer.push({ step, metric, value: metrics[metric] });
        maybeFlush();
      },
      progress(step) {
        beat();
        const t = Date.now();
        if (t - lastProgress < PROGRESS_MS) return maybeFlush();
        // steps/s over the last window: what the user sees as the run's speed now.
        const dt = (t - lastProgressAt) / 1000;
        if (dt > 0 && step > lastProgressStep) sps = (step - lastProgressStep) / dt;
        lastProgress = lastProgressAt = t;
        lastProgressStep = step;
        flush();
        emit({ type: 'progress', step, sps });
      },
      cancelled: opts.cancelled,
      info(message) {
        emit({ type: 'log', line: message });
      },
      reportCompute(choice) {
        emit({ type: 'compute', ...choice });
      },
      sample(step, kind, data) {
        emit({ type: 'sample', step, kind, data });
      },
      resumeFrom,
      checkpointDue(step) {
        if (!runDir) return false;
        return step - lastCheckpointStep >= CHECKPOINT_BUDGET_SHARE * run.budget.steps || Date.now() - lastCheckpointAt >= (opts.checkpointMs ?? CHECKPOINT_MS);
      },
      saveResumeState(step, state) {
        if (!runDir) return;
        const dir = join(runDir, 'checkpoints');
        mkdirSync(dir, { recursive: true });
        const file = `resume-${step}.pending.json`;
        writeFileDurably(join(dir, file), JSON.stringify({ step, savedAt: new Date().toISOString(), state }));
        lastCheckpointStep = step;
        lastCheckpointAt = Date.now();
        // The metrics up to `step` go first: the host promotes the file only after committing them.
        flush();
        emit({ type: 'checkpoint', step, file });
      },
      checkpoint(step, data) {
        if (!runDir) return;
        const dir = join(runDir, 'checkpoints');
        mkdirSync(dir, { recursive: true });
        writeFileDurably(join(dir, `step-${step}.json`), JSON.stringify(data));
      },
    };
    if (resumeFrom) ctx.info(`resuming from the checkpoint at step ${resumeFrom.step}`);
    if (run.config.kind === 'rl' && !opts.trainerModule) {
      const { rlTrainOptions } = await import('./reward-glue');
      if (run.config.reward?.source) {
        const { prepareSandbox, DEFAULT_MEMORY_LIMIT_MB } = await import('@creditlab/rewards/sandbox');
        const sandbox = await prepareSandbox(undefined, { memoryLimitMb: run.config.reward.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB });
        emit({ type: 'sandbox', sandbox: sandbox.name, reason: sandbox.reason });
      }
      const trainOpts = rlTrainOptions(run, ctx, opts.watchdogBuffer);
      try {
        await train(ctx, trainOpts);
      } finally {
        trainOpts.dispose();
      }
    } else await train(ctx);
    flush();
    emit({ type: 'progress', step: Math.max(lastProgressStep, opts.cancelled() ? lastProgressStep : run.budget.steps), sps });
    emit({ type: 'done', cancelled: opts.cancelled() });
  } catch (e) {
    flush();
    const err = e as Error & { line?: number; envStopped?: boolean };
    if (err?.envStopped === true && opts.cancelled()) {
      // The cancel reached a call blocked in an env's process (its Python was killed): cancelled, not failed.
      emit({ type: 'log', line: err.message });
      emit({ type: 'progress', step: lastProgressStep, sps });
      emit({ type: 'done', cancelled: true });
      return;
    }
    // A RewardError's message already names file:line:column, episode and step.
    emit({ type: 'failed', message: err?.message ?? String(e), line: err?.line ?? null, stack: err?.stack });
  } finally {
    if (beatTimer) clearInterval(beatTimer);
    if (cacheDirBefore === undefined) delete process.env.CREDITLAB_CACHE_DIR;
  }
}
