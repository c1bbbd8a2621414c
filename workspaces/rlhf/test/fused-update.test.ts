// The fused policy-gradient update (fused-update.ts) against the tfjs path it replaces: the loss, every
// parameter's gradient, and whole Adam steps with clipping (PolicyGradientStep on 'fused' vs on 'tf').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { initBackend } from '@creditlab/rl/backend';
import { FusedAdam, GRU_PARAM_NAMES, pgLossAndGrads, type GruParams } from '../src/fused-update';
import { fastExp, sigmoid, tanh } from '../src/gru-kernel';
import { GruModel, PolicyGradientStep, batchTensors } from '../src/model';
import { pgLoss } from '../src/losses';
import { DEFAULT_TASK, VOCAB_SIZE, encodePrompt, promptWidth, splitProblems } from '../src/task';

/** A batch sampled from the model: rows of different lengths (some stop at '.', some run to maxTokens). */
function batchOf(m: GruModel, rows: number, maxTokens: number, seed: number) {
  const W = promptWidth(DEFAULT_TASK);
  const { train } = splitProblems(DEFAULT_TASK);
  const rng = new Rng(seed);
  const prompts = Array.from({ length: rows }, () => encodePrompt(train[rng.int(train.length)], W));
  const responses = m.sample(prompts, { maxTokens, rng: new Rng(seed + 1) });
  const adv = responses.map((r) => Array.from({ length: r.length }, () => rng.uniform(-1, 1)));
  return { W, prompts, responses, adv };
}

function paramsOf(m: GruModel): GruParams {
  return Object.fromEntries(GRU_PARAM_NAMES.map((k) => [k, Float64Array.from(m.vars[k].dataSync())])) as unknown as GruParams;
}

function close(name: string, ours: ArrayLike<number>, ref: ArrayLike<number>, rel: number): void {
  assert.equal(ours.length, ref.length, `${name}: length`);
  const scale = Math.max(1e-6, ...Array.from(ref, Math.abs));
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ours[i] - ref[i]) <= rel * scale, `${name}[${i}]: fused ${ours[i]} vs tfjs ${ref[i]} (scale ${scale})`);
}

for (const [label, hidden, rows, maxTokens] of [
  ['odd batch, plain-JS products', 8, 5, 12],
  ['the bench size: 64 rows of hidden 64, SIMD products', 64, 64, 40],
] as const) {
  test(`fused pg loss and every gradient = tfjs responseLogProbs + pgLoss (${label})`, async () => {
    await initBackend();
    const m = new GruModel({ vocab: VOCAB_SIZE, hidden, embedding: 8 }, 5);
    const rng = new Rng(2);
    // Non-zero biases so every parameter carries gradient.
    for (const k of ['bx', 'bhn', 'bo']) m.vars[k].assign(tf.tensor(Float32Array.from({ length: m.vars[k].size }, () => rng.uniform(-0.3, 0.3)), m.vars[k].shape));
    const { W, prompts, responses, adv } = batchOf(m, rows, maxTokens, 7);
    const lengths = new Set(responses.map((r) => r.length));
    assert.ok(lengths.size > 1, 'the batch mixes response lengths (the fused path skips finished rows)');

    m.impl = 'tf';
    const { tokens, mask, L } = batchTensors(prompts, responses);
    const advT = tf.tensor2d(Float32Array.from(responses.flatMap((r, b) => Array.from({ length: L }, (_, t) => (t < r.length ? adv[b][t] : 0)))), [rows, L]);
    const names = GRU_PARAM_NAMES.map((k) => m.vars[k]);
    const { value, grads } = tf.variableGrads(() => pgLoss(m.responseLogProbs(tokens, W).logp, advT, mask), names);
    const refLoss = value.dataSync()[0];

    const g = Object.fromEntries(GRU_PARAM_NAMES.map((k) => [k, new Float64Array(m.vars[k].size)])) as unknown as GruParams;
    const loss = pgLossAndGrads(paramsOf(m), { V: VOCAB_SIZE, E: 8, H: hidden }, { prompts, responses, adv }, g);
    assert.ok(Math.abs(loss - refLoss) < 1e-5 * (1 + Math.abs(refLoss)), `loss: fused ${loss} vs tfjs ${refLoss}`);
    for (const k of GRU_PARAM_NAMES) close(k, g[k], grads[m.vars[k].name].dataSync(), 2e-4);
    tf.dispose([value, ...Object.values(grads), tokens, mask, advT]);
    m.dispose();
  });
}

test('fused Adam = tfjs AdamOptimizer over three steps (same gradients)', async () => {
  await initBackend();
  const rng = new Rng(4);
  const x0 = Float64Array.from({ length: 12 }, () => rng.uniform(-1, 1));
  const v = tf.variable(tf.tensor1d(Float32Array.from(x0)));
  const opt = tf.train.adam(0.01);
  const fused = new FusedAdam(0.01);
  const x = Float64Array.from(x0);
  for (let s = 0; s < 3; s++) {
    const g = Float64Array.from({ length: 12 }, () => rng.uniform(-2, 2));
    const gt = tf.tensor1d(Float32Array.from(g));
    opt.applyGradients([{ name: v.name, tensor: gt }]);
    gt.dispose();
    fused.step({ x }, { x: g });
    close(`step ${s + 1}`, x, v.dataSync(), 1e-5);
  }
  // A mutation check: the moments matter (plain SGD with the same rate would be far off).
  assert.ok(Math.abs(x[0] - x0[0]) > 0.02, 'Adam moved the parameter by about 3 × lr');
  opt.dispose();
  v.dispose();
});

test('PolicyGradientStep: two clipped Adam updates on the fused path = the same on the tfjs path', async () => {
  await initBackend();
  const make = () => new GruModel({ vocab: VOCAB_SIZE, hidden: 16, embedding: 8 }, 3);
  const a = make();
  const b = make();
  a.impl = 'fused';
  b.impl = 'tf';
  const stepA = new PolicyGradientStep(a, 0.01, 0.02);
  const stepB = new PolicyGradientStep(b, 0.01, 0.02);
  for (let s = 0; s < 2; s++) {
    const { W, prompts, responses, adv } = batchOf(a, 12, 16, 10 + s);
    const ra = stepA.step(prompts, responses, adv, W);
    const rb = stepB.step(prompts, responses, adv, W);
    assert.ok(Math.abs(ra.loss - rb.loss) < 1e-5 * (1 + Math.abs(rb.loss)), `step ${s + 1} loss ${ra.loss} vs ${rb.loss}`);
    assert.ok(Math.abs(ra.gradNorm - rb.gradNorm) < 1e-4 * rb.gradNorm, `step ${s + 1} grad norm ${ra.gradNorm} vs ${rb.gradNorm}`);
    assert.ok(rb.gradNorm > 0.02, `the clip is active (norm ${rb.gradNorm}), so the test covers the scaling`);
    for (const k of GRU_PARAM_NAMES) close(`step ${s + 1} ${k}`, a.vars[k].dataSync(), b.vars[k].dataSync(), 1e-4);
  }
  stepA.dispose();
  stepB.dispose();
  a.dispose();
  b.dispose();
});

test('fastExp, sigmoid and tanh of gru-kernel.ts agree with Math.exp / Math.tanh', () => {
  let worst = 0;
  for (let v = -60; v <= 60; v += 0.00137) worst = Math.max(worst, Math.abs(fastExp(v) / Math.exp(v) - 1));
  assert.ok(worst < 1e-9, `exp relative error ${worst}`);
  for (let v = -20; v <= 20; v += 0.0071) {
    assert.ok(Math.abs(tanh(v) - Math.tanh(v)) < 1e-9, `tanh(${v})`);
    assert.ok(Math.abs(sigmoid(v) - 1 / (1 + Math.exp(-v))) < 1e-9, `sigmoid(${v})`);
  }
  assert.ok(Number.isNaN(fastExp(NaN)));
  assert.equal(tanh(1000), 1);
  assert.equal(tanh(-1000), -1);
});
