// Per-arm intervals as `creditlab compare` and the workbench's comparison view both show them (Agarwal et
// al., "Deep Reinforcement Learning at the Edge of the Statistical Precipice", NeurIPS 2021,
// arXiv:2108.13264): an arm's aggregate over its runs with a percentile-bootstrap interval, and the
// probability that a run of one arm beats a run of another. Each bootstrap stream is keyed by the arm's
// name (or the two names) under one seed, so adding or reordering arms leaves an arm's interval unchanged
// and the CLI and the view, which both call these, print the same digits for the same runs.
import { Rng } from '@creditlab/common';
import { column, type StatName } from './aggregate';
import { aggregateWithCI, DEFAULT_CI, DEFAULT_REPS } from './bootstrap';
import { probabilityOfImprovementWithCI } from './improvement';
import { percentileIntervalLabel } from './paired';
import type { IntervalEstimate } from './types';

export interface ArmIntervalOptions {
  ci?: number;
  reps?: number;
  /** Root seed of every arm's stream. Default 0. */
  seed?: number;
  /** γ of the optimality gap. */
  threshold?: number;
}

export interface ArmInterval extends IntervalEstimate {
  /** How the interval was made, or why there is none. */
  method: string;
}

/**
 * `stat` over one arm's run scores with its percentile-bootstrap interval. One run gives no interval (NaN
 * bounds): resampling a single value only returns it, and a zero-width "95 %" interval would claim a
 * certainty one run cannot give.
 */
export function armInterval(arm: string, scores: readonly number[], stat: StatName, opts: ArmIntervalOptions = {}): ArmInterval {
  const ci = opts.ci ?? DEFAULT_CI;
  const reps = opts.reps ?? DEFAULT_REPS;
  const est = aggregateWithCI(column([...scores]), stat, { ci, reps, threshold: opts.threshold, rng: new Rng(opts.seed ?? 0).fork(`arm:${arm}`) });
  const method = percentileIntervalLabel(scores.length, ci, reps);
  return scores.length < 2 ? { ...est, ci: [NaN, NaN], method } : { ...est, method };
}

/** P(a run of `arm` beats a run of `vs`) with its percentile interval (runs of the two arms resampled independently). */
export function armImprovement(arm: string, scores: readonly number[], vs: string, vsScores: readonly number[], opts: Omit<ArmIntervalOptions, 'threshold'> = {}): IntervalEstimate {
  return probabilityOfImprovementWithCI(column([...scores]), column([...vsScores]), {
    ci: opts.ci ?? DEFAULT_CI,
    reps: opts.reps ?? DEFAULT_REPS,
    rng: new Rng(opts.seed ?? 0).fork(`poi:${arm}>${vs}`),
  });
}
