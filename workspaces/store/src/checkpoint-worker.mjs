// The background checkpointer's thread (checkpointer.ts): its own connection to the index copies
// committed WAL frames into the database file whenever asked, so the fsyncs that copying needs are
// waited for here and not by the thread writing. Plain JavaScript with no imports but Node's and
// better-sqlite3's, so it starts without the TypeScript loader.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const done = new Int32Array(workerData.done);
let db = null;
try {
  db = new Database(workerData.path, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {});
  db.pragma('busy_timeout = 5000');
  Atomics.store(done, 0, 2); // ready: the writer may wait for this thread's last checkpoint
} catch {
  db = null; // the writer's own checkpoints take over (see checkpointer.ts)
}

function finish() {
  try {
    db?.close();
  } catch {
    /* nothing left to do */
  }
  db = null;
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
  parentPort.close();
}

parentPort.on('message', (m) => {
  try {
    // PASSIVE: copies what no reader still needs, never waits for the writer nor blocks it.
    db?.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    /* a busy or failed checkpoint leaves the frames in the WAL, where they are just as safe */
  }
  if (m === 'close') finish();
});
if (!db) finish();
