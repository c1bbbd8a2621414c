// Per-run score extraction: turns one run's learning curve into the single number that rliable-style
// aggregates (Agarwal et al., NeurIPS 2021, arXiv:2108.13264) operate on.
import { StatsInputError } from './errors';
import type { Series } from './types';

/**
 * Sorts a series by step, drops points whose step or value is not finite, and keeps the LAST value
 * logged at a repeated step. Resumed runs re-log steps, and a NaN from a diverged update must not turn
 * a whole score into NaN; callers who need to know about dropped points compare lengths.
 */
export function cleanSeries(s: Series): Series {
  if (s.steps.length !== s.values.length) {
    throw new StatsInputError(`series has ${s.steps.length} steps but ${s.values.length} values`);
  }
  const idx: number[] = [];
  for (let i = 0; i < s.steps.length; i++) {
    if (Number.isFinite(s.steps[i]) && Number.isFinite(s.values[i])) idx.push(i);
  }
  // Stable sort on step with the original index as tie-break, so "last logged wins" is well defined.
  idx.sort((a, b) => s.steps[a] - s.steps[b] || a - b);
  const steps: number[] = [];
  const values: number[] = [];
  for (const i of idx) {
    const st = s.steps[i];
    if (steps.length > 0 && steps[steps.length - 1] === st) values[values.length - 1] = s.values[i];
    else {
      steps.push(st);
      values.push(s.values[i]);
    }
  }
  return { steps, values };
}

export type ScoreAt =
  | { kind: 'last' }
  | { kind: 'mean-last'; k: number }
  | { kind: 'max' }
  | { kind: 'auc' }
  | { kind: 'first-above'; threshold: number };

const AT_HELP = 'expected last, mean-last:K (K a positive integer), max, auc or first-above:X';

/** Parses `last`, `mean-last:K`, `max`, `auc`; throws a StatsInputError that says what was expected. */
export function parseAt(text: string): ScoreAt {
  const t = text.trim();
  if (t === 'last' || t === 'max' || t === 'auc') return { kind: t };
  if (t.startsWith('mean-last')) {
    const m = /^mean-last:(\d+)$/.exec(t);
    if (!m) throw new StatsInputError(`bad score "${text}": mean-last needs a window, e.g. mean-last:10`);
    const k = Number(m[1]);
    if (!Number.isSafeInteger(k) || k < 1) {
      throw new StatsInputError(`bad score "${text}": K in mean-last:K must be an integer >= 1`);
    }
    return { kind: 'mean-last', k };
  }
  if (t.startsWith('first-above')) {
    const m = /^first-above:(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/i.exec(t);
    if (!m) throw new StatsInputError(`bad score "${text}": first-above needs a threshold, e.g. first-above:0.9`);
    return { kind: 'first-above', threshold: Number(m[1]) };
  }
  throw new StatsInputError(`bad score "${text}": ${AT_HELP}`);
}

export function formatAt(at: ScoreAt): string {
  if (at.kind === 'mean-last') return `mean-last:${at.k}`;
  if (at.kind === 'first-above') return `first-above:${at.threshold}`;
  return at.kind;
}

/**
 * One run's score. Non-finite points are ignored (see cleanSeries); a run with no finite point scores
 * NaN so that the caller decides, visibly, whether to drop it.
 *
 * `auc` is the trapezoid area over the logged steps divided by the step range, i.e. the step-weighted
 * mean of the curve, which keeps it on the metric's own scale and comparable across run lengths. With a
 * single point the range is zero and the score is that point's value.
 */
export function extractScore(series: Series, at: ScoreAt | string): number {
  const spec = typeof at === 'string' ? parseAt(at) : at;
  const { steps, values } = cleanSeries(series);
  const n = values.length;
  if (n === 0) return NaN;
  switch (spec.kind) {
    case 'last':
      return values[n - 1];
    case 'mean-last': {
      // A run shorter than K averages what it has rather than failing: short runs are still evidence.
      const from = Math.max(0, n - spec.k);
      let sum = 0;
      for (let i = from; i < n; i++) sum += values[i];
      return sum / (n - from);
    }
    case 'max': {
      let m = -Infinity;
      for (const v of values) if (v > m) m = v;
      return m;
    }
    case 'first-above': {
      // Steps to threshold (lower is better). A run that never gets there is censored at its last
      // logged step rather than dropped: dropping the failures would flatter the slow arm.
      for (let i = 0; i < n; i++) if (values[i] >= spec.threshold) return steps[i];
      return steps[n - 1];
    }
    case 'auc': {
      const range = steps[n - 1] - steps[0];
      if (range === 0) return values[0];
      let area = 0;
      for (let i = 1; i < n; i++) area += ((steps[i] - steps[i - 1]) * (values[i] + values[i - 1])) / 2;
      return area / range;
    }
  }
}

/**
 * Whether `at` censors this run: a `first-above:X` score of a run that never reaches X is its last logged
 * step, a lower bound on the steps it would need, and every aggregate over such runs is a lower bound too.
 */
export function isCensored(series: Series, at: ScoreAt | string): boolean {
  const spec = typeof at === 'string' ? parseAt(at) : at;
  if (spec.kind !== 'first-above') return false;
  const { values } = cleanSeries(series);
  return values.length > 0 && !values.some((v) => v >= spec.threshold);
}
