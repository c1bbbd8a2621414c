// Clip the reward to a range. Popularised for DQN on Atari: "Human-level control through deep
// reinforcement learning", V. Mnih et al., Nature 2015 (arXiv:1312.5602 for its workshop precursor).
// Unlike scaling it can change the optimal policy: it erases differences in reward magnitude.
import { RewardError } from '../errors';
import { defineTransform } from '../method';
import { clipSchema } from '@creditlab/spec';

export function clipRewards(rs: readonly number[], min: number, max: number): number[] {
  return rs.map((r) => Math.min(max, Math.max(min, r)));
}

export const clipTransform = defineTransform({
  type: 'clip',
  title: 'Clip to range',
  paper: 'Mnih et al., "Playing Atari with Deep Reinforcement Learning", arXiv:1312.5602',
  doc: 'Clamps the reward to [min, max] (default [−1, 1], as DQN on Atari). Can change the optimal policy.',
  template: 'transform/range',
  schema: clipSchema,
  create(p) {
    if (p.min > p.max) throw new RewardError(`clip: min ${p.min} > max ${p.max}`, { kind: 'config' });
    return { apply: (v) => ({ outcome: 0, dense: clipRewards([v.outcome + v.dense], p.min, p.max)[0] }) };
  },
});
