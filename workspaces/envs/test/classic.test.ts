import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MountainCar } from '../src/mountaincar';
import { Acrobot } from '../src/acrobot';
import { Pendulum, angleNormalize } from '../src/pendulum';
import { loadReference, replayReference } from './reference';
import type { Env } from '../src/types';

const cases: [string, () => Env][] = [
  ['MountainCar-v0', () => new MountainCar()],
  ['Acrobot-v1', () => new Acrobot()],
  ['Pendulum-v1', () => new Pendulum()],
];

for (const [id, make] of cases) {
  for (const file of [`${id}.json`, `${id}.coverage.json`]) {
    test(`${id} matches Gymnasium step by step (${file})`, () => {
      assert.ok(replayReference(make(), file) > 0);
    });
  }

  test(`${id}: params are validated, reset is seeded`, () => {
    const Ctor = make().constructor as new (p?: unknown) => Env;
    assert.throws(() => new Ctor({ maxEpisodeStep: 10 }), /unknown parameter "maxEpisodeStep"/);
    assert.throws(() => new Ctor({ maxEpisodeSteps: '10' }), /"maxEpisodeSteps" must be an integer/);
    assert.equal(new Ctor({ maxEpisodeSteps: 7 }).maxEpisodeSteps, 7);
    const a = make();
    const b = make();
    assert.deepEqual(Array.from(a.reset(3).obs), Array.from(b.reset(3).obs));
    assert.notDeepEqual(Array.from(a.reset(4).obs), Array.from(b.reset(3).obs));
    for (const x of a.reset(5).obs) assert.equal(Math.fround(x), x, 'observations are float32');
  });

  test(`${id}: time limit truncates on the configured step`, () => {
    const Ctor = make().constructor as new (p?: unknown) => Env;
    const env = new Ctor({ maxEpisodeSteps: 3 });
    env.reset(0);
    const zero = env.actionSpace.type === 'box' ? [0] : 1;
    assert.equal(env.step(zero).truncated, false);
    assert.equal(env.step(zero).truncated, false);
    assert.equal(env.step(zero).truncated, true);
  });
}

test('Acrobot-v1 reset state is float32-representable, like Gymnasium', () => {
  const env = new Acrobot();
  env.reset(1);
  for (const x of env.getState()) assert.equal(Math.fround(x), x);
});

test('every reference file reaches the branches the README promises', () => {
  // Guards the claim that the coverage files exercise clipping, goals and wrapping.
  const mc = loadReference('MountainCar-v0.coverage.json');
  assert.ok(mc.some((t) => t.states.some((s: number[]) => s[0] === -1.2)));
  assert.ok(mc.some((t) => t.terminated.includes(true)));
  const pen = loadReference('Pendulum-v1.coverage.json');
  assert.ok(pen.some((t) => t.states.some((s: number[]) => Math.abs(s[1]) === 8)));
  const acro = loadReference('Acrobot-v1.coverage.json');
  assert.ok(acro.some((t) => t.terminated.includes(true)));
});

test('every reference trajectory records the pinned Gymnasium and the versions that produced it', () => {
  for (const file of ['CartPole-v1', 'MountainCar-v0', 'Acrobot-v1', 'Pendulum-v1'].flatMap((id) => [`${id}.json`, `${id}.coverage.json`])) {
    const trajs = loadReference(file);
    assert.deepEqual(trajs.map((t) => t.reset_seed), [0, 1, 2, 3, 4], file);
    for (const t of trajs) {
      assert.equal(t.gymnasium_version, '1.3.0', file);
      assert.match(t.numpy_version, /^\d+\.\d+/, file);
      assert.match(t.python_version, /^3\.\d+/, file);
    }
  }
});

test('Pendulum angle normalisation floors like Python', () => {
  assert.ok(Math.abs(angleNormalize(-Math.PI - 0.1) - (Math.PI - 0.1)) < 1e-12);
  assert.ok(Math.abs(angleNormalize(3 * Math.PI + 0.5) - (-Math.PI + 0.5)) < 1e-12);
  assert.equal(angleNormalize(0), 0);
});

test('invalid actions are rejected', () => {
  assert.throws(() => new MountainCar().step(3), /action must be an integer/);
  assert.throws(() => new Acrobot().step(1.5), /action must be an integer/);
  assert.throws(() => new Pendulum().step([1, 2]), /action must be one number/);
});
