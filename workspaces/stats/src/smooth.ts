// Per-run smoothing applied before aggregation, so curves and scores in Creditlab read like the
// TensorBoard plots researchers already know. Context: Agarwal et al., NeurIPS 2021, arXiv:2108.13264
// aggregate smoothed per-run curves; the EMA itself follows TensorBoard's scalar dashboard.
import { StatsInputError } from './errors';
import { cleanSeries } from './series';
import type { Series } from './types';

export type Smoothing = { kind: 'none' } | { kind: 'ema'; weight: number } | { kind: 'avg'; window: number };

const SMOOTH_HELP = 'expected none, ema:W (0 <= W < 1, e.g. ema:0.6) or avg:K (K an integer >= 1)';

export function parseSmoothing(text: string): Smoothing {
  const t = text.trim();
  if (t === 'none') return { kind: 'none' };
  const m = /^(ema|avg):(.+)$/.exec(t);
  if (!m) throw new StatsInputError(`bad smoothing "${text}": ${SMOOTH_HELP}`);
  const x = Number(m[2]);
  if (m[1] === 'ema') {
    // w = 1 would freeze the average at its zero initialisation; TensorBoard's slider stops below 1 too.
    if (!Number.isFinite(x) || x < 0 || x >= 1) throw new StatsInputError(`bad smoothing "${text}": EMA weight must be in [0, 1)`);
    return { kind: 'ema', weight: x };
  }
  if (!Number.isSafeInteger(x) || x < 1) throw new StatsInputError(`bad smoothing "${text}": window must be an integer >= 1`);
  return { kind: 'avg', window: x };
}

export function formatSmoothing(s: Smoothing): string {
  return s.kind === 'none' ? 'none' : s.kind === 'ema' ? `ema:${s.weight}` : `avg:${s.window}`;
}

/**
 * TensorBoard's debiased EMA. The accumulator starts at 0 and every finite value updates it as
 * last = w·last + (1 − w)·v; the output divides by 1 − w^n, n counting finite values so far, which removes
 * the pull towards the zero start. Weighting is per logged point, not per step: uneven logging intervals
 * are not compensated, exactly as in TensorBoard. Non-finite values are passed through unchanged and
 * neither update the accumulator nor count towards n.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight <= 1)) throw new StatsInputError(`EMA weight must be in [0, 1], got ${weight}`);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    const debias = weight === 1 ? 1 : 1 - Math.pow(weight, n);
    return last / debias;
  });
}

/**
 * Trailing running average over the last K finite values (fewer at the start, so the first points are not
 * dropped). Like the EMA it is per logged point, and non-finite values pass through without entering the
 * window.
 */
export function runningAverage(values: readonly number[], window: number): number[] {
  if (!Number.isSafeInteger(window) || window < 1) throw new StatsInputError(`window must be an integer >= 1, got ${window}`);
  const buf: number[] = [];
  let sum = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    buf.push(v);
    sum += v;
    if (buf.length > window) sum -= buf.shift()!;
    return sum / buf.length;
  });
}

/**
 * Smooths one run's series in step order. The series is cleaned first (sorted, non-finite points dropped,
 * repeated steps collapsed): both smoothers skip non-finite values without counting them, so dropping them
 * up front changes no finite output, and a store that returns rows out of order cannot scramble the EMA.
 */
export function smoothSeries<S extends Series>(s: S, how: Smoothing | string): S {
  const sm = typeof how === 'string' ? parseSmoothing(how) : how;
  const { steps, values } = cleanSeries(s);
  if (sm.kind === 'none') return { ...s, steps, values };
  const out = sm.kind === 'ema' ? emaSmooth(values, sm.weight) : runningAverage(values, sm.window);
  return { ...s, steps, values: out };
}
