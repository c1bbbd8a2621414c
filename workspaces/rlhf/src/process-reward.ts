// On Designing Effective RL Reward at Training Time for LLM Reasoning — Gao et al., arXiv:2410.15115.
// Refinements of a process reward model's per-step scores r_p(1..K) (docs/methods.md §1):
//   PR          r_k = r_p(k)
//   Clip(η)     r_k = min(r_p(k) − η, 0)                     every term ≤ 0, so no trajectory beats Correct
//   Delta       r_k = r_p(k) − r_p(k+1) (k ≤ K−2), r_{K−1} = r_p(K−1), r_K = 0   telescopes to r_p(t)
//   Clip-Delta  Delta applied to the clipped scores
// The refinements themselves come from @creditlab/rewards (shared with the RL suite); what is specific to
// language models is mapping steps onto tokens.
//
// Placement (the token that is paid r_k) is explicit because it decides whether Delta is hackable under
// token-level returns-to-go (docs/methods.md §11):
//   'step'       r_k at the last token of step k (the literal reading). Delta's r_k uses r_p(k+1), so the
//                tokens of step k+1 still see +α·r_p(k+1) ahead of them while an answer sees 0: one more
//                step always beats answering, and Delta is farmed almost like raw PR.
//   'next-step'  r_k at the last token of step k+1, the first token at which it is computable; the last
//                step's term stays on its own last token. Then every suffix sum is causal and bounded.
//   'auto'       'next-step' for Delta and Clip-Delta, 'step' for PR and Clip (their r_k is computable at k).

import { processClip, processDelta } from '@creditlab/rewards/methods/process';

export type ProcessRewardType = 'success' | 'pr' | 'clip' | 'delta' | 'clip-delta';
export type Placement = 'step' | 'next-step' | 'auto';

export const clipRewards = (rp: readonly number[], eta: number): number[] => processClip(rp, eta);
export const deltaRewards = (rp: readonly number[]): number[] => processDelta(rp);

/** Per-step refined rewards (before the weight α); all zeros for 'success'. */
export function refineStepRewards(rp: readonly number[], type: ProcessRewardType, eta = 0): number[] {
  switch (type) {
    case 'success':
      return rp.map(() => 0);
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

export function resolvePlacement(type: ProcessRewardType, placement: Placement): 'step' | 'next-step' {
  if (placement !== 'auto') return placement;
  return type === 'delta' || type === 'clip-delta' ? 'next-step' : 'step';
}

/**
 * Token rewards of one response: α·r_k at the token the placement names, plus `success` on the last token.
 * `stepEnds[k]` is the response index of step k's last token (its delimiter).
 */
export function tokenRewards(opts: {
  length: number;
  stepEnds: readonly number[];
  stepRewards: readonly number[];
  placement: 'step' | 'next-step';
  alpha: number;
  success: number;
}): number[] {
  const r = new Array<number>(opts.length).fill(0);
  const K = opts.stepEnds.length;
  for (let k = 0; k < K; k++) {
    const at = opts.placement === 'next-step' && k + 1 < K ? opts.stepEnds[k + 1] : opts.stepEnds[k];
    r[at] += opts.alpha * opts.stepRewards[k];
  }
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
