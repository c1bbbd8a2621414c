// Direct Preference Optimization: Your Language Model is Secretly a Reward Model — Rafailov et al., arXiv:2305.18290
// T-REG: Preference Optimization with Token-Level Reward Regularization — Zhou et al., arXiv:2412.02685
// From r to Q*: Your Language Model is Secretly a Q-Function — Rafailov et al., arXiv:2404.12358
// Pure formulas (docs/methods.md §2, §5). Sequence log-probabilities are sums of token log-probabilities.

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logSigmoid = (x: number) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Per-token implicit reward β·(log π − log π_ref) (§5); it sums to the sequence-level DPO reward. */
export function implicitTokenRewards(logp: readonly number[], logpRef: readonly number[], beta: number): number[] {
  return logp.map((l, t) => beta * (l - logpRef[t]));
}

/** −log σ(r_w − r_l) with r = β·log(π/π_ref) of the whole response; ln 2 when π = π_ref. */
export function dpoLoss(chosen: { logp: readonly number[]; ref: readonly number[] }, rejected: { logp: readonly number[]; ref: readonly number[] }, beta: number): number {
  const rw = sum(implicitTokenRewards(chosen.logp, chosen.ref, beta));
  const rl = sum(implicitTokenRewards(rejected.logp, rejected.ref, beta));
  return -logSigmoid(rw - rl);
}

/** T-REG token reward σ(log π(y_t|x⁺) − log π(y_t|x⁻)) − 0.5 ∈ (−0.5, 0.5), from contrastive conditioning. */
export function tregTokenRewards(logpPos: readonly number[], logpNeg: readonly number[]): number[] {
  return logpPos.map((l, t) => sigmoid(l - logpNeg[t]) - 0.5);
}

/** DPO's own gradient weight w = σ(r_l − r_w) (0.5 at initialisation), used to scale the regulariser. */
export const tregWeight = (rw: number, rl: number) => sigmoid(rl - rw);

/** Weighted NLL regulariser −β Σ_t r̂_t log π(y_t): raising log π on a token with r̂ > 0 lowers it. */
export function tregRegularizer(logp: readonly number[], tokenRewards: readonly number[], beta: number): number {
  return -beta * sum(logp.map((l, t) => tokenRewards[t] * l));
}

/** L = L_DPO + α·w·(L_REG(y_w) + L_REG(y_l)); α = 0 is plain DPO. */
export function tregLoss(
  chosen: { logp: readonly number[]; ref: readonly number[]; tokenRewards: readonly number[] },
  rejected: { logp: readonly number[]; ref: readonly number[]; tokenRewards: readonly number[] },
  beta: number,
  alpha: number,
): number {
  const rw = beta * (sum(chosen.logp) - sum(chosen.ref));
  const rl = beta * (sum(rejected.logp) - sum(rejected.ref));
  const reg = tregRegularizer(chosen.logp, chosen.tokenRewards, beta) + tregRegularizer(rejected.logp, rejected.tokenRewards, beta);
  return dpoLoss(chosen, rejected, beta) + alpha * tregWeight(rw, rl) * reg;
}
