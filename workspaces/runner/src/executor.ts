// Where runs execute. The host hands an executor resolved runs and gets worker events back;
// the local pool and a cluster executor (Slurm) are interchangeable behind this interface.
import type { ResolvedRun } from '@creditlab/spec';
import type { WorkerEvent } from './protocol';

export interface RunJob {
  runId: string;
  run: ResolvedRun;
  runDir: string;
  /** Continue from the run folder's resume checkpoint (checkpoints/resume.json). */
  resume?: boolean;
}

export type EventSink = (runId: string, event: WorkerEvent) => void;

export interface Executor {
  readonly name: string;
  /** Queues runs; every run ends with exactly one `done` or `failed` event through the sink. */
  submit(jobs: RunJob[], sink: EventSink): void;
  cancel(runId: string): void;
  /** Resolves when every submitted run has ended. */
  idle(): Promise<void>;
  /**
   * Stops for good (the host is closing). A local executor cancels its runs and waits, at most the cancel
   * grace, for each to send its last events before it ends their workers; a cluster's runs go on.
   */
  shutdown(): Promise<void>;
}
