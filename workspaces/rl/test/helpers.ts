// A RunContext that records everything in memory, for the trainer tests.
import { resolveExperiment, type Compute, type RunContext, type ResolvedRun } from '@creditlab/spec';

export interface Recorded {
  ctx: RunContext;
  run: ResolvedRun;
  logs: { step: number; metrics: Record<string, number> }[];
  progress: number[];
  info: string[];
  checkpoints: { step: number; data: unknown }[];
  /** What the trainer reported through reportCompute (once per run). */
  compute: { compute: Compute; backend: string; reason: string }[];
  /** charts/episodic_return values in order. */
  returns(): number[];
  /** Every metric name logged at least once. */
  names(): Set<string>;
}

export function recordingContext(opts: {
  algo: Record<string, unknown>;
  steps: number;
  seed?: number;
  env?: { id: string; params?: Record<string, unknown> };
  reward?: Record<string, unknown>;
  compute?: string;
  backend?: string;
  cancelled?: (r: Recorded) => boolean;
}): Recorded {
  const base: Record<string, unknown> = { kind: 'rl', env: opts.env ?? { id: 'CartPole-v1' }, algo: opts.algo };
  if (opts.reward) base.reward = opts.reward;
  if (opts.compute) base.compute = opts.compute;
  const { runs } = resolveExperiment({
    version: 1,
    name: 'rl-test',
    seeds: [opts.seed ?? 0],
    budget: { steps: opts.steps },
    base,
    arms: [{ name: 'a' }],
  });
  const rec: Recorded = {
    run: runs[0],
    logs: [],
    progress: [],
    info: [],
    checkpoints: [],
    compute: [],
    returns: () => rec.logs.filter((l) => 'charts/episodic_return' in l.metrics).map((l) => l.metrics['charts/episodic_return']),
    names: () => new Set(rec.logs.flatMap((l) => Object.keys(l.metrics))),
    ctx: undefined as unknown as RunContext,
  };
  rec.ctx = {
    run: runs[0],
    runDir: null,
    backend: opts.backend ?? 'wasm',
    log: (step, metrics) => rec.logs.push({ step, metrics }),
    progress: (step) => rec.progress.push(step),
    cancelled: () => (opts.cancelled ? opts.cancelled(rec) : false),
    info: (m) => rec.info.push(m),
    sample: () => {},
    checkpoint: (step, data) => rec.checkpoints.push({ step, data }),
    reportCompute: (c) => rec.compute.push(c),
  };
  return rec;
}

export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
