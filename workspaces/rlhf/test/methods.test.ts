import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { dpoPairLoss } from '../src/losses';
import { delimiterMacros, fixedMacros, macroGae, perplexityMacros } from '../src/macro';
import { gae } from '../src/advantages';
import { dpoLoss, implicitTokenRewards, tregLoss, tregRegularizer, tregTokenRewards, tregWeight } from '../src/dpo';

const sizes = (ms: number[][]) => ms.map((m) => m.length);
const close = (a: number[], b: number[], tol = 1e-9) => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `[${i}] ${x} vs ${b[i]}`));

test('MA-RLHF segmentation fixtures (docs/methods.md §4)', () => {
  assert.deepEqual(sizes(fixedMacros(12, 5)), [5, 5, 1, 1]);
  assert.deepEqual(sizes(fixedMacros(10, 5)), [5, 4, 1]);
  assert.deepEqual(perplexityMacros([3, 2, 4, 1, 5]), [[0], [1, 2], [3], [4]]);
  // ';' = 16, '.' = 18 in the task's vocabulary: `8;11;A:11.` → `8;` `11;` `A:11` `.`
  const toks = [9, 16, 2, 2, 16, 17, 12, 2, 2, 18];
  assert.deepEqual(delimiterMacros(toks, [16, 18]), [[0, 1], [2, 3, 4], [5, 6, 7, 8], [9]]);
  const rng = new Rng(0);
  for (let i = 0; i < 50; i++) {
    const T = 1 + rng.int(30);
    for (const ms of [fixedMacros(T, 1 + rng.int(6)), perplexityMacros(Array.from({ length: T }, () => rng.next()))]) {
      assert.deepEqual(ms.flat(), Array.from({ length: T }, (_, t) => t), 'every token in exactly one macro, in order');
      assert.deepEqual(ms.at(-1), [T - 1]);
    }
  }
});

test('macro GAE with n = 1 and equal weights is token-level GAE', () => {
  const r = [0.1, -0.2, 0, 0.3, 1];
  const v = [0.5, 0.4, 0.2, 0.1, 0.3];
  const a = macroGae(r, v, fixedMacros(5, 1), 1, 0.95);
  const b = gae(r, v, 1, 0.95);
  close(a.advantages, b.advantages, 1e-12);
  close(a.returns, b.returns, 1e-12);
  const m = macroGae(r, v, fixedMacros(5, 2), 1, 1);
  assert.equal(m.advantages[0], m.advantages[1], 'tokens of one macro share its advantage');
});

test('DPO / T-REG / implicit reward fixtures (docs/methods.md §2, §5)', () => {
  const lp = [-0.3, -1.2, -0.7];
  const y = { logp: lp, ref: lp };
  const z = { logp: [-2, -0.1], ref: [-2, -0.1] };
  assert.ok(Math.abs(dpoLoss(y, z, 0.1) - Math.LN2) < 1e-12, 'ln 2 at initialisation');
  assert.equal(tregWeight(0, 0), 0.5);
  const ref = [-0.5, -1.0, -0.9];
  const ir = implicitTokenRewards(lp, ref, 0.1);
  assert.ok(Math.abs(ir.reduce((a, b) => a + b) - 0.1 * (lp.reduce((a, b) => a + b) - ref.reduce((a, b) => a + b))) < 1e-9);
  assert.deepEqual(implicitTokenRewards(lp, lp, 0.1), [0, 0, 0]);
  const pos = [-0.1, -3, -1], neg = [-2, -0.5, -1];
  const rh = tregTokenRewards(pos, neg);
  rh.forEach((x) => assert.ok(x > -0.5 && x < 0.5));
  assert.equal(rh[2], 0, 'equal log-probs give 0');
  close(tregTokenRewards(neg, pos), rh.map((x) => -x), 1e-15);
  const tr = [0.3, -0.2, 0.1];
  const up = [...lp];
  up[0] += 0.5;
  assert.ok(tregRegularizer(up, tr, 0.1) < tregRegularizer(lp, tr, 0.1), 'raising log π where r̂ > 0 lowers L_REG');
  const c = { logp: lp, ref, tokenRewards: tr }, rj = { logp: [-1, -1], ref: [-0.8, -1.1], tokenRewards: [0.1, -0.1] };
  assert.ok(Math.abs(tregLoss(c, rj, 0.1, 0) - dpoLoss(c, rj, 0.1)) < 1e-15, 'α = 0 is plain DPO');
});

test('DPO pair loss tensor: ln 2 at π = π_ref, equals the scalar formula, gradient raises the chosen', () => {
  // Rows: 0 chosen, 1 rejected, 2 unused; response log-probs with a mask.
  const logp = tf.tensor2d([[-0.3, -1.2, -0.7], [-2, -0.1, 0], [-1, -1, -1]]);
  const mask = tf.tensor2d([[1, 1, 1], [1, 1, 0], [1, 1, 1]]);
  const selW = tf.tensor2d([[1, 0, 0]]), selL = tf.tensor2d([[0, 1, 0]]);
  const at = (refW: number, refL: number) => dpoPairLoss(logp, mask, selW, selL, tf.tensor1d([refW]), tf.tensor1d([refL]), 0.1).loss.dataSync()[0];
  assert.ok(Math.abs(at(-2.2, -2.1) - Math.LN2) < 1e-6);
  const want = dpoLoss({ logp: [-0.3, -1.2, -0.7], ref: [-1, -1, -1] }, { logp: [-2, -0.1], ref: [-0.5, -0.5] }, 0.1);
  assert.ok(Math.abs(at(-3, -1) - want) < 1e-6);
  const g = tf.grad((lp: tf.Tensor) => dpoPairLoss(lp as tf.Tensor2D, mask, selW, selL, tf.tensor1d([-2.2]), tf.tensor1d([-2.1]), 0.1).loss)(logp).arraySync() as number[][];
  assert.ok(g[0].every((x) => x < 0), 'descending the loss raises log π of the chosen');
  assert.ok(g[1][0] > 0 && g[1][2] === 0, 'lowers the rejected; masked tokens get nothing');
  assert.ok(g[2].every((x) => x === 0));
});
