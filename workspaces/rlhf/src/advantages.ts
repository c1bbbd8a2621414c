// Advantage estimators and KL penalties of the token-level RLHF algorithms (docs/methods.md §9):
//   Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human Feedback in LLMs —
//     Ahmadian et al., arXiv:2402.14740 (RLOO; leave-one-out baseline of Kool et al. 2019)
//   DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models — Shao et al.,
//     arXiv:2402.03300 (GRPO)
//   Proximal Policy Optimization Algorithms — Schulman et al., arXiv:1707.06347; GAE: arXiv:1506.02438;
//     per-token KL penalty as in Ziegler et al., arXiv:1909.08593
// Conventions pinned here: GRPO divides by the Bessel (N−1) group std + 1e-4, as TRL does; RLOO is
// r_i − mean of the other k−1 samples; k3 is clamped to ±10 as OpenRLHF does.

export const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function std(xs: readonly number[], bessel = true): number {
  const n = xs.length;
  if (n < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (bessel ? n - 1 : n));
}

/** Consecutive groups of `k` (samples of one prompt are adjacent). */
function groups(xs: readonly number[], k: number): number[][] {
  if (xs.length % k !== 0) throw new Error(`${xs.length} rewards do not split into groups of ${k}`);
  const out: number[][] = [];
  for (let i = 0; i < xs.length; i += k) out.push(xs.slice(i, i + k));
  return out;
}

/** Mean of the other samples of the same prompt. */
export function looBaseline(rewards: readonly number[], k: number): number[] {
  if (k < 2) throw new Error('a leave-one-out baseline needs at least 2 samples per prompt');
  return groups(rewards, k).flatMap((g) => {
    const s = g.reduce((a, b) => a + b, 0);
    return g.map((r) => (s - r) / (k - 1));
  });
}

export function rlooAdvantages(rewards: readonly number[], k: number): number[] {
  const b = looBaseline(rewards, k);
  return rewards.map((r, i) => r - b[i]);
}

export type GroupScale = 'group' | 'batch' | 'none';

/** GRPO outcome advantages (r − group mean) / (std + eps), Bessel std; 'batch' takes the std over the whole batch. */
export function grpoAdvantages(rewards: readonly number[], k: number, scale: GroupScale = 'group', eps = 1e-4): number[] {
  const gs = groups(rewards, k);
  const batchStd = std(rewards);
  return gs.flatMap((g) => {
    const m = mean(g);
    const s = scale === 'group' ? std(g) : scale === 'batch' ? batchStd : null;
    return g.map((r) => (s === null ? r - m : (r - m) / (s + eps)));
  });
}

export type KlEstimator = 'k1' | 'k3';

/** Per-token KL estimate from d = log π − log π_ref. */
export function klPerToken(logp: number, logpRef: number, est: KlEstimator): number {
  const d = logp - logpRef;
  if (est === 'k1') return d;
  const c = Math.max(-10, Math.min(10, -d));
  return Math.exp(c) - 1 - c;
}

/** GAE over one trajectory; V after the last token is 0 (terminal). Returns advantages and returns A + V. */
export function gae(rewards: readonly number[], values: readonly number[], gamma: number, lambda: number): { advantages: number[]; returns: number[] } {
  const T = rewards.length;
  const adv = new Array<number>(T);
  let last = 0;
  for (let t = T - 1; t >= 0; t--) {
    const next = t + 1 < T ? values[t + 1] : 0;
    const delta = rewards[t] + gamma * next - values[t];
    adv[t] = last = delta + gamma * lambda * last;
  }
  return { advantages: adv, returns: adv.map((a, t) => a + values[t]) };
}

/** PPO's clipped surrogate for one token, as a loss (to be minimised). */
export function ppoClipLoss(ratio: number, adv: number, eps: number): number {
  return -Math.min(ratio * adv, Math.max(1 - eps, Math.min(1 + eps, ratio)) * adv);
}

/** Whitening over a flat list (PPO's advantage normalisation); shift keeps the mean when false. */
export function whiten(xs: readonly number[], shiftMean = true): number[] {
  const m = mean(xs);
  const s = std(xs, false);
  return xs.map((x) => (x - m) / (s + 1e-8) + (shiftMean ? 0 : m));
}
