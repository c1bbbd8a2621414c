// Performance profiles (Agarwal et al., NeurIPS 2021, arXiv:2108.13264, §4): the score distribution
// F(τ) = fraction of (run, task) scores strictly above τ, shown with stratified-bootstrap bands. The
// "average" variant uses per-task means instead and is coarser (one point per task).
import type { Rng } from '@creditlab/common';
import { checkMatrix, taskMeans } from './aggregate';
import { bootstrapVector } from './bootstrap';
import { StatsInputError } from './errors';
import type { BootstrapOptions, ScoreMatrix } from './types';

export type ProfileKind = 'runs' | 'task-means';

export function scoreDistribution(scores: ScoreMatrix, taus: readonly number[], kind: ProfileKind = 'runs'): number[] {
  checkMatrix(scores);
  const pool = kind === 'runs' ? scores.flat() : taskMeans(scores);
  const sorted = Float64Array.from(pool).sort();
  return taus.map((tau) => {
    // Count of values <= τ by binary search; the profile is 1 minus that share.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= tau) lo = mid + 1;
      else hi = mid;
    }
    return (sorted.length - lo) / sorted.length;
  });
}

/** `points` evenly spaced thresholds from the smallest to the largest pooled score of all matrices given. */
export function tauGrid(matrices: readonly ScoreMatrix[], points = 51): number[] {
  if (!Number.isSafeInteger(points) || points < 2) throw new StatsInputError('a τ grid needs at least 2 points');
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of matrices) for (const row of m) for (const x of row) { if (x < lo) lo = x; if (x > hi) hi = x; }
  if (!(lo <= hi)) throw new StatsInputError('no scores to build a τ grid from');
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  return Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
}

export interface PerformanceProfile {
  taus: number[];
  values: number[];
  low: number[];
  high: number[];
  n: number;
}

export function performanceProfile(
  scores: ScoreMatrix,
  taus: readonly number[],
  opts: BootstrapOptions & { rng?: Rng; kind?: ProfileKind } = {},
): PerformanceProfile {
  const kind = opts.kind ?? 'runs';
  const r = bootstrapVector(scores, (s) => scoreDistribution(s, taus, kind), opts);
  return { taus: [...taus], values: r.estimate, low: r.low, high: r.high, n: r.n };
}
