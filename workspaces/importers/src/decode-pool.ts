// Reads run folders on two threads: this one and one worker thread take folders in turn from a shared
// counter, so decoding proceeds on a second core while this thread writes what is already read (the
// store is synchronous and lives here). Results are delivered here in whatever order they finish; the
// caller puts them in order. Everything the worker does, this thread can do too: when the worker cannot
// start, fails on a folder or exits early, the folders it did not report are read here.
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { readRunFolder, type FolderRead } from './tensorboard';
import type { Series } from './plan';

export interface FolderTask {
  folder: string;
  files: string[];
}

/** Below this many bytes of event files the worker's start-up (loading the TypeScript loader and the decoder) costs more than it saves. */
const WORKER_MIN_BYTES = 32 * 1024 * 1024;

/** A folder's read as it crosses from the worker: each series as three transferred Float64Arrays. */
export interface WireRead {
  i: number;
  metrics: { tag: string; steps: Float64Array; values: Float64Array; walls: Float64Array }[] | null;
  files: string[];
  problems: FolderRead['problems'];
}

export function toWire(i: number, r: FolderRead): { msg: WireRead; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const metrics = r.metrics
    ? [...r.metrics].map(([tag, p]) => {
        const steps = Float64Array.from(p.steps);
        const values = Float64Array.from(p.values);
        const walls = Float64Array.from(p.walls);
        transfer.push(steps.buffer, values.buffer, walls.buffer);
        return { tag, steps, values, walls };
      })
    : null;
  return { msg: { i, metrics, files: r.files, problems: r.problems }, transfer };
}

function fromWire(m: WireRead): FolderRead {
  const metrics = m.metrics ? new Map<string, Series>(m.metrics.map((s) => [s.tag, { steps: s.steps, values: s.values, walls: s.walls }])) : null;
  return { metrics, files: m.files, problems: m.problems };
}

function totalBytes(tasks: readonly FolderTask[]): number {
  let n = 0;
  for (const t of tasks)
    for (const f of t.files) {
      try {
        n += statSync(f).size;
      } catch {
        /* reported when the file is read */
      }
    }
  return n;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Reads every folder of `tasks` and calls `onRead(index, read)` once per folder on this thread. A throw
 * from `onRead` or from reading a folder here stops everything and rejects. `opts.worker`: true or false
 * forces the worker on or off ('all': the worker reads every folder it can, which the tests use to hold
 * its results to this thread's); by default it is used for logs of WORKER_MIN_BYTES or more. Once the
 * worker delivers, this thread reads folders only while `opts.stalled()` says it has nothing to write
 * until everything is read (otherwise its time is better spent writing what the worker delivers).
 * Returns how many folders the worker read.
 */
export async function readFolders(
  dir: string,
  tasks: readonly FolderTask[],
  onRead: (i: number, r: FolderRead) => void,
  opts: { worker?: boolean | 'all'; stalled?: () => boolean } = {},
): Promise<{ byWorker: number }> {
  const n = tasks.length;
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const done = new Uint8Array(n);
  let reported = 0;
  let byWorker = 0;
  const deliver = (i: number, r: FolderRead) => {
    done[i] = 1;
    reported++;
    onRead(i, r);
  };
  const useWorker = opts.worker ?? (n > 1 && totalBytes(tasks) >= WORKER_MIN_BYTES);
  let w: Worker | null = null;
  let alive = false;
  let started = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    const f = wake;
    wake = null;
    f?.();
  };
  if (useWorker) {
    try {
      w = new Worker(new URL('./decode-boot.mjs', import.meta.url), { workerData: { dir, tasks, claim: claim.buffer } });
      alive = true;
      w.on('message', (m: WireRead | { failed: number }) => {
        started = true;
        if (failure) return; // nothing more is handed over once a hand-over failed
        // A folder the worker could not read is read again here, where its error is thrown.
        if (!('failed' in m)) {
          try {
            byWorker++;
            deliver(m.i, fromWire(m));
          } catch (e) {
            failure ??= e;
          }
        }
        poke();
      });
      w.on('error', () => {
        alive = false;
        poke();
      });
      w.on('exit', () => {
        alive = false;
        poke();
      });
    } catch {
      w = null;
    }
  }
  try {
    for (;;) {
      if (failure) throw failure;
      if (reported === n) return { byWorker };
      if (!alive || (opts.worker !== 'all' && (!started || opts.stalled?.()))) {
        const i = Atomics.add(claim, 0, 1);
        if (i < n) {
          deliver(i, readRunFolder(dir, tasks[i].folder, tasks[i].files));
          // Lets the worker's results in between folders.
          if (alive) await turn();
          continue;
        }
      }
      if (alive) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      // The worker is gone: read here what it claimed and did not report.
      for (let j = 0; j < n; j++) if (!done[j]) deliver(j, readRunFolder(dir, tasks[j].folder, tasks[j].files));
    }
  } finally {
    if (w && alive) await w.terminate();
  }
}
