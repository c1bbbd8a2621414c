// A trainer module for the store benchmark (LocalPool's `trainerModule`): it does no learning, only logs
// METRICS_PER_STEP metrics per step through ctx.log/ctx.progress as fast as it can, so what is measured is
// the host's ingest path (worker batching → postMessage → Host.onWorkerEvent → RunStore.appendMetrics).
import type { TrainFn } from '@creditlab/spec';

export const backend = 'none';
export const METRICS_PER_STEP = 10;
const NAMES = Array.from({ length: METRICS_PER_STEP }, (_, i) => `bench/metric_${i}`);

export const train: TrainFn = async (ctx) => {
  const total = ctx.run.budget.steps;
  const m: Record<string, number> = {};
  for (let step = 1; step <= total; step++) {
    for (let i = 0; i < NAMES.length; i++) m[NAMES[i]] = Math.sin(step * 0.001 + i);
    ctx.log(step, m);
    if ((step & 1023) === 0) {
      ctx.progress(step);
      // Lets the worker's message port drain, as a real trainer's per-iteration yield does.
      await new Promise((r) => setImmediate(r));
    }
  }
};
