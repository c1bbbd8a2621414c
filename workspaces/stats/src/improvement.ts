// Average probability of improvement (Agarwal et al., NeurIPS 2021, arXiv:2108.13264, §5): for each task
// the Mann–Whitney U statistic over all (x, y) run pairs, ties counting ½, normalised by Nx·Ny and then
// averaged over tasks. It says how likely a run of X beats a run of Y, not by how much.
import type { Rng } from '@creditlab/common';
import { checkMatrix } from './aggregate';
import { percentileInterval, resolveBootstrap, stratifiedResample } from './bootstrap';
import { StatsInputError } from './errors';
import type { BootstrapOptions, IntervalEstimate, ScoreMatrix } from './types';

/** P(X > Y) averaged over tasks; X and Y may have different numbers of runs but must share tasks. */
export function probabilityOfImprovement(x: ScoreMatrix, y: ScoreMatrix): number {
  const m = checkMatrix(x);
  if (checkMatrix(y) !== m) {
    throw new StatsInputError(`X has ${m} tasks but Y has ${y[0].length}; probability of improvement compares task by task`);
  }
  let total = 0;
  for (let t = 0; t < m; t++) {
    let u = 0;
    for (const rx of x) {
      const a = rx[t];
      for (const ry of y) {
        const b = ry[t];
        if (a > b) u += 1;
        else if (a === b) u += 0.5;
      }
    }
    total += u / (x.length * y.length);
  }
  return total / m;
}

/**
 * P(X > Y) with a percentile interval. X and Y are resampled independently (they are different sets of
 * runs), each stratified by task, as rliable's StratifiedIndependentBootstrap does. `n` is X's run count.
 */
export function probabilityOfImprovementWithCI(
  x: ScoreMatrix,
  y: ScoreMatrix,
  opts: BootstrapOptions & { rng?: Rng } = {},
): IntervalEstimate {
  const estimate = probabilityOfImprovement(x, y);
  const { ci, reps, rng } = resolveBootstrap(opts);
  const draws = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    draws[r] = probabilityOfImprovement(stratifiedResample(x, rng), stratifiedResample(y, rng));
  }
  return { estimate, ci: percentileInterval(draws, ci), n: x.length };
}
