// The fused GRU (gru-kernel.ts) against (1) central finite differences of its own forward pass in float64,
// and (2) the tfjs-op reference path of GruModel (impl 'tf'): values, every weight gradient, and samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { initBackend } from '@creditlab/rl/backend';
import { gruBackward, gruForward, inputTable, inputTableBackward, recurrentWeights } from '../src/gru-kernel';
import { GruModel, batchTensors } from '../src/model';
import { DEFAULT_TASK, VOCAB_SIZE, encodePrompt, promptWidth, splitProblems } from '../src/task';

function randn(rng: Rng, n: number, scale = 0.5): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-scale, scale));
}

test('gruBackward equals central finite differences of gruForward (every parameter, float64)', () => {
  const [V, E, H, B, T] = [5, 3, 4, 3, 5];
  const rng = new Rng(11);
  const p = { emb: randn(rng, V * E), wx: randn(rng, E * 3 * H), bx: randn(rng, 3 * H), whrz: randn(rng, H * 2 * H), whn: randn(rng, H * H), bhn: randn(rng, H) };
  const tokens = Array.from({ length: B * T }, () => rng.int(V));
  const coef = randn(rng, B * T * H, 1); // loss = Σ coef ⊙ hs
  const loss = (q: typeof p) => {
    const w = recurrentWeights(q.whrz, q.whn, q.bhn, H);
    const { hs } = gruForward(w, inputTable(q.emb, q.wx, q.bx, V, E, H), B, T, false, (b, t) => tokens[b * T + t] * 3 * H);
    return hs.reduce((s, v, i) => s + v * coef[i], 0);
  };
  const w = recurrentWeights(p.whrz, p.whn, p.bhn, H);
  const { trace } = gruForward(w, inputTable(p.emb, p.wx, p.bx, V, E, H), B, T, true, (b, t) => tokens[b * T + t] * 3 * H);
  const g = gruBackward(w, trace!, coef);
  const gi = inputTableBackward(g.dx, tokens, p.emb, p.wx, V, E, H);
  const analytic: Record<keyof typeof p, Float64Array> = { emb: gi.demb, wx: gi.dwx, bx: gi.dbx, whrz: g.dWhrz, whn: g.dWhn, bhn: g.dbhn };
  const eps = 1e-6;
  for (const k of Object.keys(p) as (keyof typeof p)[]) {
    for (let i = 0; i < p[k].length; i++) {
      const plus = { ...p, [k]: Float64Array.from(p[k]) };
      const minus = { ...p, [k]: Float64Array.from(p[k]) };
      plus[k][i] += eps;
      minus[k][i] -= eps;
      const numeric = (loss(plus) - loss(minus)) / (2 * eps);
      assert.ok(Math.abs(numeric - analytic[k][i]) < 1e-6 * (1 + Math.abs(numeric)), `${k}[${i}]: numeric ${numeric} vs analytic ${analytic[k][i]}`);
    }
  }
});

/** Loss value and named gradients of a weighted sum of response log-probs and values, under one implementation. */
function lossAndGrads(m: GruModel, tokens: tf.Tensor2D, width: number, coef: tf.Tensor2D): { loss: number; grads: Record<string, Float32Array> } {
  const names = Object.keys(m.vars);
  const { value, grads } = tf.variableGrads(() => {
    const o = m.responseLogProbs(tokens, width);
    return o.logp.mul(coef).sum().add(o.values!.mul(coef).sum()).add(o.entropy.mean()) as tf.Scalar;
  }, names.map((n) => m.vars[n]));
  const out: Record<string, Float32Array> = {};
  for (const n of names) out[n] = grads[m.vars[n].name].dataSync() as Float32Array;
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

for (const [label, hidden, rows] of [
  ['odd batch, plain-JS products', 8, 3],
  ['even batch, SIMD products', 64, 16],
] as const) {
  test(`fused GRU = tfjs reference: value and every weight gradient (${label})`, async () => {
    await initBackend();
    const W = promptWidth(DEFAULT_TASK);
    const { train } = splitProblems(DEFAULT_TASK);
    const m = new GruModel({ vocab: VOCAB_SIZE, hidden, embedding: 8, valueHead: true }, 5);
    // Non-zero value head and biases so every path carries gradient.
    const rng = new Rng(2);
    for (const k of ['wv', 'bv', 'bx', 'bhn', 'bo']) m.vars[k].assign(tf.tensor(Float32Array.from(randn(rng, m.vars[k].size, 0.3)), m.vars[k].shape));
    const prompts = train.slice(0, rows).map((p) => encodePrompt(p, W));
    const responses = m.sample(prompts, { maxTokens: 14, rng: new Rng(3) });
    const { tokens, L } = batchTensors(prompts, responses);
    const coef = tf.tensor2d(Float32Array.from(randn(rng, rows * L, 1)), [rows, L]);
    m.impl = 'tf';
    const ref = lossAndGrads(m, tokens, W, coef);
    m.impl = 'fused';
    const ours = lossAndGrads(m, tokens, W, coef);
    assert.ok(Math.abs(ref.loss - ours.loss) < 1e-4 * (1 + Math.abs(ref.loss)), `loss ${ours.loss} vs ${ref.loss}`);
    for (const n of Object.keys(ref.grads)) {
      const a = ref.grads[n];
      const b = ours.grads[n];
      const scale = Math.max(1e-3, ...Array.from(a, Math.abs));
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 2e-4 * scale, `${n}[${i}]: fused ${b[i]} vs tfjs ${a[i]}`);
    }
    tf.dispose([tokens, coef]);
    m.dispose();
  });
}

test('fused sampler draws the same tokens as the tfjs sampler (greedy and temperature 1)', async () => {
  await initBackend();
  const W = promptWidth(DEFAULT_TASK);
  const { train } = splitProblems(DEFAULT_TASK);
  const m = new GruModel({ vocab: VOCAB_SIZE, hidden: 64, embedding: 16 }, 9);
  const prompts = train.slice(0, 32).map((p) => encodePrompt(p, W));
  for (const greedy of [true, false]) {
    m.impl = 'tf';
    const ref = m.sample(prompts, { maxTokens: 20, rng: new Rng(4), greedy });
    m.impl = 'fused';
    const ours = m.sample(prompts, { maxTokens: 20, rng: new Rng(4), greedy });
    assert.deepEqual(ours, ref);
  }
  m.dispose();
});
