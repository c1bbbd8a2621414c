// Entry of a local pool's worker thread. It warms up once (see warmUp), then executes the runs the pool
// sends it, one at a time. After each run it checks that the run left nothing behind in this thread
// (tfjs tensors, timers, child processes, a swollen heap) and tells the pool whether it may be reused;
// the pool never reuses a worker whose run failed or that it had to terminate.
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { executeRun, warmUp } from './execute';
import type { PoolToWorker, WorkerBoot, WorkerEvent, WorkerToPool } from './protocol';

const boot = workerData as WorkerBoot;
if (boot.backend) process.env.CREDITLAB_BACKEND = boot.backend;
const port = parentPort!;
const post = (m: WorkerEvent | WorkerToPool) => port.postMessage(m);

/** A reused worker must not carry more than this share of its heap limit into its next run. */
const MAX_HEAP_SHARE_AFTER_RUN = 0.5;

/** The run in progress: its events go out only while this is set. */
let current: { closed: boolean; failed: boolean } | null = null;

// User reward code runs in an isolate of its own and has no promises, so a rejection here is the
// trainer's: fail the run with its message (host-realm values only; nothing of the user's reaches here).
// Between runs there is no run to fail: the worker is simply not reused.
process.on('unhandledRejection', (reason) => {
  const message = `unhandled promise rejection: ${reason instanceof Error ? reason.message : String(reason)}`;
  if (current && !current.closed) {
    current.closed = current.failed = true;
    post({ type: 'failed', message, line: null });
  } else post({ type: 'free', reusable: false, reason: message });
});

/** Handles and requests alive in this thread, by kind ("Timeout", "ProcessWrap", …). */
function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

async function tensorCount(): Promise<number | null> {
  if (boot.trainerModule) return null;
  try {
    return (await import('@creditlab/rl')).liveTensors();
  } catch {
    return null;
  }
}

/** Why this worker must not take another run, or null when the run left the thread as it found it. */
async function unfitAfterRun(before: { tensors: number | null; resources: Map<string, number> }): Promise<string | null> {
  const tensors = await tensorCount();
  if (tensors !== null && before.tensors !== null && tensors > before.tensors) return `the run left ${tensors - before.tensors} tfjs tensors allocated`;
  // Handles a run closed at its end (a child process's pipes) go away within an event-loop turn or two.
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  const left = [...resources()].filter(([kind, n]) => n > (before.resources.get(kind) ?? 0)).map(([kind, n]) => `${n - (before.resources.get(kind) ?? 0)} ${kind}`);
  if (left.length) return `the run left ${left.join(', ')} active`;
  const heap = getHeapStatistics();
  if (heap.used_heap_size > MAX_HEAP_SHARE_AFTER_RUN * heap.heap_size_limit) {
    return `its heap holds ${(heap.used_heap_size / 2 ** 20).toFixed(0)} MB of its ${(heap.heap_size_limit / 2 ** 20).toFixed(0)} MB limit after the run`;
  }
  return null;
}

const warm = warmUp(boot).then(() => post({ type: 'ready' }));

port.on('message', (m: PoolToWorker) => {
  if (m.type === 'run') void runOne(m.init);
});

async function runOne(init: PoolToWorker['init']): Promise<void> {
  await warm;
  const cancelFlag = new Int32Array(init.cancelBuffer);
  const run = { closed: false, failed: false };
  current = run;
  const before = { tensors: await tensorCount(), resources: resources() };
  // The run's last event waits until the worker has checked itself, so the pool learns both together.
  let final: WorkerEvent | null = null;
  await executeRun({
    watchdogBuffer: init.watchdogBuffer,
    run: init.run,
    runDir: init.runDir,
    trainerModule: boot.trainerModule,
    resume: init.resume,
    cancelled: () => Atomics.load(cancelFlag, 0) === 1,
    cancelBuffer: init.cancelBuffer,
    emit: (e: WorkerEvent) => {
      // A timer or callback the run left behind must not speak for it, or for the next run.
      if (run.closed) return;
      if (e.type === 'done' || e.type === 'failed') {
        final = e;
        run.closed = true;
      } else post(e);
    },
  });
  run.closed = true;
  current = null;
  const end = final as WorkerEvent | null;
  if (end?.type !== 'done') {
    if (!run.failed) post(end ?? { type: 'failed', message: 'the run ended without a result', line: null });
    post({ type: 'free', reusable: false, reason: 'its run failed' });
    return;
  }
  const unfit = await unfitAfterRun(before);
  if (unfit) post({ type: 'log', line: `this worker thread is not reused: ${unfit}` });
  post(end);
  post({ type: 'free', reusable: unfit === null, ...(unfit ? { reason: unfit } : {}) });
}
