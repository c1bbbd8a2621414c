import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { clipRewards, deltaRewards, refineStepRewards, returnsToGo } from '../src/process-reward';
import { gae, grpoAdvantages, klPerToken, looBaseline, ppoClipLoss, rlooAdvantages } from '../src/advantages';
import { ppoPolicyLoss } from '../src/losses';

const close = (a: number[], b: number[], tol = 1e-9) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `[${i}] ${x} vs ${b[i]}`));
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const rp = [0.7, 0.2, 0.4, 0.8];

test('Clip / Delta / Clip-Delta fixtures (docs/methods.md §1)', () => {
  close(clipRewards(rp, 0.5), [0, -0.3, -0.1, 0]);
  assert.ok(Math.abs(sum(clipRewards(rp, 0.5)) + 1 - 0.6) < 1e-12);
  close(deltaRewards(rp), [0.5, -0.2, 0.4, 0]);
  assert.ok(Math.abs(sum(deltaRewards(rp)) + 1 - 1.7) < 1e-12);
  close(refineStepRewards(rp, 'clip-delta', 0.5), [0.3, -0.2, -0.1, 0]);
  assert.ok(Math.abs(sum(refineStepRewards(rp, 'clip-delta', 0.5)) + 1 - 1.0) < 1e-12);
  // Every Delta suffix sum from t ≤ K−1 is α·r_p(t) + Correct; r_p(K) is irrelevant; K = 1 gives Correct.
  const d = deltaRewards(rp);
  for (let t = 0; t < rp.length - 1; t++) assert.ok(Math.abs(sum(d.slice(t)) - rp[t]) < 1e-12);
  close(deltaRewards([0.7, 0.2, 0.4, 0.1]), d);
  close(deltaRewards([0.9]), [0]);
  // Clip: no positive term; duplicates with r_p ≥ η change nothing.
  assert.ok(clipRewards(rp, 0.5).every((x) => x <= 0));
  assert.equal(sum(clipRewards([...rp, 0.9, 0.6, 0.5], 0.5)), sum(clipRewards(rp, 0.5)));
  close(refineStepRewards(rp, 'pr'), rp);
  close(refineStepRewards(rp, 'success'), [0, 0, 0, 0]);
});

test('GRPO (Bessel std, pinned) and RLOO fixtures (docs/methods.md §9)', () => {
  close(grpoAdvantages([1, 0, 0, 0], 4), [1.5, -0.5, -0.5, -0.5].map((x) => (x * 0.5) / (0.5 + 1e-4)), 1e-12);
  close(grpoAdvantages([1, 0, 0, 0], 4, 'group', 0), [1.5, -0.5, -0.5, -0.5]);
  close(grpoAdvantages([1, 1, 1, 1], 4), [0, 0, 0, 0]);
  close(grpoAdvantages([1, 0, 0, 0, 0, 0, 0, 1], 4, 'none'), [0.75, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, 0.75]);
  const a = rlooAdvantages([1, 0, 0, 0], 4);
  close(a, [1, -1 / 3, -1 / 3, -1 / 3]);
  assert.ok(Math.abs(sum(a)) < 1e-12);
  close(looBaseline([1, 0, 0, 0], 4), [0, 1 / 3, 1 / 3, 1 / 3]);
});

test('PPO clip fixtures, scalar and tensor (with the ratio gradient)', () => {
  assert.ok(Math.abs(ppoClipLoss(1.5, 1, 0.2) - -1.2) < 1e-12);
  assert.ok(Math.abs(ppoClipLoss(0.5, -1, 0.2) - 0.8) < 1e-12);
  for (const [rho, A, want] of [[1.5, 1, -1.2], [0.5, -1, 0.8]] as const) {
    const old = tf.tensor2d([[0]]);
    const adv = tf.tensor2d([[A]]);
    const mask = tf.tensor2d([[1]]);
    const f = (lp: tf.Tensor) => ppoPolicyLoss(lp as tf.Tensor2D, old, adv, mask, 0.2).loss;
    const lp = tf.tensor2d([[Math.log(rho)]]);
    assert.ok(Math.abs(f(lp).dataSync()[0] - want) < 1e-6);
    assert.equal(tf.grad(f)(lp).dataSync()[0], 0, 'clipped: no gradient');
  }
});

test('per-token KL reward and GAE (docs/methods.md §9)', () => {
  const logp = [-0.5, -1.2, -0.1];
  const ref = [-0.7, -1.0, -0.3];
  const beta = 0.1, rm = 2;
  const r = logp.map((l, t) => -beta * klPerToken(l, ref[t], 'k1') + (t === 2 ? rm : 0));
  assert.ok(Math.abs(sum(r) - (rm - beta * sum(logp.map((l, t) => l - ref[t])))) < 1e-12);
  const { advantages, returns } = gae(r, [0, 0, 0], 1, 1);
  close(advantages, returnsToGo(r));
  close(returns, returnsToGo(r));
  assert.equal(klPerToken(-1, -1, 'k3'), 0);
  assert.ok(klPerToken(-1, -2, 'k3') > 0 && klPerToken(-2, -1, 'k3') > 0);
  // GAE λ=0: one-step TD errors.
  close(gae([1, 0], [0.5, 0.2], 1, 0).advantages, [1 + 0.2 - 0.5, 0 - 0.2]);
});
