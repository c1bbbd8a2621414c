// Log-sigmoid centring (LSC) and its sum as a logical AND.
// Paper: "Transforming and Combining Rewards for Aligning Large Language Models", Z. Wang, C. Nagpal,
// J. Berant, J. Eisenstein, A. D'Amour, S. Koyejo, V. Veitch, ICML 2024, arXiv:2402.00742. docs/methods.md §3.
// u = log σ(r − r_ref) is log P(output beats the reference) under Bradley–Terry; summing u over properties
// is log P(good on all of them), so one property's surplus cannot hide another's failure.
import { RewardError } from '../errors';
import { defineTransform } from '../method';
import { lscSchema, lscAndSchema } from '@creditlab/spec';

/** log σ(x), without overflow for large |x|. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** u = log σ(r − r_ref): always < 0, −ln 2 at r_ref, → 0 above it, ≈ r − r_ref far below it. */
export function lsc(r: number, ref: number): number {
  return logSigmoid(r - ref);
}

/** Σ_i log σ(r_i − ref_i): the log-probability of being good on every property ("AND"). */
export function lscAnd(rewards: readonly number[], refs: readonly number[]): number {
  if (rewards.length !== refs.length) throw new Error(`lscAnd: ${rewards.length} rewards but ${refs.length} references`);
  let u = 0;
  for (let i = 0; i < rewards.length; i++) u += logSigmoid(rewards[i] - refs[i]);
  return u;
}

/**
 * The q-quantile with linear interpolation between order statistics (NumPy's default, "type 7"):
 * position (n − 1)·q in the sorted sample.
 */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new Error('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (pos - lo) * (s[hi] - s[lo]);
}

/**
 * A per-prompt reference reward from base-policy samples. The 0.85 default follows an independent
 * reimplementation (mean + 1.0364·std, the normal 85th percentile); UNVERIFIED against the paper.
 */
export function lscReference(sampleRewards: readonly number[], q = 0.85): number {
  return quantile(sampleRewards, q);
}

const PAPER = 'Wang et al., "Transforming and Combining Rewards for Aligning Large Language Models", arXiv:2402.00742';

export const lscTransform = defineTransform({
  type: 'lsc',
  title: 'Log-sigmoid centring (LSC)',
  paper: PAPER,
  doc: 'Replaces the reward r by log σ(r − ref): saturating above ref, so gains go to poorly-scored behaviour. Always < 0.',
  template: 'transform/lsc',
  schema: lscSchema,
  create: (p) => ({ apply: (v) => ({ outcome: 0, dense: lsc(v.outcome + v.dense, p.ref) }) }),
});

export const lscAndTransform = defineTransform({
  type: 'lsc-and',
  title: 'LSC sum (logical AND of reward components)',
  paper: PAPER,
  doc:
    'Replaces the reward by Σ log σ(r_i − ref_i) over named components of this step: "env", "user", or a shaping term\'s name. ' +
    'The sum is the log-probability of being good on all of them.',
  template: 'transform/lsc-and',
  schema: lscAndSchema,
  create(p) {
    return {
      apply(_v, _s, parts) {
        let u = 0;
        for (const c of p.components) {
          const r = parts.get(c.of);
          if (r === undefined) throw new RewardError(`lsc-and component "${c.of}" is not a stage of this pipeline; known: ${[...parts.keys()].join(', ')}`, { kind: 'config' });
          u += logSigmoid(r - c.ref);
        }
        return { outcome: 0, dense: u };
      },
    };
  },
});
