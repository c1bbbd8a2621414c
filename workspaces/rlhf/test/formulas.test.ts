// The RLHF formulas against values worked out by hand from the papers' definitions (docs/methods.md §1, §4,
// §9). Every expected number is a literal with its arithmetic in the comment, never a call back into the
// implementation, so a wrong sign, index or constant in the code fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { clipRewards, deltaRewards, refineStepRewards, returnsToGo } from '../src/process-reward';
import { gae, grpoAdvantages, klPerToken, looBaseline, ppoClipLoss, rlooAdvantages } from '../src/advantages';
import { fixedMacros, macroGae } from '../src/macro';
import { ppoPolicyLoss } from '../src/losses';

const close = (a: readonly number[], b: readonly number[], tol = 1e-9) => {
  assert.equal(a.length, b.length, `length ${a.length} vs ${b.length}`);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `[${i}] ${x} vs ${b[i]}`));
};
const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// PRM step scores r_p(1..4) of one response (Gao et al., arXiv:2410.15115, §1 of docs/methods.md).
const rp = [0.7, 0.2, 0.4, 0.8];

test('Clip(η): r_k = min(r_p(k) − η, 0)', () => {
  // η = 0.5: min(0.2, 0) = 0, min(−0.3, 0) = −0.3, min(−0.1, 0) = −0.1, min(0.3, 0) = 0.
  close(clipRewards(rp, 0.5), [0, -0.3, -0.1, 0]);
  // η = 0: nothing is negative, so nothing is paid.
  close(clipRewards(rp, 0), [0, 0, 0, 0]);
});

test('Delta: r_k = r_p(k) − r_p(k+1) for k ≤ K−2, r_{K−1} = r_p(K−1), r_K = 0', () => {
  // 0.7 − 0.2 = 0.5, 0.2 − 0.4 = −0.2, r_3 = r_p(3) = 0.4, r_4 = 0.
  close(deltaRewards(rp), [0.5, -0.2, 0.4, 0]);
  // r_p(K) never enters: changing the last score changes nothing.
  close(deltaRewards([0.7, 0.2, 0.4, 0.1]), [0.5, -0.2, 0.4, 0]);
  // K = 1: the single step is the last, paid 0.
  close(deltaRewards([0.9]), [0]);
  // K = 2: r_1 = r_p(1) = 0.3, r_2 = 0.
  close(deltaRewards([0.3, 0.6]), [0.3, 0]);
});

test('Clip-Delta: Delta of the clipped scores; PR and success-only', () => {
  // Clipped (η 0.5): [0, −0.3, −0.1, 0] → 0 − (−0.3) = 0.3, −0.3 − (−0.1) = −0.2, r_3 = −0.1, 0.
  close(refineStepRewards(rp, 'clip-delta', 0.5), [0.3, -0.2, -0.1, 0]);
  close(refineStepRewards(rp, 'pr'), [0.7, 0.2, 0.4, 0.8]);
  close(refineStepRewards(rp, 'success'), [0, 0, 0, 0]);
});

test('returns-to-go G_t = Σ γ^(t′−t) r_t′', () => {
  // γ 0.5: G_2 = 3, G_1 = 2 + 0.5·3 = 3.5, G_0 = 1 + 0.5·3.5 = 2.75.
  close(returnsToGo([1, 2, 3], 0.5), [2.75, 3.5, 3]);
  close(returnsToGo([0, 0, 1]), [1, 1, 1]);
});

test('RLOO: r_i minus the mean of the other k−1 samples (Ahmadian et al., arXiv:2402.14740)', () => {
  // Group [1, 0, 0, 0]: baselines 0/3, 1/3, 1/3, 1/3; advantages 1, −1/3, −1/3, −1/3.
  close(looBaseline([1, 0, 0, 0], 4), [0, 1 / 3, 1 / 3, 1 / 3]);
  close(rlooAdvantages([1, 0, 0, 0], 4), [1, -1 / 3, -1 / 3, -1 / 3]);
  // Two groups of 2: [3, 1] → 3 − 1 = 2, 1 − 3 = −2; [0.5, 0.5] → 0, 0.
  close(rlooAdvantages([3, 1, 0.5, 0.5], 2), [2, -2, 0, 0]);
  assert.throws(() => looBaseline([1, 0, 0], 2), /groups of 2/);
});

test('GRPO: (r − group mean) / (Bessel std + 1e-4) (Shao et al., arXiv:2402.03300)', () => {
  // [1, 0, 0, 0]: mean 0.25; Bessel variance (0.5625 + 3·0.0625)/3 = 0.25, std 0.5.
  // 0.75/0.5001 = 1.4997000599880024, −0.25/0.5001 = −0.49990001999600077.
  close(grpoAdvantages([1, 0, 0, 0], 4), [1.4997000599880024, -0.4999000199960008, -0.4999000199960008, -0.4999000199960008], 1e-12);
  close(grpoAdvantages([1, 0, 0, 0], 4, 'group', 0), [1.5, -0.5, -0.5, -0.5]);
  // Equal rewards: no signal, no division blow-up.
  close(grpoAdvantages([1, 1, 1, 1], 4), [0, 0, 0, 0]);
  // Unscaled, two groups: [1, 0, 0, 0] and [0, 0, 0, 1], each mean 0.25.
  close(grpoAdvantages([1, 0, 0, 0, 0, 0, 0, 1], 4, 'none'), [0.75, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, 0.75]);
});

test('per-token KL estimators: k1 = log π − log π_ref, k3 = (ρ − 1) − log ρ with ρ = π_ref/π', () => {
  near(klPerToken(-0.5, -0.7, 'k1'), 0.2, 1e-12);
  near(klPerToken(-0.7, -0.5, 'k1'), -0.2, 1e-12);
  // log π = −1, log π_ref = −2: ρ = e^−1 = 0.36787944117144233, k3 = ρ − 1 + 1 = 0.36787944117144233.
  near(klPerToken(-1, -2, 'k3'), 0.36787944117144233, 1e-12);
  // log π = −2, log π_ref = −1: ρ = e = 2.718281828459045, k3 = e − 1 − 1 = 0.7182818284590451.
  near(klPerToken(-2, -1, 'k3'), 0.7182818284590451, 1e-12);
  near(klPerToken(-1, -1, 'k3'), 0, 1e-15);
  // log ρ clamped to −10 (OpenRLHF): e^−10 − 1 + 10 = 9.000045399929762.
  near(klPerToken(0, -20, 'k3'), 9.000045399929762, 1e-9);
});

test('GAE (Schulman et al., arXiv:1506.02438) with a terminal value of 0', () => {
  // r = [1, 0, 2], V = [0.5, 0.2, 0.1], γ 0.9, λ 0.8 (γλ = 0.72):
  // δ_2 = 2 − 0.1 = 1.9; δ_1 = 0 + 0.9·0.1 − 0.2 = −0.11; δ_0 = 1 + 0.9·0.2 − 0.5 = 0.68.
  // A_2 = 1.9; A_1 = −0.11 + 0.72·1.9 = 1.258; A_0 = 0.68 + 0.72·1.258 = 1.58576. Returns A + V.
  const g = gae([1, 0, 2], [0.5, 0.2, 0.1], 0.9, 0.8);
  close(g.advantages, [1.58576, 1.258, 1.9], 1e-12);
  close(g.returns, [2.08576, 1.458, 2.0], 1e-12);
  // λ = 0: one-step TD errors only.
  close(gae([1, 0], [0.5, 0.2], 1, 0).advantages, [0.7, -0.2], 1e-12);
});

test('MA-RLHF: GAE over macro steps (Chai et al., arXiv:2410.02743)', () => {
  // T = 5, n = 2: macros {0,1}, {2,3} and the last token alone {4}.
  assert.deepEqual(fixedMacros(5, 2), [[0, 1], [2, 3], [4]]);
  // r = [0, 0, 0, 0, 1], V = [0.1, 0.2, 0.3, 0.4, 0.5], equal weights: R = [0, 0, 1], V = [0.15, 0.35, 0.5].
  // γ 1, λ 0.5: A_2 = 1 − 0.5 = 0.5; A_1 = 0.5 − 0.35 + 0.5·0.5 = 0.4; A_0 = 0.35 − 0.15 + 0.5·0.4 = 0.4.
  const m = macroGae([0, 0, 0, 0, 1], [0.1, 0.2, 0.3, 0.4, 0.5], fixedMacros(5, 2), 1, 0.5);
  close(m.advantages, [0.4, 0.4, 0.4, 0.4, 0.5], 1e-12);
  close(m.returns, [0.55, 0.55, 0.75, 0.75, 1.0], 1e-12);
  // Token-level on the same data: δ = [0.1, 0.1, 0.1, 0.1, 0.5]; A_4 = 0.5, A_3 = 0.1 + 0.25 = 0.35,
  // A_2 = 0.1 + 0.175 = 0.275, A_1 = 0.1 + 0.1375 = 0.2375, A_0 = 0.1 + 0.11875 = 0.21875: the reward
  // decays faster per token than per macro, which is the horizon macros shorten.
  close(gae([0, 0, 0, 0, 1], [0.1, 0.2, 0.3, 0.4, 0.5], 1, 0.5).advantages, [0.21875, 0.2375, 0.275, 0.35, 0.5], 1e-12);
  // n = 1 macros are token-level PPO exactly.
  close(macroGae([0, 0, 0, 0, 1], [0.1, 0.2, 0.3, 0.4, 0.5], fixedMacros(5, 1), 1, 0.5).advantages, [0.21875, 0.2375, 0.275, 0.35, 0.5], 1e-12);
});

test('PPO clipped surrogate: value and gradient inside and outside the clip range', () => {
  // −min(ρA, clip(ρ, 1−ε, 1+ε)A), ε 0.2: ρ 1.5, A 1 → −min(1.5, 1.2) = −1.2; ρ 0.5, A −1 → −min(−0.5, −0.8) = 0.8.
  near(ppoClipLoss(1.5, 1, 0.2), -1.2, 1e-12);
  near(ppoClipLoss(0.5, -1, 0.2), 0.8, 1e-12);
  // Inside the range the unclipped term wins: ρ 1.1, A 2 → −2.2; ρ 1.5, A −1 → −min(−1.5, −1.2) = 1.5.
  near(ppoClipLoss(1.1, 2, 0.2), -2.2, 1e-12);
  near(ppoClipLoss(1.5, -1, 0.2), 1.5, 1e-12);
  // Tensor loss, one token, old log-prob 0: loss −ρA when unclipped, so d loss / d log π = −ρA;
  // clipped: constant, zero gradient.
  for (const [rho, A, want, grad] of [[1.5, 1, -1.2, 0], [0.5, -1, 0.8, 0], [1.1, 2, -2.2, -2.2], [1.5, -1, 1.5, 1.5]] as const) {
    const old = tf.tensor2d([[0]]);
    const adv = tf.tensor2d([[A]]);
    const mask = tf.tensor2d([[1]]);
    const f = (lp: tf.Tensor) => ppoPolicyLoss(lp as tf.Tensor2D, old, adv, mask, 0.2).loss;
    const lp = tf.tensor2d([[Math.log(rho)]]);
    near(f(lp).dataSync()[0], want, 1e-5);
    near(tf.grad(f)(lp).dataSync()[0], grad, 1e-5);
  }
});
