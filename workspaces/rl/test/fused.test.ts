// The fused PPO kernels (fused.ts, float64 JS) against the tf path (ppo.ts's ppoTfLoss / tfUpdate, float32
// tfjs ops) on the same weights and minibatch: diagnostics, every gradient, one full update (clip + Adam),
// and Adam alone over several steps.
//
// Tolerances. The tf path rounds every op to float32 (unit roundoff u = 2^-24 ≈ 6e-8). A gradient entry is a
// sum over the 128-row minibatch of products through three 64-wide layers, so its float32 error is a small
// multiple of √(terms)·u relative to the largest entry of that tensor: ~1e-6 here. We allow 2e-5 of the
// tensor's largest entry. A mistake in any term of the loss (entropy bonus, value clipping, a tie rule)
// moves gradients by far more: the mutation check at the bottom shows dropping the entropy bonus alone
// (entCoef 0.05) exceeds the tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { initBackend } from '../src/backend';
import { ActorCritic } from '../src/actor-critic';
import { adamStep, type PpoLossConfig, type PpoMinibatch } from '../src/fused';
import { adamOptimizer } from '../src/nets';
import { PPO_ADAM, ppoTfLoss, tfUpdate } from '../src/ppo';

const OBS = 7; // odd sizes, so no product takes only the SIMD kernel's even-shaped path
const ACTS = 3;
const HIDDEN = [64, 64];
const N = 128;
const GRAD_RTOL = 2e-5;

function agentAndBatch(seed: number) {
  const rng = new Rng(seed);
  const agent = new ActorCritic(OBS, { type: 'discrete', n: ACTS }, HIDDEN, rng.fork('init'));
  const obs = Float32Array.from({ length: N * OBS }, () => rng.normal());
  // Old log-probs and values near the current ones, spread so that some ratios and value differences fall
  // outside the clip range and some inside: both branches of every max/clip get exercised.
  const out = agent.evaluate(obs, N);
  const actions = new Float32Array(N);
  const oldLogProbs = new Float32Array(N);
  const oldValues = new Float32Array(N);
  for (let r = 0; r < N; r++) {
    const a = Math.floor(rng.next() * ACTS);
    actions[r] = a;
    const row = out.subarray(r * (ACTS + 1), r * (ACTS + 1) + ACTS);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    oldLogProbs[r] = row[a] - lse + 0.3 * rng.normal();
    oldValues[r] = out[r * (ACTS + 1) + ACTS] + 0.3 * rng.normal();
  }
  const mb: PpoMinibatch = {
    n: N,
    obs,
    actions,
    oldLogProbs,
    advantages: Float32Array.from({ length: N }, () => rng.normal()),
    returns: Float32Array.from({ length: N }, () => 2 * rng.normal()),
    oldValues,
  };
  return { agent, mb };
}

const cfgOf = (over: Partial<PpoLossConfig> = {}): PpoLossConfig => ({ clipCoef: 0.2, clipVloss: true, entCoef: 0.05, vfCoef: 0.5, maxGradNorm: 0.5, ...over });

/** tf's gradients in ActorCritic.vars order, as float64 arrays with weights in the fused [out, in] layout. */
function tfGradients(agent: ActorCritic, mb: PpoMinibatch, cfg: PpoLossConfig): { grads: Float64Array[]; stats: Float32Array } {
  const kept: { stats?: tf.Tensor } = {};
  const { grads } = tf.variableGrads(() => {
    const { loss, stats } = ppoTfLoss(agent, mb, cfg);
    kept.stats = tf.keep(stats);
    return loss;
  }, agent.vars);
  const out = agent.vars.map((v) => {
    const g = grads[v.name];
    const t = g.shape.length === 2 ? tf.transpose(g) : g;
    const a = Float64Array.from(t.dataSync());
    if (t !== g) t.dispose();
    g.dispose();
    return a;
  });
  const stats = kept.stats!.dataSync() as Float32Array;
  kept.stats!.dispose();
  return { grads: out, stats };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  }
  assert.ok(worst <= atol, `${what}: |fused − tf| = ${worst.toExponential(2)} at ${at} (fused ${actual[at]}, tf ${expected[at]}) > ${atol.toExponential(2)}`);
}

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

test.before(async () => {
  await initBackend();
});

for (const clipVloss of [true, false]) {
  test(`fused PPO's loss diagnostics and gradients equal the tf path's (clipVloss ${clipVloss})`, () => {
    const { agent, mb } = agentAndBatch(clipVloss ? 1 : 2);
    const cfg = cfgOf({ clipVloss });
    const fused = agent.useFused(PPO_ADAM)!;
    fused.computeGradients(mb, cfg);
    const ref = tfGradients(agent, mb, cfg);
    // Both sides of the clipped surrogate are exercised.
    assert.ok(ref.stats[5] > 0.1 && ref.stats[5] < 0.9, `clip fraction ${ref.stats[5]}`);
    for (let k = 0; k < 6; k++) assert.ok(Math.abs(fused.stats[k] - ref.stats[k]) <= 1e-5 * (1 + Math.abs(ref.stats[k])), `stat ${k}: fused ${fused.stats[k]}, tf ${ref.stats[k]}`);
    const got = fused.gradients();
    assert.equal(got.length, agent.vars.length);
    got.forEach((g, i) => assertClose(g, ref.grads[i], GRAD_RTOL * maxAbs(ref.grads[i]) + 1e-9, `gradient of ${agent.vars[i].name}`));
    agent.dispose();
  });
}

test('one fused update (global-norm clip + Adam) moves the weights as the tf path does', async () => {
  const lr = 1e-3;
  const cfg = cfgOf();
  const a = agentAndBatch(3);
  const b = agentAndBatch(3); // the same initial weights and batch
  const ref = tfGradients(b.agent, b.mb, cfg);
  const fused = a.agent.useFused(PPO_ADAM)!;
  fused.update(a.mb, cfg, lr);
  fused.syncToTf();
  const opt = adamOptimizer(lr, PPO_ADAM);
  tfUpdate(b.agent, opt, b.mb, cfg);
  // Adam's first step is −lr·g/(|g| + ε) (moments bias-corrected), so a gradient error δg moves a weight by at
  // most lr·δg/(|g| + ε): the bound is per entry, from the gradient tolerance above; 1e-6 covers the float32
  // rounding of the weights themselves.
  a.agent.vars.forEach((v, i) => {
    const w = v.dataSync();
    const wRef = b.agent.vars[i].dataSync();
    const g = ref.grads[i]; // [out, in] for weights
    const dg = GRAD_RTOL * maxAbs(g);
    for (let j = 0; j < w.length; j++) {
      // Weight entries are [in, out] in tf; map j to the gradient's [out, in] index.
      const gi = v.shape.length === 2 ? (j % v.shape[1]) * v.shape[0] + Math.floor(j / v.shape[1]) : j;
      const bound = (lr * dg) / (Math.abs(g[gi]) + PPO_ADAM.epsilon) + 1e-6;
      assert.ok(Math.abs(w[j] - wRef[j]) <= bound, `${v.name}[${j}]: fused ${w[j]}, tf ${wRef[j]}, bound ${bound}`);
    }
  });
  opt.dispose();
  a.agent.dispose();
  b.agent.dispose();
});

test("the fused Adam is tf.train.adam: same β, ε and bias correction over several steps", () => {
  const rng = new Rng(4);
  const shapes = [37, 5];
  const init = shapes.map((n) => Float32Array.from({ length: n }, () => rng.normal()));
  // Gradients spanning the scale of ε, where ε's value matters, up to O(1).
  const steps = [0, 1, 2, 3].map(() => shapes.map((n) => Float32Array.from({ length: n }, (_, i) => rng.normal() * 10 ** -(i % 7))));
  const lr = 0.01;
  const scale = 0.7;
  const params = init.map((x) => Float64Array.from(x));
  const m = shapes.map((n) => new Float64Array(n));
  const v = shapes.map((n) => new Float64Array(n));
  steps.forEach((gs, t) => adamStep(params, gs.map((g) => Float64Array.from(g)), m, v, t + 1, lr, scale, PPO_ADAM));

  const vars = init.map((x, i) => tf.variable(tf.tensor1d(x), true, `adam-check-${i}-${Date.now()}`));
  const opt = adamOptimizer(lr, PPO_ADAM);
  for (const gs of steps) opt.applyGradients(Object.fromEntries(vars.map((x, i) => [x.name, tf.mul(tf.tensor1d(gs[i]), scale)])) as never);
  vars.forEach((x, i) => assertClose(params[i], x.dataSync(), 1e-6, `parameter ${i} after ${steps.length} steps`));
  // The check can fail: a different ε alone moves the small-gradient entries far beyond the tolerance.
  const other = init.map((x) => Float64Array.from(x));
  const m2 = shapes.map((n) => new Float64Array(n));
  const v2 = shapes.map((n) => new Float64Array(n));
  steps.forEach((gs, t) => adamStep(other, gs.map((g) => Float64Array.from(g)), m2, v2, t + 1, lr, scale, { ...PPO_ADAM, epsilon: 1e-8 }));
  assert.throws(() => assertClose(other[0], vars[0].dataSync(), 1e-6, 'ε = 1e-8'));
  opt.dispose();
  for (const x of vars) x.dispose();
});

test('the gradient check can fail: without the entropy term the fused gradients leave the tolerance', () => {
  const { agent, mb } = agentAndBatch(5);
  const fused = agent.useFused(PPO_ADAM)!;
  fused.computeGradients(mb, cfgOf({ entCoef: 0 }));
  const ref = tfGradients(agent, mb, cfgOf());
  const g = fused.gradients();
  assert.ok(
    g.some((x, i) => {
      try {
        assertClose(x, ref.grads[i], GRAD_RTOL * maxAbs(ref.grads[i]) + 1e-9, 'mutated');
        return false;
      } catch {
        return true;
      }
    }),
  );
  agent.dispose();
});
