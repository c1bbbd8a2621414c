// Messages from a run's worker to the host. The same events whether the worker is a thread
// (local pool) or a process writing segments in its run folder (Slurm task).
import type { Compute, ResolvedRun } from '@creditlab/spec';

export interface MetricPointMsg {
  step: number;
  metric: string;
  value: number;
}

export type WorkerEvent =
  /** `thread`: the worker thread's id in a local pool (a reused worker keeps its id from run to run). */
  | { type: 'started'; backend: string; pid: number; thread?: number; externalId?: string }
  /** The run's resolved compute path, what does its arithmetic (replaces `started`'s backend) and why. */
  | { type: 'compute'; compute: Compute; backend: string; reason: string }
  /** The engine the run's reward code runs in (runs with reward code only). */
  | { type: 'sandbox'; sandbox: string; reason: string }
  | { type: 'metrics'; points: MetricPointMsg[] }
  | { type: 'progress'; step: number; sps: number | null }
  | { type: 'log'; line: string }
  | { type: 'sample'; step: number; kind: string; data: unknown }
  /** The run's process is alive at `t` (its own clock, epoch ms): what renews the lease of a run executing elsewhere. */
  | { type: 'heartbeat'; t: number }
  /**
   * A resume checkpoint at `step` was written to `file` (in the run's checkpoints folder). Sent after
   * every metric logged up to `step`, so the host, which handles events in order, has committed those
   * before it makes the file the run's resume point.
   */
  | { type: 'checkpoint'; step: number; file: string }
  | { type: 'done'; cancelled: boolean }
  | { type: 'failed'; message: string; line?: number | null; stack?: string };

/** One run for a worker thread of the local pool (the pool sends one at a time). */
export interface WorkerInit {
  run: ResolvedRun;
  runDir: string | null;
  /**
   * Int32Array over it: [0] = 1 once cancellation is asked for, or before the pool terminates the thread
   * (a Gymnasium env's helper thread then kills its Python, releasing a trainer blocked in `step`).
   */
  cancelBuffer: SharedArrayBuffer;
  /** Present when the run has user reward code: the RewardWatchdog's shared timestamps. */
  watchdogBuffer?: SharedArrayBuffer;
  /** Continue from the run folder's resume checkpoint instead of starting fresh. */
  resume?: boolean;
}

/** A pool worker's workerData: what stays the same for every run it executes. */
export interface WorkerBoot {
  backend?: string;
  trainerModule?: string;
}

/** Pool → worker thread. */
export type PoolToWorker = { type: 'run'; init: WorkerInit };

/**
 * Worker thread → pool, besides the run's own events. `ready`: modules and backend are loaded. `free`:
 * the worker has finished with its run (after the run's `done` or `failed`), or found itself unfit
 * between runs; `reusable` says whether it may take another run (else the pool stops it).
 */
export type WorkerToPool = { type: 'ready' } | { type: 'free'; reusable: boolean; reason?: string };
