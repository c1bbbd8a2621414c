// Run worker of the Electron build (dist-electron/worker.cjs). Same body as
// workspaces/runner/src/worker-entry.ts, which cannot be bundled to CJS as it is (top-level await)
// and is loaded through tsx, which the packaged app does not ship a loader hook for.
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun, type WorkerEvent, type WorkerInit } from '@creditlab/runner';

const init = workerData as WorkerInit;
const cancelFlag = new Int32Array(init.cancelBuffer);
if (init.backend) process.env.CREDITLAB_BACKEND = init.backend;

void executeRun({
  run: init.run,
  runDir: init.runDir,
  trainerModule: init.trainerModule,
  cancelled: () => Atomics.load(cancelFlag, 0) === 1,
  emit: (e: WorkerEvent) => parentPort!.postMessage(e),
});
