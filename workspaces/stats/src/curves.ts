// Aggregate learning curves across runs logged at different steps (Agarwal et al., NeurIPS 2021,
// arXiv:2108.13264, sample-efficiency curves): put every run on one step grid, then compute the chosen
// aggregate with a stratified-bootstrap interval at each grid point.
//
// Grid choice. `union` (default) takes the sorted union of all logged steps and, when that exceeds
// `points`, keeps `points` of them evenly spaced by rank (always first and last). When runs share a logging
// cadence this grid is exactly their steps, so no value is interpolated at all. `uniform` lays `points`
// evenly spaced steps over [earliest first step, latest last step] of the runs, for runs with unrelated
// cadences.
//
// Coverage. A run contributes to a grid point only if the point lies inside its own [first, last] logged
// step; inside it is linearly interpolated, outside it is excluded, never extrapolated. Each point reports
// how many runs contributed (`n`), because a late tail carried by the two longest runs is not the same
// evidence as the full set; a point one run covers has no band (NaN bounds).
//
// Zero-width band. Where every contributing run has the same value (all seeds at CartPole's 500, or all
// at 0 before any learning) every resample gives that value and the band closes to a line, which reads
// as certainty. The curve lists those stretches of the grid (`zeroWidth`), with their cause, so every
// output that shows the band can say so (interval-notes.ts has the words).
import { Rng } from '@creditlab/common';
import { statFunction, type StatName, type StatOptions } from './aggregate';
import { aggregateWithCI, resolveBootstrap } from './bootstrap';
import { StatsInputError } from './errors';
import { cleanSeries } from './series';
import { smoothSeries, type Smoothing } from './smooth';
import type { BootstrapOptions, Series } from './types';

export type GridMode = 'union' | 'uniform';
export const DEFAULT_GRID_POINTS = 200;

/** Value of a cleaned (sorted, finite) series at `x`, linear between knots; NaN outside its range. */
export function interpolateAt(s: Series, x: number): number {
  const { steps, values } = s;
  const n = steps.length;
  if (n === 0 || !(x >= steps[0] && x <= steps[n - 1])) return NaN;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (steps[lo] === x) return values[lo];
  if (steps[hi] === x) return values[hi];
  const f = (x - steps[lo]) / (steps[hi] - steps[lo]);
  return values[lo] + f * (values[hi] - values[lo]);
}

export function stepGrid(runs: readonly Series[], mode: GridMode = 'union', points = DEFAULT_GRID_POINTS): number[] {
  if (!Number.isSafeInteger(points) || points < 1) throw new StatsInputError(`grid points must be an integer >= 1, got ${points}`);
  const cleaned = runs.map(cleanSeries).filter((s) => s.steps.length > 0);
  if (cleaned.length === 0) return [];
  if (mode === 'uniform') {
    const lo = Math.min(...cleaned.map((s) => s.steps[0]));
    const hi = Math.max(...cleaned.map((s) => s.steps[s.steps.length - 1]));
    if (lo === hi || points === 1) return [lo];
    return Array.from({ length: points }, (_, i) => (i === points - 1 ? hi : lo + ((hi - lo) * i) / (points - 1)));
  }
  const all = Float64Array.from(cleaned.flatMap((s) => s.steps)).sort();
  const uniq: number[] = [];
  for (const x of all) if (uniq.length === 0 || uniq[uniq.length - 1] !== x) uniq.push(x);
  if (uniq.length <= points) return uniq;
  if (points === 1) return [uniq[uniq.length - 1]];
  const out: number[] = [];
  for (let i = 0; i < points; i++) {
    const v = uniq[Math.round((i * (uniq.length - 1)) / (points - 1))];
    if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

export interface CurveOptions extends BootstrapOptions, StatOptions {
  stat?: StatName;
  grid?: GridMode;
  /** Maximum (union) or exact (uniform) number of grid points. Default 200. */
  points?: number;
  /** Explicit grid; overrides `grid` and `points`. */
  steps?: readonly number[];
  smooth?: Smoothing | string;
  /** Grid points with fewer contributing runs get NaN estimates. Default 1. */
  minRuns?: number;
}

/**
 * Why a band has zero width at a grid point: every contributing run has the same value there
 * (`all-equal`); for the optimality gap, every run is at or above γ, so every shortfall is 0
 * (`all-reached`); or the values differ but every resample gave the same statistic (`resamples`).
 */
export type BandZeroWidthCause = 'all-equal' | 'all-reached' | 'resamples';

/** A stretch of consecutive grid points with a zero-width band, the same cause and the same number of runs. */
export interface ZeroWidthSpan {
  /** Grid indices of its first and last point (inclusive). */
  first: number;
  last: number;
  /** Their steps (or seconds, on a wall-time axis). */
  from: number;
  to: number;
  /** Contributing runs at each of its points. */
  n: number;
  cause: BandZeroWidthCause;
}

export interface AggregatedCurve {
  steps: number[];
  /** Contributing runs per grid point. */
  n: number[];
  estimate: number[];
  low: number[];
  high: number[];
  /** Where the band (two or more runs) has zero width, in grid order; empty when it has width everywhere. */
  zeroWidth: ZeroWidthSpan[];
}

/** The span that holds grid point `i`, or null. */
export function zeroWidthSpanAt(curve: Pick<AggregatedCurve, 'zeroWidth'>, i: number): ZeroWidthSpan | null {
  return curve.zeroWidth.find((z) => i >= z.first && i <= z.last) ?? null;
}

export function aggregateCurves(runs: readonly Series[], opts: CurveOptions = {}): AggregatedCurve {
  const smoothing = opts.smooth ?? 'none';
  const prepared = runs.map((r) => smoothSeries({ steps: r.steps, values: r.values }, smoothing));
  const steps = opts.steps ? [...opts.steps] : stepGrid(prepared, opts.grid ?? 'union', opts.points ?? DEFAULT_GRID_POINTS);
  const statName = opts.stat ?? 'iqm';
  statFunction(statName, opts); // validates the name and threshold before any work
  const minRuns = opts.minRuns ?? 1;
  // Validate ci/reps once up front rather than at the first covered point.
  const base = resolveBootstrap(opts);
  const root = new Rng(opts.seed ?? 0);
  const out: AggregatedCurve = { steps, n: [], estimate: [], low: [], high: [], zeroWidth: [] };
  const gamma = opts.threshold ?? 1;
  const markZeroWidth = (i: number, col: readonly number[][]): void => {
    const v0 = col[0][0];
    const cause: BandZeroWidthCause | null = col.every(([v]) => v === v0)
      ? 'all-equal'
      : statName === 'optimality-gap' && col.every(([v]) => v >= gamma)
        ? 'all-reached'
        : // One resample (a caller that draws no band) is no interval, so its single value says nothing.
          base.reps >= 2
          ? 'resamples'
          : null;
    if (cause === null) return;
    const prev = out.zeroWidth[out.zeroWidth.length - 1];
    if (prev && prev.last === i - 1 && prev.cause === cause && prev.n === col.length) {
      prev.last = i;
      prev.to = steps[i];
    } else out.zeroWidth.push({ first: i, last: i, from: steps[i], to: steps[i], n: col.length, cause });
  };
  steps.forEach((x, i) => {
    const col: number[][] = [];
    for (const r of prepared) {
      const v = interpolateAt(r, x);
      if (!Number.isNaN(v)) col.push([v]);
    }
    out.n.push(col.length);
    if (col.length === 0 || col.length < minRuns) {
      out.estimate.push(NaN);
      out.low.push(NaN);
      out.high.push(NaN);
      return;
    }
    // A stream per grid index: a point's interval does not depend on how many points precede it.
    const r = aggregateWithCI(col, statName, { ci: base.ci, reps: base.reps, rng: root.fork(i), threshold: opts.threshold });
    out.estimate.push(r.estimate);
    // One run is a value, not an interval: a zero-width band there would claim a certainty it cannot give.
    out.low.push(col.length < 2 ? NaN : r.ci[0]);
    out.high.push(col.length < 2 ? NaN : r.ci[1]);
    if (col.length >= 2 && Number.isFinite(r.ci[0]) && r.ci[0] === r.ci[1]) markZeroWidth(i, col);
  });
  return out;
}
