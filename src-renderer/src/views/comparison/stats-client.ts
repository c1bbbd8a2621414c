// The UI thread's side of the statistics protocol: one worker, started on first use, many jobs.
// A job's promise settles once: with its result, its error, or an AbortError when its signal fires (the
// worker is told to stop at its next unit of work; whatever it answers later is dropped).
// A request's points go to the worker by transfer, not by copy: copying some ten megabytes of typed arrays
// into another thread would hold the UI thread for longer than drawing the figure does.
import type { StatsRequest, StatsResult } from './comparison-stats';
import type { FromStatsWorker, ToStatsWorker } from './stats-protocol';

/** What the client needs of a Worker; a test passes an in-process stand-in. */
export interface StatsWorkerLike {
  postMessage(msg: ToStatsWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<FromStatsWorker>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
  terminate(): void;
}

interface Pending {
  resolve(r: StatsResult): void;
  reject(e: Error): void;
}

export function abortError(): Error {
  const e = new Error('statistics job cancelled');
  e.name = 'AbortError';
  return e;
}

export const isAbort = (e: unknown): boolean => e instanceof Error && e.name === 'AbortError';

/** The buffers behind a request's points, each once (runs may share one). */
export function requestBuffers(request: StatsRequest): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const g of request.groups)
    for (const r of g.runs) for (const a of [r.steps, r.values, r.times]) if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}

export class StatsClient {
  private worker: StatsWorkerLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests already handed to the worker: their arrays are detached and would arrive empty. */
  private readonly sent = new WeakSet<StatsRequest>();

  constructor(private readonly makeWorker: () => StatsWorkerLike) {}

  /** Jobs sent and not yet answered or abandoned. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Computes `request` in the worker. Its typed arrays are transferred: afterwards they are empty on this
   * side, so every job needs a request of its own (statsRequest makes one).
   */
  compute(request: StatsRequest, signal?: AbortSignal): Promise<StatsResult> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.sent.has(request)) return Promise.reject(new Error('this statistics request was sent already and its points went with it; build a new one'));
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<StatsResult>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        worker.postMessage({ type: 'cancel', id });
        reject(abortError());
      };
      this.pending.set(id, {
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sent.add(request);
      worker.postMessage({ type: 'compute', id, request }, requestBuffers(request));
    });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.failAll(abortError());
  }

  private started(): StatsWorkerLike {
    if (this.worker) return this.worker;
    const w = this.makeWorker();
    w.onmessage = (e) => {
      const msg = e.data;
      const p = this.pending.get(msg.id);
      if (!p) return; // abandoned by its caller
      this.pending.delete(msg.id);
      if (msg.type === 'result') p.resolve(msg.result);
      else if (msg.type === 'error') p.reject(new Error(msg.message));
      else p.reject(abortError());
    };
    // A worker that failed to load or crashed takes its jobs with it; the next job starts a fresh one.
    w.onerror = (e) => {
      const message = `statistics worker failed: ${e.message || 'it did not load'}`;
      w.terminate();
      if (this.worker === w) this.worker = null;
      this.failAll(new Error(message));
    };
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}
