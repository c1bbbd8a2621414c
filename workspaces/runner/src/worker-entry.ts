// Entry of a run's worker thread: one resolved run per worker.
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun } from './execute';
import type { WorkerEvent, WorkerInit } from './protocol';

const init = workerData as WorkerInit;
const cancelFlag = new Int32Array(init.cancelBuffer);
if (init.backend) process.env.CREDITLAB_BACKEND = init.backend;

// User reward code runs in an isolate of its own and has no promises, so a rejection here is the
// trainer's: fail the run with its message (host-realm values only; nothing of the user's reaches here).
process.on('unhandledRejection', (reason) => {
  const message = `unhandled promise rejection: ${reason instanceof Error ? reason.message : String(reason)}`;
  parentPort!.postMessage({ type: 'failed', message, line: null } satisfies WorkerEvent);
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
