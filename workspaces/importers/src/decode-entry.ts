// The decoding worker thread (see decode-pool.ts): takes folders from the shared counter until none is
// left, and posts each folder's read with its series transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { readRunFolder } from './tensorboard';
import { toWire, type FolderTask } from './decode-pool';

const { dir, tasks, claim } = workerData as { dir: string; tasks: FolderTask[]; claim: SharedArrayBuffer };
const counter = new Int32Array(claim);
for (;;) {
  const i = Atomics.add(counter, 0, 1);
  if (i >= tasks.length) break;
  try {
    const { msg, transfer } = toWire(i, readRunFolder(dir, tasks[i].folder, tasks[i].files));
    parentPort!.postMessage(msg, transfer);
  } catch {
    parentPort!.postMessage({ failed: i });
  }
}
