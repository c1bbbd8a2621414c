import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVS, makeEnv } from '../src/registry';

const SAMPLE_ACTION = (space: { type: string }) => (space.type === 'box' ? [0.5] : 1);

test('every registered env honours the Env contract', () => {
  assert.deepEqual(Object.keys(ENVS).sort(), ['Acrobot-v1', 'Bandit', 'CartPole-v1', 'DelayedChain', 'KeyDoor', 'MountainCar-v0', 'Pendulum-v1']);
  for (const [id, spec] of Object.entries(ENVS)) {
    assert.equal(spec.id, id);
    assert.ok(spec.description.length > 20);
    const env = makeEnv(id);
    assert.equal(env.id, id);
    assert.ok(env.maxEpisodeSteps >= 1);
    const shape = env.observationSpace.type === 'box' ? env.observationSpace.shape : [1];
    const { obs } = env.reset(1);
    assert.ok(obs instanceof Float64Array);
    assert.equal(obs.length, shape[0], `${id} observation length`);
    const saved = env.getState();
    const a = env.step(SAMPLE_ACTION(env.actionSpace));
    assert.equal(a.obs.length, shape[0]);
    for (const e of a.info.events ?? []) assert.ok(env.subgoals.includes(e), `${id} emitted undeclared event ${e}`);
    // setState + the same action must reproduce the step (for envs without step noise).
    const after = env.getState();
    env.setState(saved, 0);
    env.step(SAMPLE_ACTION(env.actionSpace));
    assert.deepEqual(env.getState(), after, `${id} setState round trip`);
  }
});

test('makeEnv rejects unknown ids and unknown params for every env', () => {
  assert.throws(() => makeEnv('Nope-v0'), /unknown env "Nope-v0"/);
  for (const id of Object.keys(ENVS)) {
    assert.throws(() => makeEnv(id, { bogus: 1 }), new RegExp(`${id}: unknown parameter "bogus"`));
    assert.throws(() => makeEnv(id, [] as unknown as Record<string, unknown>), /params must be an object/);
  }
});
