// What an algorithm sees while it trains. The same interface in a worker thread and in a Slurm task;
// it knows nothing of the store, the UI or Electron.
import type { ResolvedRun } from './schema';
import type { Compute } from './compute';

export interface RunContext {
  readonly run: ResolvedRun;
  /** The run's own folder (checkpoints, samples, logs); null when run in memory (unit tests). */
  readonly runDir: string | null;
  /** tfjs backend in use: "tensorflow" (tfjs-node), "wasm" or "cpu". */
  readonly backend: string;
  /**
   * Records the run's resolved compute path once, at start (absent in contexts that keep no record):
   * `backend` names what does the training arithmetic on that path ("js+simd" for fused PPO, the tfjs
   * backend otherwise), replacing the tfjs backend reported when the worker started.
   */
  reportCompute?(choice: { compute: Compute; backend: string; reason: string }): void;
  /** Logs scalar metrics at a step (env steps for RL). Buffered; sent to the host in batches. */
  log(step: number, metrics: Record<string, number>): void;
  /** Reports progress in budget units (env steps for RL, iterations for RLHF). Cheap; call often. */
  progress(step: number): void;
  /** True once cancellation was asked for: stop at the next safe point and return normally. */
  cancelled(): boolean;
  /** A line for the run's log. */
  info(message: string): void;
  /** A structured sample for the UI (e.g. a generated response with per-token credit, an episode). */
  sample(step: number, kind: string, data: unknown): void;
  /** Stores a JSON checkpoint in the run folder (no-op without one). */
  checkpoint(step: number, data: unknown): void;
  /**
   * Resume support (absent where a trainer runs outside a run folder, e.g. unit tests): the training
   * state a resumed run continues from, or null on a fresh start.
   */
  readonly resumeFrom?: { step: number; state: unknown } | null;
  /** True when a resume checkpoint is due: 10 % of the budget or 60 s of wall time since the last one. */
  checkpointDue?(step: number): boolean;
  /**
   * Saves the complete training state at `step`, for resume. Everything the trainer logged so far must
   * be at steps ≤ `step`, and everything it logs after resuming from it at steps > `step`.
   */
  saveResumeState?(step: number, state: unknown): void;
}

/** Every training entry point has this shape. */
export type TrainFn = (ctx: RunContext) => Promise<void>;
