import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { initBackend } from '../src/backend';
import { ppoClipLoss, valueLoss } from '../src/ppo';
import { assertFiniteLosses, gaussianLogProbEntropy, makeMlp, mlpForward, mlpVariables, orthogonal, sampleCategorical, sampleGaussian, clipByGlobalNorm } from '../src/nets';

before(async () => {
  await initBackend('wasm');
});

const lossAndGrad = (rho: number, adv: number) => {
  const f = (r: tf.Tensor) => ppoClipLoss(r, tf.scalar(adv), 0.2);
  const r = tf.scalar(rho);
  const loss = f(r).dataSync()[0];
  const grad = tf.grad(f)(r).dataSync()[0];
  return { loss, grad };
};

test('PPO clip loss, docs/methods.md §9 fixture: A = +1, ρ = 1.5 → −1.2 with zero gradient', () => {
  const { loss, grad } = lossAndGrad(1.5, 1);
  assert.ok(Math.abs(loss - -1.2) < 1e-6, `loss ${loss}`);
  assert.equal(grad, 0);
});

test('PPO clip loss, docs/methods.md §9 fixture: A = −1, ρ = 0.5 → +0.8 with zero gradient', () => {
  const { loss, grad } = lossAndGrad(0.5, -1);
  assert.ok(Math.abs(loss - 0.8) < 1e-6, `loss ${loss}`);
  assert.equal(grad, 0);
});

test('PPO clip loss inside the trust region is −A·ρ with gradient −A', () => {
  const a = lossAndGrad(1.1, 1);
  assert.ok(Math.abs(a.loss - -1.1) < 1e-6);
  assert.ok(Math.abs(a.grad - -1) < 1e-6);
  // Pessimism: with A < 0 a ratio above 1 + ε is not clipped (the min picks the unclipped, worse term).
  const b = lossAndGrad(1.5, -1);
  assert.ok(Math.abs(b.loss - 1.5) < 1e-6);
  assert.ok(Math.abs(b.grad - 1) < 1e-6);
});

test('clipped value loss takes the larger of the clipped and unclipped errors', () => {
  // V_old = 0, V = 1, R = 0.5, ε = 0.2: unclipped (0.5)² = 0.25, clipped V = 0.2 → (−0.3)² = 0.09 → ½·0.25
  const l = valueLoss(tf.tensor1d([1]), tf.tensor1d([0]), tf.tensor1d([0.5]), 0.2).dataSync()[0];
  assert.ok(Math.abs(l - 0.125) < 1e-6);
  // V = 1, R = 2: unclipped 1, clipped (0.2 − 2)² = 3.24 → ½·3.24
  const m = valueLoss(tf.tensor1d([1]), tf.tensor1d([0]), tf.tensor1d([2]), 0.2).dataSync()[0];
  assert.ok(Math.abs(m - 1.62) < 1e-5);
  assert.ok(Math.abs(valueLoss(tf.tensor1d([1]), tf.tensor1d([0]), tf.tensor1d([2]), null).dataSync()[0] - 0.5) < 1e-6);
});

test('the hand-written dense gradient equals tfjs autodiff', () => {
  const rng = new Rng(3);
  const layers = makeMlp([5, 7, 6, 3], { scheme: 'torch' }, rng, 'gradcheck');
  const x = tf.randomNormal([9, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
  for (const act of ['tanh', 'relu'] as const) {
    const ours = tf.variableGrads(() => tf.sum(tf.square(mlpForward(layers, x, act))) as tf.Scalar, mlpVariables(layers));
    const ref = tf.variableGrads(() => {
      let h: tf.Tensor2D = x;
      layers.forEach((l, i) => {
        const z = tf.add(tf.matMul(h, l.W), l.b) as tf.Tensor2D;
        h = i + 1 < layers.length ? (act === 'tanh' ? tf.tanh(z) : tf.relu(z)) : z;
      });
      return tf.sum(tf.square(h)) as tf.Scalar;
    }, mlpVariables(layers));
    assert.ok(Math.abs(ours.value.dataSync()[0] - ref.value.dataSync()[0]) < 1e-3);
    for (const name of Object.keys(ref.grads)) {
      const d = tf.max(tf.abs(tf.sub(ours.grads[name], ref.grads[name]))).dataSync()[0];
      const s = tf.max(tf.abs(ref.grads[name])).dataSync()[0];
      assert.ok(d <= 1e-4 * Math.max(1, s), `${act} ${name}: max diff ${d}`);
    }
  }
  for (const v of mlpVariables(layers)) v.dispose();
});

test('orthogonal init has orthonormal columns (tall) or rows (wide), scaled by the gain', () => {
  const rng = new Rng(0);
  for (const [rows, cols] of [[8, 4], [4, 8], [6, 6]]) {
    const w = orthogonal(rows, cols, 2, rng);
    const k = Math.min(rows, cols);
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        let d = 0;
        for (let i = 0; i < Math.max(rows, cols); i++) {
          d += rows >= cols ? w[i * cols + a] * w[i * cols + b] : w[a * cols + i] * w[b * cols + i];
        }
        assert.ok(Math.abs(d - (a === b ? 4 : 0)) < 1e-4, `${rows}×${cols} (${a},${b}) = ${d}`);
      }
  }
});

test('JS sampling log-probabilities agree with the tf loss-side log-probabilities', () => {
  const rng = new Rng(1);
  const logits = [0.3, -1.2, 2.0];
  const { action, logProb } = sampleCategorical(logits, 0, 3, rng);
  const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
  assert.ok(Math.abs(logProb - (logits[action] - lse)) < 1e-9);

  const mean = [0.5, -0.25];
  const logStd = [-0.5, 0.3];
  const g = sampleGaussian(mean, 0, logStd, rng);
  const t = gaussianLogProbEntropy(tf.tensor2d([mean]), tf.tensor2d([logStd]), tf.tensor2d([Array.from(g.action)]));
  assert.ok(Math.abs(t.logProb.dataSync()[0] - g.logProb) < 1e-5);
  const ent = logStd.reduce((s, l) => s + l + 0.5 + 0.5 * Math.log(2 * Math.PI), 0);
  assert.ok(Math.abs(t.entropy.dataSync()[0] - ent) < 1e-5);
});

test('global grad-norm clipping rescales to maxNorm and leaves small gradients alone', () => {
  const big = clipByGlobalNorm({ a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) }, 0.5);
  assert.ok(Math.abs(big.norm.dataSync()[0] - 5) < 1e-6);
  const g = big.grads as unknown as Record<string, tf.Tensor>;
  assert.ok(Math.abs(g.a.dataSync()[0] - 0.3) < 1e-5 && Math.abs(g.b.dataSync()[0] - 0.4) < 1e-5);
  const small = clipByGlobalNorm({ a: tf.tensor1d([0.1]) }, 0.5).grads as unknown as Record<string, tf.Tensor>;
  assert.ok(Math.abs(small.a.dataSync()[0] - 0.1) < 1e-6);
});

test('a Gaussian actor-critic (1-D box action) scores its own samples consistently', async () => {
  const { ActorCritic } = await import('../src/actor-critic');
  const agent = new ActorCritic(3, { type: 'box', shape: [1], low: [-2], high: [2] }, [8, 8], new Rng(0), 'gauss');
  const rng = new Rng(5);
  const obs = new Float32Array([0.1, -0.2, 0.3, 1, 0, -1]);
  const out = agent.evaluate(obs, 2);
  const s = [0, 1].map((i) => agent.sample(out, i, rng));
  for (const x of s) {
    const a = x.envAction as Float64Array;
    assert.ok(a[0] >= -2 && a[0] <= 2);
  }
  const lp = tf.tidy(() => {
    const { pi } = agent.forward(tf.tensor2d(obs, [2, 3]));
    const acts = tf.tensor2d(s.map((x) => Array.from(x.action as Float64Array)), [2, 1]);
    return agent.logProbEntropy(pi, acts).logProb;
  });
  assert.deepEqual(lp.shape, [2]);
  lp.dataSync().forEach((v, i) => assert.ok(Math.abs(v - s[i].logProb) < 1e-4, `${v} vs ${s[i].logProb}`));
  agent.dispose();
});

test('a non-finite loss stops the run, naming the loss and the update\'s largest reward (logs would drop it silently)', () => {
  assertFiniteLosses(10, { 'the value loss': 1e30, 'the policy loss': -3 }, new Float32Array([1, -2]));
  assert.throws(() => assertFiniteLosses(256, { 'the value loss': NaN }, new Float32Array([1, -Infinity])), /^Error: training diverged at step 256: the value loss is NaN.*largest reward magnitude in this update was Infinity: scale the reward down/);
  assert.throws(() => assertFiniteLosses(3, { 'the TD loss': Infinity }), (e: Error) => /the TD loss is Infinity/.test(e.message) && !/reward/.test(e.message));
  assert.throws(() => assertFiniteLosses(3, { 'the value loss': Infinity }, [5, 7]), (e: Error) => /was 7\.00\.$/.test(e.message));
});
