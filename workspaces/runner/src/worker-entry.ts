// Entry of a run's worker thread: one resolved run per worker.
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun } from './execute';
import type { WorkerEvent, WorkerInit } from './protocol';

const init = workerData as WorkerInit;
const cancelFlag = new Int32Array(init.cancelBuffer);
if (init.backend) process.env.CREDITLAB_BACKEND = init.backend;

// A promise rejected inside user reward code surfaces here; fail the run with the code's own location.
process.on('unhandledRejection', async (reason, promise) => {
  const { claimUnhandledRejection } = await import('@creditlab/rewards/sandbox');
  const err = claimUnhandledRejection(reason, promise);
  const message = err ? err.message : `unhandled promise rejection: ${reason instanceof Error ? reason.message : String(reason)}`;
  parentPort!.postMessage({ type: 'failed', message, line: err?.line ?? null } satisfies WorkerEvent);
});

// No top-level await: the Electron build bundles this file to CJS (dist-electron/worker.cjs).
void executeRun({
  watchdogBuffer: init.watchdogBuffer,
  run: init.run,
  runDir: init.runDir,
  trainerModule: init.trainerModule,
  resume: init.resume,
  cancelled: () => Atomics.load(cancelFlag, 0) === 1,
  emit: (e: WorkerEvent) => parentPort!.postMessage(e),
});
