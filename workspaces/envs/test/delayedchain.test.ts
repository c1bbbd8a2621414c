import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayedChain } from '../src/delayedchain';
import { Rng } from '@creditlab/common';

function episode(env: DelayedChain, policy: (t: number) => number) {
  env.reset(0);
  const steps = [];
  for (let t = 0; t < env.length; t++) steps.push(env.step(policy(t)));
  return steps;
}

test('DelayedChain "first": the reward arrives only at the end and depends only on the first action', () => {
  const env = new DelayedChain({ length: 8 });
  const right = env.rightActions[0];
  const rng = new Rng(1);
  for (let trial = 0; trial < 20; trial++) {
    const first = rng.int(2);
    const steps = episode(env, (t) => (t === 0 ? first : rng.int(2)));
    steps.slice(0, -1).forEach((s, t) => {
      assert.equal(s.reward, 0, `no reward before the end (step ${t})`);
      assert.equal(s.terminated, false);
    });
    const last = steps.at(-1)!;
    assert.equal(last.terminated, true);
    assert.equal(last.truncated, false);
    assert.equal(last.reward, first === right ? 1 : 0);
  }
});

test('DelayedChain "all": every action must be right; events mark the milestones once', () => {
  const env = new DelayedChain({ length: 6, mode: 'all', lockSeed: 3 });
  const good = episode(env, (t) => env.rightActions[t]);
  assert.deepEqual(good.map((s) => s.reward), [0, 0, 0, 0, 0, 1]);
  assert.deepEqual(
    good.flatMap((s, t) => (s.info.events ?? []).map((e) => `${t}:${e}`)),
    ['0:first_correct', '2:halfway_on_track', '5:chain_solved'],
  );
  for (let wrong = 0; wrong < 6; wrong++) {
    const steps = episode(env, (t) => (t === wrong ? 1 - env.rightActions[t] : env.rightActions[t]));
    assert.equal(steps.at(-1)!.reward, 0, `one wrong action at step ${wrong} loses the reward`);
    assert.ok(!steps.some((s) => s.info.events?.includes('chain_solved')));
    assert.equal(steps.at(-1)!.obs[env.length + 1], 0, 'onTrack bit is cleared');
  }
  // The lock is not a constant sequence for this seed (a constant policy must not solve it).
  assert.ok(new Set(env.rightActions).size > 1);
});

test('DelayedChain observation, state round trip and noise', () => {
  const env = new DelayedChain({ length: 4, distractors: 3 });
  assert.deepEqual(env.observationSpace.type === 'box' && env.observationSpace.shape, [4 + 2 + 3]);
  const { obs } = env.reset(5);
  assert.deepEqual(Array.from(obs.slice(0, 6)), [1, 0, 0, 0, 0, 1]);
  env.step(0);
  env.setState([3, 0]);
  assert.deepEqual(env.getState(), [3, 0]);
  const r = env.step(0);
  assert.equal(r.terminated, true);
  assert.equal(r.reward, 0);
  assert.throws(() => env.step(0), /after the episode ended/);
  const noisy = new DelayedChain({ length: 50, rewardNoise: 0.5 });
  const rewards = episode(noisy, () => 0).slice(0, -1).map((s) => s.reward);
  assert.ok(rewards.some((x) => x !== 0));
  const sd = Math.sqrt(rewards.reduce((a, x) => a + x * x, 0) / rewards.length);
  assert.ok(sd > 0.3 && sd < 0.7, `noise std ${sd}`);
});

test('DelayedChain params are validated', () => {
  assert.throws(() => new DelayedChain({ lenght: 5 }), /unknown parameter "lenght"/);
  assert.throws(() => new DelayedChain({ mode: 'some' }), /parameter "mode" must be one of "first", "all"/);
  assert.throws(() => new DelayedChain({ length: 0 }), /parameter "length"/);
  assert.throws(() => new DelayedChain({ nActions: 2.5 }), /parameter "nActions" must be an integer/);
  assert.equal(new DelayedChain({ length: 7 }).maxEpisodeSteps, 7);
});
