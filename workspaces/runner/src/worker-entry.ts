// Entry of a run's worker thread: one resolved run per worker.
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun } from './execute';
import type { WorkerEvent, WorkerInit } from './protocol';

const init = workerData as WorkerInit;
const cancelFlag = new Int32Array(init.cancelBuffer);
if (init.backend) process.env.CREDITLAB_BACKEND = init.backend;

await executeRun({
  run: init.run,
  runDir: init.runDir,
  trainerModule: init.trainerModule,
  cancelled: () => Atomics.load(cancelFlag, 0) === 1,
  emit: (e: WorkerEvent) => parentPort!.postMessage(e),
});
