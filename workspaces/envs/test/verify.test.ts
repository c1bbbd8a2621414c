import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { verifyTrajectories, TrajectoryFormatError } from '../src/verify';
import { makeEnv } from '../src/registry';
import { CartPole } from '../src/cartpole';
import { loadReference, refDir } from './reference';

const files = readdirSync(refDir).filter((f) => f.endsWith('.json')).sort();

test('every reference file passes verifyTrajectories', () => {
  assert.equal(files.length, 8);
  for (const f of files) {
    const report = verifyTrajectories(loadReference(f));
    assert.equal(report.pass, true, `${f}: ${JSON.stringify(report.results.find((r) => !r.pass))}`);
    assert.equal(report.trajectories, 5);
    assert.ok(report.state.maxRel < 1e-13, `${f} state maxRel ${report.state.maxRel}`);
    assert.equal(report.observation.violations, 0);
  }
});

test('a perturbed state is reported with its location and fails', () => {
  const trajs = loadReference('MountainCar-v0.json');
  trajs[2].states[10][1] += 1e-6;
  const report = verifyTrajectories(trajs);
  assert.equal(report.pass, false);
  assert.deepEqual(report.failed, [2]);
  // The recorded state[10] is wrong (compared at step 10) and is also the start of step 11.
  assert.equal(report.state.worst?.trajectory, 2);
  assert.ok(report.state.maxAbs > 9e-7 && report.state.maxAbs < 1.1e-6);
  assert.match(report.results[2].firstFailure ?? '', /^step 10: state\[1\]/);
  assert.equal(report.results[0].pass, true);
});

test('flag mismatches and rewards are counted separately', () => {
  const trajs = loadReference('CartPole-v1.json');
  trajs[0].terminated[trajs[0].terminated.length - 1] = false;
  trajs[1].rewards[0] = 0.5;
  const report = verifyTrajectories(trajs);
  assert.equal(report.terminatedMismatches, 1);
  assert.equal(report.truncatedMismatches, 0);
  assert.equal(report.reward.violations, 1);
  assert.equal(report.reward.maxAbs, 0.5);
  assert.deepEqual(report.failed, [0, 1]);
});

test('a broken env fails the replay; an env that throws is reported, not thrown', () => {
  class Slippery extends CartPole {
    override step(a: number | ArrayLike<number>) {
      const r = super.step(a);
      return { ...r, obs: r.obs.map((x) => x * (1 + 1e-4)) };
    }
  }
  const trajs = loadReference('CartPole-v1.json');
  const slip = verifyTrajectories(trajs, { makeEnv: () => new Slippery() });
  assert.equal(slip.pass, false);
  assert.equal(slip.state.violations, 0);
  assert.ok(slip.observation.violations > 0);
  const boom = verifyTrajectories(trajs.slice(0, 1), {
    makeEnv: (id, p) => {
      const env = makeEnv(id, p);
      env.step = () => {
        throw new Error('kaput');
      };
      return env;
    },
  });
  assert.equal(boom.pass, false);
  assert.equal(boom.results[0].error, 'step 0: kaput');
  assert.equal(boom.steps, 0);
});

test('looser tolerances can be passed in', () => {
  const trajs = loadReference('Pendulum-v1.json');
  trajs[0].states[5][0] *= 1 + 1e-8;
  assert.equal(verifyTrajectories(trajs).pass, false);
  // The bad state also seeds step 6, so its reward moves too.
  const loose = { rtol: 1e-6, atol: 0 };
  assert.equal(verifyTrajectories(trajs, { tolerances: { state: loose } }).pass, false);
  const report = verifyTrajectories(trajs, { tolerances: { state: loose, reward: loose } });
  assert.equal(report.pass, true);
  assert.deepEqual(report.tolerances.observation, { rtol: 1e-6, atol: 1e-7 });
});

test('malformed files are rejected with the trajectory index and field', () => {
  const good = () => loadReference('MountainCar-v0.json').slice(0, 2);
  const bad = (mutate: (t: any[]) => unknown, re: RegExp) => {
    const t = good();
    const input = mutate(t) ?? t;
    assert.throws(() => verifyTrajectories(input), (e: unknown) => e instanceof TrajectoryFormatError && re.test((e as Error).message));
  };
  bad(() => ({ trajectories: [] }), /JSON array of trajectories/);
  bad(() => [], /no trajectories/);
  bad((t) => { t[1] = 'x'; }, /^trajectory 1: must be an object/);
  bad((t) => { delete t[1].env; }, /^trajectory 1: field "env"/);
  bad((t) => { t[0].env = 'Nope-v0'; }, /^trajectory 0: field "env": unknown env "Nope-v0"/);
  bad((t) => { t[1].states.pop(); }, /^trajectory 1: field "states" has 199 entries but "actions" has 200/);
  bad((t) => { t[0].observations[7] = [1, 'a']; }, /^trajectory 0: field "observations\[7\]" must be an array of finite numbers/);
  bad((t) => { t[1].terminated[3] = 0; }, /^trajectory 1: field "terminated\[3\]" must be a boolean/);
  bad((t) => { t[0].actions = []; }, /^trajectory 0: field "actions" must be a non-empty array/);
  bad((t) => { t[0].initial_state = null; }, /^trajectory 0: field "initial_state"/);
  bad((t) => { t[0].max_episode_steps = -3; }, /^trajectory 0: field "max_episode_steps"/);
});
