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
  const fn = statFunction(stat, opts);
  if (scores.length > 0 && scores[0].length === 1) return columnBootstrap(scores, fn, columnStat(stat, opts.threshold ?? 1), opts);
  return bootstrapCI(scores, fn, opts);
}

/**
 * The same statistic on one task's column, over a reusable typed buffer (it may sort it in place).
 * Summation orders match the matrix versions, so results are identical, only without the per-replicate
 * arrays: curve bands bootstrap every grid point, and allocation dominated that.
 */
/** Ascending sort in place; insertion sort for the small columns of a seed comparison (TypedArray.sort's call overhead dominates there). */
function sortSmall(b: Float64Array): void {
  if (b.length > 32) {
    b.sort();
    return;
  }
  for (let i = 1; i < b.length; i++) {
    const v = b[i];
    let j = i - 1;
    while (j >= 0 && b[j] > v) {
      b[j + 1] = b[j];
      j--;
    }
    b[j + 1] = v;
  }
}

function columnStat(name: StatName, threshold: number): (b: Float64Array) => number {
  const mean = (b: Float64Array, from: number, to: number) => {
    let s = 0;
    for (let i = from; i < to; i++) s += b[i];
    return s / (to - from);
  };
  switch (name) {
    case 'mean':
      return (b) => mean(b, 0, b.length);
    case 'median':
      return (b) => {
        sortSmall(b);
        const h = b.length >> 1;
        return b.length % 2 === 1 ? b[h] : (b[h - 1] + b[h]) / 2;
      };
    case 'iqm':
      return (b) => {
        sortSmall(b);
        const cut = Math.floor(0.25 * b.length);
        return mean(b, cut, b.length - cut);
      };
    case 'optimality-gap':
      return (b) => {
        let s = 0;
        for (let i = 0; i < b.length; i++) s += Math.min(b[i], threshold);
        return threshold - s / b.length;
      };
  }
}

function columnBootstrap(scores: ScoreMatrix, stat: ScoreStat, fast: (b: Float64Array) => number, opts: BootstrapOptions & { rng?: Rng }): IntervalEstimate {
  checkMatrix(scores);
  const { ci, reps, rng } = resolveBootstrap(opts);
  const n = scores.length;
  const col = Float64Array.from(scores, (row) => row[0]);
  const buf = new Float64Array(n);
  const draws = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    // Same draw order as stratifiedResample (one index per row), so the replicates are the same.
    for (let i = 0; i < n; i++) buf[i] = col[rng.int(n)];
    draws[r] = fast(buf);
  }
  const [lo, hi] = percentileInterval(draws, ci);
  return { estimate: stat(scores), ci: [lo, hi], n };
}
