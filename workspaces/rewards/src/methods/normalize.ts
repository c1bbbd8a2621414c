// Running reward normalisation.
// Paper: "Implementation Matters in Deep Policy Gradients: A Case Study on PPO and TRPO", L. Engstrom et al.,
// ICLR 2020, arXiv:2005.12729 (reward scaling by the std of a running discounted return, as in OpenAI
// baselines' VecNormalize and Gymnasium's NormalizeReward).
// Statistics are updated with the value first, then used (so the first value is divided by √ε-ish, not 0);
// parallel Welford update, so the mean/var are exact for any number of samples.
import { defineTransform } from '../method';
import { normalizeSchema } from '@creditlab/spec';

export interface RunningStats {
  count: number;
  mean: number;
  /** Population variance (divides by count). */
  var: number;
}

export const emptyStats = (): RunningStats => ({ count: 0, mean: 0, var: 0 });

/** Stats after one more value (pure). */
export function updateStats(s: RunningStats, x: number): RunningStats {
  const count = s.count + 1;
  const delta = x - s.mean;
  const mean = s.mean + delta / count;
  const m2 = s.var * s.count + delta * (x - mean);
  return { count, mean, var: m2 / count };
}

export interface NormalizeOptions {
  /** "reward": statistics of the rewards; "return": of the discounted return G ← γG + r (reset at episode end). */
  target: 'reward' | 'return';
  gamma: number;
  /** Subtract the mean too (off by default: shifting a reward changes what termination is worth). */
  center: boolean;
  epsilon: number;
}

export interface Normalizer {
  stats: RunningStats;
  ret: number;
}

/** One normalisation step (pure): the normalised reward and the next state. */
export function normalizeStep(n: Normalizer, r: number, done: boolean, o: NormalizeOptions): { value: number; next: Normalizer } {
  const ret = o.target === 'return' ? o.gamma * n.ret + r : r;
  const stats = updateStats(n.stats, ret);
  const value = ((o.center ? r - stats.mean : r) / Math.sqrt(stats.var + o.epsilon));
  return { value, next: { stats, ret: done ? 0 : ret } };
}

/** Normalises a sequence of rewards (dones[i]: episode ended at step i), statistics carried along. */
export function normalizeRewards(rs: readonly number[], dones: readonly boolean[], o: NormalizeOptions): number[] {
  let n: Normalizer = { stats: emptyStats(), ret: 0 };
  return rs.map((r, i) => {
    const step = normalizeStep(n, r, dones[i] ?? false, o);
    n = step.next;
    return step.value;
  });
}

export const normalizeTransform = defineTransform({
  type: 'normalize',
  title: 'Running normalisation',
  paper: 'Engstrom et al., "Implementation Matters in Deep Policy Gradients", arXiv:2005.12729',
  doc:
    'Divides the reward by the running std of the discounted return (target "return", as Gymnasium\'s NormalizeReward) or of the reward itself; ' +
    'optionally subtracts the running mean. Statistics are per env copy and include the current step.',
  template: 'transform/normalize',
  schema: normalizeSchema,
  create(p) {
    let n: Normalizer = { stats: emptyStats(), ret: 0 };
    return {
      apply(v, s) {
        const step = normalizeStep(n, v.outcome + v.dense, s.terminated || s.truncated, p);
        n = step.next;
        return { outcome: 0, dense: step.value };
      },
      saveState: () => n,
      loadState(s) {
        n = s as Normalizer;
      },
    };
  },
});
