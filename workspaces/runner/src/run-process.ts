// One process of the ProcessPool: a LocalPool of one worker thread (kept warm between runs, as the
// in-process pool keeps it), driven by the host over IPC and relaying its events. See process-pool.ts.
import { LocalPool, type LocalPoolOptions } from './local-pool';
import type { RunJob } from './executor';
import type { WorkerEvent } from './protocol';

export type ToRunProcess = { type: 'init'; opts: LocalPoolOptions } | { type: 'prewarm' } | { type: 'start'; job: RunJob } | { type: 'cancel'; runId: string };
export type FromRunProcess = { type: 'event'; runId: string; event: WorkerEvent } | { type: 'ready' };

let pool: LocalPool | null = null;
process.on('message', (m: ToRunProcess) => {
  if (m.type === 'init') pool = new LocalPool({ ...m.opts, workers: 1 });
  else if (m.type === 'prewarm') void pool?.prewarm(1).then(() => process.send!({ type: 'ready' } satisfies FromRunProcess));
  else if (m.type === 'start') pool?.submit([m.job], (runId, event) => process.send!({ type: 'event', runId, event } satisfies FromRunProcess));
  else if (m.type === 'cancel') pool?.cancel(m.runId);
});
// The host went away (exit, crash, kill -9): nobody would see the results.
process.on('disconnect', () => process.exit(0));
