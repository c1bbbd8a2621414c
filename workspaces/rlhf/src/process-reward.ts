// On Designing Effective RL Reward at Training Time for LLM Reasoning — Gao et al., arXiv:2410.15115.
// Refinements of a process reward model's per-step scores r_p(1..K) (docs/methods.md §1; the answer segment is step K):
//   PR          r_k = r_p(k)
//   Clip(η)     r_k = min(r_p(k) − η, 0)                     every term ≤ 0, so no trajectory beats Correct
//   Delta       r_k = r_p(k) − r_p(k+1) (k ≤ K−2), r_{K−1} = r_p(K−1), r_K = 0   telescopes to r_p(t)
//   Clip-Delta  Delta applied to the clipped scores c_k = min(r_p(k) − η, 0)
// plus a control that is not in the paper:
//   first-step  r_1 = r_p(1), nothing else: the process reward's signal on the first step and no other.
// The refinements themselves come from @creditlab/rewards (shared with the RL suite); what is specific to
// language models is mapping steps onto tokens. Under token-level returns-to-go (RLOO, or PPO with GAE at
// λ = 1) the tokens of step j are credited with everything paid from step j on, so WHERE r_k is paid
// decides what each step is credited with. Writing s_j for the refined score of step j (r_p(j) for Delta,
// c_j for Clip-Delta), the three placements of Delta and Clip-Delta give the tokens of step j:
//   'literal'   r_k at the last token of step k, as the paper writes it. Step j < K sees α·s_j + Correct,
//               the answer segment sees only Correct (its score is dropped). So after a correct step,
//               writing one more correct step (α·s + Correct) beats answering (Correct): Delta is farmed by
//               restating steps, and Clip-Delta, whose s_j ≤ 0, learns to answer early instead.
//   'lagged'    r_k at the last token of step k+1 (the first token where it is computable; the last term
//               stays on the last token). Step j ≥ 1 sees α·s_{j−1} + Correct: the score of the PREVIOUS
//               step, fixed before step j is sampled, so the process reward's expected policy gradient is
//               zero on every step but the first. It is not hacked because it discards the dense signal:
//               in expectation it is success-only plus a first-step reward (the `first-step` control).
//   'own-step'  the answer segment is scored like any other step (Delta over r_p(1..K) with a zero after
//               the answer), r_k at the last token of step k. Step j sees α·s_j + Correct for every j,
//               the answer included: answering correctly (α·s_K + 1) and writing one more correct step
//               and then answering (α·s_j + 1) compare on equal terms, so length earns nothing, while each
//               step is still credited with its own score. This is a credit-assignment reading, not the
//               gradient of one fixed scalar objective: r_k is paid before r_p(k+1) is known, so it fits
//               returns-to-go learners that see the whole response, never an online one.
// PR and Clip pay r_k at step k ('literal') or one step later ('lagged'); their r_k needs only step k, and
// step j sees α·Σ_{k ≥ j} r_k + Correct (for PR a sum of future scores: the hack). 'auto' is 'own-step' for
// Delta and Clip-Delta and 'literal' otherwise.

import { processClip, processDelta } from '@creditlab/rewards';

export type ProcessRewardType = 'success' | 'pr' | 'clip' | 'delta' | 'clip-delta' | 'first-step';
export type Placement = 'literal' | 'lagged' | 'own-step';

export const clipRewards = (rp: readonly number[], eta: number): number[] => processClip(rp, eta);
export const deltaRewards = (rp: readonly number[]): number[] => processDelta(rp);

const isDelta = (type: ProcessRewardType) => type === 'delta' || type === 'clip-delta';

/** Per-step refined rewards r_k (before the weight α) as the paper defines them; all zeros for 'success'. */
export function refineStepRewards(rp: readonly number[], type: ProcessRewardType, eta = 0): number[] {
  switch (type) {
    case 'success':
      return rp.map(() => 0);
    case 'first-step':
      return rp.map((r, k) => (k === 0 ? r : 0));
    case 'pr':
      return [...rp];
    case 'clip':
      return clipRewards(rp, eta);
    case 'delta':
      return deltaRewards(rp);
    case 'clip-delta':
      return deltaRewards(clipRewards(rp, eta));
  }
}

export function resolvePlacement(type: ProcessRewardType, placement: Placement | 'auto'): Placement {
  if (placement === 'own-step' && !isDelta(type)) throw new Error(`placement "own-step" is defined for delta and clip-delta, not ${type}`);
  if (placement !== 'auto') return placement;
  return isDelta(type) ? 'own-step' : 'literal';
}

/**
 * What is paid at the end of each step (length K, before α) under a placement: the refined rewards moved
 * to the step where they are paid. Totals differ only for 'own-step', which keeps the answer's score.
 */
export function stepPayments(rp: readonly number[], type: ProcessRewardType, eta: number, placement: Placement): number[] {
  const K = rp.length;
  if (placement === 'own-step') {
    if (!isDelta(type)) throw new Error(`placement "own-step" is defined for delta and clip-delta, not ${type}`);
    const s = type === 'clip-delta' ? clipRewards(rp, eta) : [...rp];
    // Delta over the K scores followed by a phantom zero: the answer segment is an ordinary step.
    return deltaRewards([...s, 0]).slice(0, K);
  }
  const r = refineStepRewards(rp, type, eta);
  if (placement === 'literal' || type === 'first-step') return r;
  const out = new Array<number>(K).fill(0);
  r.forEach((x, k) => (out[Math.min(k + 1, K - 1)] += x));
  return out;
}

/**
 * Token rewards of one response: α·payments[k] at the last token of step k (`stepEnds[k]`, its delimiter),
 * plus `success` on the last token.
 */
export function tokenRewards(opts: { length: number; stepEnds: readonly number[]; payments: readonly number[]; alpha: number; success: number }): number[] {
  const r = new Array<number>(opts.length).fill(0);
  opts.stepEnds.forEach((end, k) => (r[end] += opts.alpha * opts.payments[k]));
  if (opts.length > 0) r[opts.length - 1] += opts.success;
  return r;
}

/** Σ_{t' ≥ t} γ^{t'−t} r_{t'} */
export function returnsToGo(r: readonly number[], gamma = 1): number[] {
  const out = new Array<number>(r.length);
  let acc = 0;
  for (let t = r.length - 1; t >= 0; t--) out[t] = acc = r[t] + gamma * acc;
  return out;
}
