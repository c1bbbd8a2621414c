import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ALGORITHMS } from '../src/index';
import { linearSchedule, ReplayBuffer } from '../src/dqn';
import { Rng } from '@creditlab/common';
import { recordingContext } from './helpers';

const cases: { algo: Record<string, unknown>; steps: number; expect: string[] }[] = [
  {
    algo: { name: 'a2c' },
    steps: 4000, // 100 updates of 8 × 5: the first loss log
    expect: ['charts/episodic_return', 'charts/episodic_length', 'charts/SPS', 'losses/policy_loss', 'losses/value_loss', 'losses/entropy', 'losses/explained_variance'],
  },
  {
    algo: { name: 'reinforce', numEnvs: 4 },
    steps: 400,
    expect: ['charts/episodic_return', 'charts/episodic_length', 'charts/SPS', 'losses/policy_loss', 'losses/value_loss', 'losses/entropy'],
  },
  {
    algo: { name: 'dqn', learningStarts: 100, bufferSize: 500, batchSize: 32, targetNetworkFrequency: 100 },
    steps: 600,
    expect: ['charts/episodic_return', 'charts/episodic_length', 'charts/SPS', 'charts/epsilon', 'losses/td_loss', 'losses/q_values'],
  },
];

for (const c of cases) {
  test(`${c.algo.name} runs ${c.steps} steps on CartPole, logs its metrics and frees its tensors`, async () => {
    const warm = recordingContext({ algo: c.algo, steps: 64 });
    await ALGORITHMS[c.algo.name as string](warm.ctx);
    const before = tf.memory().numTensors;
    const rec = recordingContext({ algo: c.algo, steps: c.steps, seed: 3 });
    await ALGORITHMS[c.algo.name as string](rec.ctx);
    const names = rec.names();
    for (const m of c.expect) assert.ok(names.has(m), `${c.algo.name}: missing ${m}`);
    for (const l of rec.logs) for (const v of Object.values(l.metrics)) assert.ok(Number.isFinite(v));
    assert.ok(rec.progress.at(-1)! <= c.steps && rec.progress.at(-1)! >= c.steps * 0.5, `progress ${rec.progress.at(-1)}`);
    assert.equal(rec.checkpoints.length, 1);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });

  test(`${c.algo.name} stops when cancelled`, async () => {
    const rec = recordingContext({ algo: c.algo, steps: 1_000_000, cancelled: (r) => r.progress.length >= 1 });
    await ALGORITHMS[c.algo.name as string](rec.ctx);
    assert.ok(rec.progress.at(-1)! < 5000);
    assert.equal(rec.checkpoints.length, 0);
  });
}

test('ε decays linearly to its floor', () => {
  assert.equal(linearSchedule(1, 0.05, 100, 0), 1);
  assert.ok(Math.abs(linearSchedule(1, 0.05, 100, 50) - 0.525) < 1e-12);
  assert.equal(linearSchedule(1, 0.05, 100, 1000), 0.05);
});

test('the replay buffer overwrites the oldest transitions', () => {
  const rb = new ReplayBuffer(3, 1);
  for (let i = 0; i < 5; i++) rb.add([i], [i + 1], i % 2, i, false);
  assert.equal(rb.size, 3);
  assert.deepEqual(Array.from(rb.obs).sort(), [2, 3, 4]);
  const b = rb.sample(10, new Rng(0));
  for (const o of b.obs) assert.ok(o >= 2 && o <= 4);
});
