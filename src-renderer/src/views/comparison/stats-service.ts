// The worker's side of the statistics protocol, apart from the worker global so that a test can drive it.
// Jobs run one at a time in arrival order. Between units of work the service returns to the event loop,
// so a "cancel" posted after a job started is seen within one unit (one group's curve).
import { comparisonStatsSteps } from './comparison-stats';
import type { FromStatsWorker, ToStatsWorker } from './stats-protocol';

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function createStatsService(post: (msg: FromStatsWorker) => void): (msg: ToStatsWorker) => void {
  /** Ids received and not yet answered, and those of them the client has given up on. */
  const open = new Set<number>();
  const cancelled = new Set<number>();
  let queue = Promise.resolve();

  const finish = (msg: FromStatsWorker) => {
    open.delete(msg.id);
    cancelled.delete(msg.id);
    post(msg);
  };

  async function run(id: number, request: Extract<ToStatsWorker, { type: 'compute' }>['request']): Promise<void> {
    try {
      const steps = comparisonStatsSteps(request);
      for (;;) {
        if (cancelled.has(id)) return finish({ type: 'cancelled', id });
        const r = steps.next();
        if (r.done) return finish({ type: 'result', id, result: r.value });
        await nextTask();
      }
    } catch (e) {
      finish({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });
    }
  }

  return (msg) => {
    if (msg.type === 'cancel') {
      if (open.has(msg.id)) cancelled.add(msg.id);
      return;
    }
    open.add(msg.id);
    queue = queue.then(() => run(msg.id, msg.request));
  };
}
