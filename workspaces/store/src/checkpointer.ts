// Checkpoints off the writing thread. In WAL mode every commit appends pages to the WAL, and the
// committing connection copies them into the database file once the WAL passes its autocheckpoint size
// (1000 pages), waiting for two fsyncs each time. During a large import that waiting was a fifth of the
// writing thread's time, and a quarter of the host's while a run logs metrics as fast as it can. While
// someone holds the store's BackgroundCheckpointer (see RunStore.holdCheckpointer), the store's own
// autocheckpoint is off and a worker thread with its own connection checkpoints whenever told to. Checkpointing from another connection is ordinary SQLite: a crash or kill -9 at
// any moment loses nothing committed (the frames are in the WAL until copied). If the thread cannot
// start, the store's own autocheckpoint stays on.
import { Worker } from 'node:worker_threads';

export class BackgroundCheckpointer {
  /** The thread's state: 0 starting, 2 ready, 1 finished (or gone). */
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;
  private stopped = false;

  private constructor(path: string, nativeBinding: string | undefined) {
    this.worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), { workerData: { path, nativeBinding, done: this.done.buffer } });
    // A thread that cannot open the index ends at once; errors are not this writer's to report.
    this.worker.on('error', () => undefined);
    this.worker.on('exit', () => Atomics.store(this.done, 0, 1));
    this.worker.unref();
  }

  static start(path: string, nativeBinding?: string): BackgroundCheckpointer | null {
    try {
      return new BackgroundCheckpointer(path, nativeBinding);
    } catch {
      return null;
    }
  }

  /** After commits: copy what is committed so far. False when the thread is gone (the writer must checkpoint itself again). */
  poke(): boolean {
    if (this.stopped || Atomics.load(this.done, 0) === 1) return false;
    this.worker.postMessage('checkpoint');
    return true;
  }

  /**
   * Asks for a last checkpoint and waits for it (at most `timeoutMs`), so the index is left as the writer
   * alone would have left it. A thread that never got ready (it could not load or open the index) is not
   * waited for: it does that checkpoint if it ever starts.
   */
  stop(timeoutMs = 10_000): void {
    if (this.stopped) return;
    this.stopped = true;
    if (Atomics.load(this.done, 0) === 1) return;
    this.worker.postMessage('close');
    Atomics.wait(this.done, 0, 2, timeoutMs);
  }
}
