// Positive scaling of the reward. Paper: Ng, Harada & Russell, "Policy Invariance Under Reward
// Transformations", ICML 1999 (not on arXiv): multiplying R by c > 0 keeps every optimal policy.
import { defineTransform } from '../method';
import { scaleSchema } from '@creditlab/spec';

export function scaleRewards(rs: readonly number[], factor: number): number[] {
  return rs.map((r) => r * factor);
}

export const scaleTransform = defineTransform({
  type: 'scale',
  title: 'Scale',
  paper: 'Ng, Harada & Russell, ICML 1999 (positive scaling preserves optimal policies)',
  doc: 'Multiplies the reward by a factor; with a positive factor the optimal policy is unchanged.',
  template: 'transform/scalar',
  schema: scaleSchema,
  // Linear, so both channels scale and a later Clip/Delta still sees the dense part on its own.
  create: (p) => ({ apply: (v) => ({ outcome: v.outcome * p.factor, dense: v.dense * p.factor }) }),
});
