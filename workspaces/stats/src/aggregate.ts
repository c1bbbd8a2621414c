// Aggregate metrics over a runs × tasks score matrix, with the definitions of rliable's metrics module
// (Agarwal et al., NeurIPS 2021, arXiv:2108.13264): mean and median are over per-task means, IQM pools
// every (run, task) score, optimality gap measures the shortfall below a target γ.
import { StatsInputError } from './errors';
import type { ScoreMatrix } from './types';

export type StatName = 'mean' | 'median' | 'iqm' | 'optimality-gap';
export const STAT_NAMES: readonly StatName[] = ['mean', 'median', 'iqm', 'optimality-gap'];

export function isStatName(s: string): s is StatName {
  return (STAT_NAMES as readonly string[]).includes(s);
}

/** Checks the matrix is non-empty and rectangular and returns its number of tasks. */
export function checkMatrix(scores: ScoreMatrix): number {
  if (scores.length === 0) throw new StatsInputError('score matrix has no runs');
  const m = scores[0].length;
  if (m === 0) throw new StatsInputError('score matrix has no tasks');
  for (const row of scores) {
    if (row.length !== m) throw new StatsInputError('score matrix is ragged: every run needs one score per task');
    // A NaN would silently poison sorts and sums; callers must drop or report such runs first.
    for (const x of row) if (!Number.isFinite(x)) throw new StatsInputError(`score matrix holds a non-finite score (${x})`);
  }
  return m;
}

/** Per-task means (column means), the quantity rliable's mean and median aggregate. */
export function taskMeans(scores: ScoreMatrix): number[] {
  const m = checkMatrix(scores);
  const out = new Array<number>(m).fill(0);
  for (const row of scores) for (let t = 0; t < m; t++) out[t] += row[t];
  for (let t = 0; t < m; t++) out[t] /= scores.length;
  return out;
}

function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Median with the two middle values averaged, as numpy does. */
export function medianOf(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * scipy.stats.trim_mean semantics: cut ⌊p·n⌋ values from each end of the sorted sample and average the
 * rest. The cut is rounded down, so tiny samples (n < 4 at p = 0.25) are not trimmed at all.
 */
export function trimMean(xs: readonly number[], proportion = 0.25): number {
  if (!(proportion >= 0 && proportion < 0.5)) throw new StatsInputError('trim proportion must be in [0, 0.5)');
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const cut = Math.floor(proportion * s.length);
  return meanOf(s.subarray(cut, s.length - cut));
}

/** Linear-interpolated quantile of a sample (numpy's default "linear" method). */
export function quantile(xs: ArrayLike<number>, q: number, sorted = false): number {
  if (xs.length === 0) return NaN;
  const s = sorted ? xs : Float64Array.from(xs).sort();
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

export function aggregateMean(scores: ScoreMatrix): number {
  return meanOf(taskMeans(scores));
}

/**
 * Several tasks: rliable's median of the per-task means. One task (the usual comparison of seeds within
 * one experiment): the median of the runs' scores — rliable's formula would return the mean there, and a
 * "median across seeds" that equals the mean would mislead.
 */
export function aggregateMedian(scores: ScoreMatrix): number {
  checkMatrix(scores);
  if (scores[0].length === 1) return medianOf(scores.map((row) => row[0]));
  return medianOf(taskMeans(scores));
}

export function aggregateIqm(scores: ScoreMatrix): number {
  checkMatrix(scores);
  return trimMean(scores.flat(), 0.25);
}

/**
 * γ − mean(min(X, γ)): how far runs fall short of γ on average, where exceeding γ earns no credit, so a
 * few runs far above the target cannot hide the others' shortfall. Lower is better.
 */
export function aggregateOptimalityGap(scores: ScoreMatrix, threshold = 1): number {
  checkMatrix(scores);
  let s = 0;
  let n = 0;
  for (const row of scores) for (const x of row) { s += Math.min(x, threshold); n++; }
  return threshold - s / n;
}

export interface StatOptions {
  /** γ for the optimality gap. Default 1 (rliable's choice for human-normalised scores). */
  threshold?: number;
}

export type ScoreStat = (scores: ScoreMatrix) => number;

export function statFunction(name: StatName, opts: StatOptions = {}): ScoreStat {
  switch (name) {
    case 'mean':
      return aggregateMean;
    case 'median':
      return aggregateMedian;
    case 'iqm':
      return aggregateIqm;
    case 'optimality-gap': {
      const g = opts.threshold ?? 1;
      if (!Number.isFinite(g)) throw new StatsInputError('optimality-gap threshold must be a finite number');
      return (s) => aggregateOptimalityGap(s, g);
    }
  }
}

/** Turns one score per run into the runs × 1 matrix the aggregates take. */
export function column(scores: readonly number[]): ScoreMatrix {
  return scores.map((s) => [s]);
}
