// Count-based exploration bonus β/√N(s′) over a discretised state.
// Paper: "An Analysis of Model-Based Interval Estimation for Markov Decision Processes", A. L. Strehl &
// M. L. Littman, J. Comput. Syst. Sci. 2008 (the β/√n bonus, MBIE-EB); in deep RL via "#Exploration: A Study
// of Count-Based Exploration for Deep Reinforcement Learning", H. Tang et al., arXiv:1611.04717.
// Not potential-based: the bonus fades as counts grow, so it biases early behaviour, not the limit.
import { defineShaping } from '../method';
import { countSchema } from '@creditlab/spec';

/** The cell of an observation: each entry floored to a multiple of `cell`. */
export function cellKey(obs: ArrayLike<number>, cell: number): string {
  let key = '';
  for (let i = 0; i < obs.length; i++) key += (i ? ',' : '') + Math.floor(obs[i] / cell);
  return key;
}

/** Bonus for each visited state in order, counts starting from `counts` (mutated): β/√N after the visit. */
export function countBonus(states: readonly ArrayLike<number>[], opts: { beta: number; cell: number }, counts = new Map<string, number>()): number[] {
  return states.map((s) => {
    const key = cellKey(s, opts.cell);
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return opts.beta / Math.sqrt(n);
  });
}

export const countShaping = defineShaping({
  type: 'count',
  title: 'Count-based exploration bonus',
  paper: 'Strehl & Littman 2008 (MBIE-EB); Tang et al., "#Exploration", arXiv:1611.04717',
  doc:
    'Adds β/√N(s′), where N counts visits to the next state\'s cell (each observation entry floored to a multiple of "cell"). ' +
    'Counts persist across episodes and are shared by the env copies of a run. Not potential-based.',
  template: 'shaping/count',
  schema: countSchema,
  create(p, ctx) {
    const key = `count:${ctx.name}`;
    let counts = ctx.shared.get(key) as Map<string, number> | undefined;
    if (!counts) ctx.shared.set(key, (counts = new Map()));
    const c = counts;
    return { step: (s) => countBonus([s.nextObs], p, c)[0] };
  },
});
