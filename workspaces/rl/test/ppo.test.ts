import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { trainPpo } from '../src/ppo';
import { recordingContext, mean } from './helpers';

const METRICS = [
  'charts/episodic_return',
  'charts/episodic_length',
  'charts/SPS',
  'charts/learning_rate',
  'losses/policy_loss',
  'losses/value_loss',
  'losses/entropy',
  'losses/approx_kl',
  'losses/clipfrac',
  'losses/explained_variance',
];

test('a short PPO run on CartPole logs every CleanRL metric, improves the return and frees its tensors', async () => {
  const rec = recordingContext({ algo: { name: 'ppo', learningRate: 2e-3, numSteps: 64, updateEpochs: 2 }, steps: 4096, seed: 1 });
  await trainPpo(rec.ctx); // warms up the backend so the tensor count below is not skewed by init
  const names = rec.names();
  for (const m of METRICS) assert.ok(names.has(m), `missing ${m}`);
  const returns = rec.returns();
  const early = mean(returns.slice(0, 20));
  const late = mean(returns.slice(-10));
  assert.ok(late > early + 30, `return did not improve: first 20 episodes ${early.toFixed(1)}, last 10 ${late.toFixed(1)}`);
  // Each episode's logged return is the true env return: +1 per step on CartPole.
  const ends = rec.logs.filter((l) => 'charts/episodic_return' in l.metrics);
  for (const l of ends) assert.equal(l.metrics['charts/episodic_return'], l.metrics['charts/episodic_length']);
  assert.deepEqual(rec.progress, Array.from({ length: 16 }, (_, i) => (i + 1) * 256));
  assert.equal(rec.checkpoints.length, 1);

  const before = tf.memory().numTensors;
  const again = recordingContext({ algo: { name: 'ppo', numSteps: 32 }, steps: 256, seed: 1 });
  await trainPpo(again.ctx);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

test('a fixed seed gives an identical run', async () => {
  const a = recordingContext({ algo: { name: 'ppo', numSteps: 64 }, steps: 1024, seed: 7 });
  const b = recordingContext({ algo: { name: 'ppo', numSteps: 64 }, steps: 1024, seed: 7 });
  const c = recordingContext({ algo: { name: 'ppo', numSteps: 64 }, steps: 1024, seed: 8 });
  await trainPpo(a.ctx);
  await trainPpo(b.ctx);
  await trainPpo(c.ctx);
  const strip = (r: typeof a) => r.logs.map((l) => ({ step: l.step, ...l.metrics, 'charts/SPS': 0 }));
  assert.deepEqual(strip(a), strip(b));
  assert.notDeepEqual(a.returns(), c.returns());
});

test('ctx.cancelled() stops PPO at the next iteration and it returns normally', async () => {
  const rec = recordingContext({
    algo: { name: 'ppo', numSteps: 32 },
    steps: 100_000,
    cancelled: (r) => r.progress.length >= 2,
  });
  const before = tf.memory().numTensors;
  await trainPpo(rec.ctx);
  assert.deepEqual(rec.progress, [128, 256]);
  assert.ok(rec.info.some((m) => /cancelled/.test(m)));
  assert.equal(rec.checkpoints.length, 0);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked on cancellation');
});

test('every env reward goes through shapeReward; episodic_return stays the env return', async () => {
  const rec = recordingContext({ algo: { name: 'ppo', numSteps: 64, bootstrapTruncated: false }, steps: 512 });
  let calls = 0;
  let lastGlobal = -1;
  await trainPpo(rec.ctx, {
    shapeReward: (t) => {
      calls++;
      assert.equal(t.reward, 1);
      assert.equal(t.obs.length, 4);
      assert.equal(t.nextObs.length, 4);
      assert.ok(t.globalStep > lastGlobal);
      if (t.episodeStep === 0) assert.ok(t.resetInfo);
      lastGlobal = t.globalStep;
      return -100;
    },
  });
  assert.equal(calls, 512);
  for (const r of rec.returns()) assert.ok(r > 0);
});

test('a run that configures a reward pipeline refuses to train without one', async () => {
  const rec = recordingContext({ algo: { name: 'ppo' }, steps: 512, reward: { code: 'export default () => 0' } });
  await assert.rejects(trainPpo(rec.ctx), /reward pipeline/);
});

test('the eval section runs greedy evaluation episodes every N steps', async () => {
  const rec = recordingContext({ algo: { name: 'ppo', numSteps: 64 }, steps: 1024 });
  (rec.run.config as { eval?: unknown }).eval = { every: 512, episodes: 3, greedy: true };
  await trainPpo(rec.ctx);
  const evals = rec.logs.filter((l) => 'eval/episodic_return' in l.metrics);
  assert.deepEqual(
    evals.map((l) => l.step),
    [512, 1024],
  );
  for (const l of evals) assert.ok(l.metrics['eval/episodic_return'] >= 8);
});

test('discrete PPO on the tfjs path trains end to end, and its first iterations match the fused path', async () => {
  // Same seed on both paths: the first rollout is the same (the weights agree to float32 rounding, far from
  // flipping a sampled action), so the first iterations' losses agree to the gradient tests' precision.
  const algo = { name: 'ppo', learningRate: 2e-3, numSteps: 64, updateEpochs: 2 };
  const tfjs = recordingContext({ algo, steps: 4096, seed: 1, compute: 'tfjs' });
  const fused = recordingContext({ algo, steps: 512, seed: 1 });
  const before = tf.memory().numTensors;
  await trainPpo(tfjs.ctx);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  await trainPpo(fused.ctx);
  assert.deepEqual(tfjs.compute.map((c) => c.compute), ['tfjs']);
  assert.equal(tfjs.compute[0].backend, tfjs.ctx.backend);
  assert.deepEqual(fused.compute.map((c) => c.compute), ['fused']);
  assert.match(fused.compute[0].backend, /^js(\+simd)?$/);
  const first = (r: typeof tfjs) => r.logs.find((l) => 'losses/value_loss' in l.metrics)!.metrics;
  for (const m of ['losses/policy_loss', 'losses/value_loss', 'losses/entropy', 'losses/approx_kl']) {
    const [a, b] = [first(tfjs)[m], first(fused)[m]];
    assert.ok(Math.abs(a - b) <= 1e-4 * (1 + Math.abs(b)), `${m}: tfjs ${a}, fused ${b}`);
  }
  const returns = tfjs.returns();
  const early = mean(returns.slice(0, 20));
  const late = mean(returns.slice(-10));
  assert.ok(late > early + 30, `tfjs path did not improve the return: first 20 episodes ${early.toFixed(1)}, last 10 ${late.toFixed(1)}`);
});

test('compute: auto picks fused for discrete PPO unless CREDITLAB_PPO_FUSED=0; box actions and explicit requests', async () => {
  const saved = process.env.CREDITLAB_PPO_FUSED;
  try {
    process.env.CREDITLAB_PPO_FUSED = '0';
    const off = recordingContext({ algo: { name: 'ppo', numSteps: 32 }, steps: 128 });
    await trainPpo(off.ctx);
    assert.equal(off.compute[0].compute, 'tfjs');
    assert.match(off.compute[0].reason, /CREDITLAB_PPO_FUSED=0/);
    // An explicit request is the run's own record and wins over the variable.
    const asked = recordingContext({ algo: { name: 'ppo', numSteps: 32 }, steps: 128, compute: 'fused' });
    await trainPpo(asked.ctx);
    assert.equal(asked.compute[0].compute, 'fused');
  } finally {
    if (saved === undefined) delete process.env.CREDITLAB_PPO_FUSED;
    else process.env.CREDITLAB_PPO_FUSED = saved;
  }
  const box = recordingContext({ algo: { name: 'ppo', numSteps: 32 }, steps: 128, env: { id: 'Pendulum-v1' } });
  await trainPpo(box.ctx);
  assert.equal(box.compute[0].compute, 'tfjs');
  assert.match(box.compute[0].reason, /discrete actions only/);
  const boxFused = recordingContext({ algo: { name: 'ppo', numSteps: 32 }, steps: 128, env: { id: 'Pendulum-v1' }, compute: 'fused' });
  await assert.rejects(trainPpo(boxFused.ctx), /compute: "fused" is not available for this run \(fused PPO kernels cover discrete actions only\)/);
});
