// Stratified bootstrap with percentile intervals (Agarwal et al., NeurIPS 2021, arXiv:2108.13264, §4).
// Runs are resampled with replacement independently within each task, so a replicate never moves a score
// from one task to another; tasks themselves stay fixed (rliable's default, task_bootstrap=False).
// A TypeScript PRNG cannot reproduce NumPy's stream, so intervals match rliable in distribution, not digit
// for digit; they are reproducible for a given seed.
import { Rng } from '@creditlab/common';
import { checkMatrix, quantile, statFunction, type ScoreStat, type StatName, type StatOptions } from './aggregate';
import { StatsInputError } from './errors';
import type { BootstrapOptions, Interval, IntervalEstimate, ScoreMatrix } from './types';

export const DEFAULT_CI = 0.95;
export const DEFAULT_REPS = 2000;

export interface ResolvedBootstrap {
  ci: number;
  reps: number;
  rng: Rng;
}

export function resolveBootstrap(opts: BootstrapOptions & { rng?: Rng } = {}): ResolvedBootstrap {
  const ci = opts.ci ?? DEFAULT_CI;
  const reps = opts.reps ?? DEFAULT_REPS;
  if (!(ci > 0 && ci < 1)) throw new StatsInputError(`confidence level must be in (0, 1), got ${ci}`);
  if (!Number.isSafeInteger(reps) || reps < 1) throw new StatsInputError(`reps must be an integer >= 1, got ${reps}`);
  const seed = opts.seed ?? 0;
  if (!Number.isFinite(seed)) throw new StatsInputError(`seed must be a number, got ${seed}`);
  return { ci, reps, rng: opts.rng ?? new Rng(seed) };
}

/** One stratified resample: each cell draws a run index independently within its own task column. */
export function stratifiedResample(scores: ScoreMatrix, rng: Rng): ScoreMatrix {
  const n = scores.length;
  const m = scores[0].length;
  const out: ScoreMatrix = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(m);
    for (let t = 0; t < m; t++) row[t] = scores[rng.int(n)][t];
    out[i] = row;
  }
  return out;
}

/** Percentile interval of bootstrap replicates (numpy-style linear interpolation between order statistics). */
export function percentileInterval(replicates: ArrayLike<number>, ci: number): Interval {
  const s = Float64Array.from(replicates).sort();
  const a = (1 - ci) / 2;
  return [quantile(s, a, true), quantile(s, 1 - a, true)];
}

export interface VectorIntervalEstimate {
  estimate: number[];
  low: number[];
  high: number[];
  n: number;
}

/**
 * Bootstrap of a vector-valued statistic (e.g. a performance profile over a τ grid); each coordinate
 * gets its own percentile interval from the same set of resamples.
 */
export function bootstrapVector(
  scores: ScoreMatrix,
  stat: (s: ScoreMatrix) => number[],
  opts: BootstrapOptions & { rng?: Rng } = {},
): VectorIntervalEstimate {
  checkMatrix(scores);
  const { ci, reps, rng } = resolveBootstrap(opts);
  const estimate = stat(scores);
  const k = estimate.length;
  const draws: Float64Array[] = Array.from({ length: k }, () => new Float64Array(reps));
  for (let r = 0; r < reps; r++) {
    const v = stat(stratifiedResample(scores, rng));
    for (let j = 0; j < k; j++) draws[j][r] = v[j];
  }
  const low: number[] = [];
  const high: number[] = [];
  for (const d of draws) {
    const [lo, hi] = percentileInterval(d, ci);
    low.push(lo);
    high.push(hi);
  }
  return { estimate, low, high, n: scores.length };
}

/** Point estimate of `stat` on `scores` plus its stratified-bootstrap percentile interval. */
export function bootstrapCI(
  scores: ScoreMatrix,
  stat: ScoreStat,
  opts: BootstrapOptions & { rng?: Rng } = {},
): IntervalEstimate {
  const r = bootstrapVector(scores, (s) => [stat(s)], opts);
  return { estimate: r.estimate[0], ci: [r.low[0], r.high[0]], n: r.n };
}

/** Named aggregate (mean, median, iqm, optimality-gap) with its interval. */
export function aggregateWithCI(
  scores: ScoreMatrix,
  stat: StatName,
  opts: BootstrapOptions & StatOptions & { rng?: Rng } = {},
): IntervalEstimate {
  return bootstrapCI(scores, statFunction(stat, opts), opts);
}
