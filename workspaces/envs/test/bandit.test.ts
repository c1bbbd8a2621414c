import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bandit } from '../src/bandit';

function pulls(env: Bandit, arm: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    env.reset();
    out.push(env.step(arm).reward);
  }
  return out;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('Bandit Gaussian arms: sample means and std match the configured ones', () => {
  const env = new Bandit({ means: [0, 1, -0.5], std: 2 });
  env.reset(11);
  const n = 4000;
  for (const arm of [0, 1, 2]) {
    const xs = pulls(env, arm, n);
    const m = mean(xs);
    const sd = Math.sqrt(mean(xs.map((x) => (x - m) * (x - m))));
    // 5 standard errors: a seeded test that would only flake if the generator were broken.
    assert.ok(Math.abs(m - env.means[arm]) < (5 * 2) / Math.sqrt(n), `arm ${arm} mean ${m}`);
    assert.ok(Math.abs(sd - 2) < 0.15, `arm ${arm} std ${sd}`);
  }
});

test('Bandit Bernoulli arms pay 0/1 at the configured rate', () => {
  const env = new Bandit({ distribution: 'bernoulli', means: [0.2, 0.7] });
  env.reset(3);
  const xs = pulls(env, 1, 4000);
  assert.ok(xs.every((x) => x === 0 || x === 1));
  assert.ok(Math.abs(mean(xs) - 0.7) < 5 * Math.sqrt(0.21 / 4000));
});

test('Bandit episodes are one step; info reports regret and the optimal-arm event', () => {
  const env = new Bandit({ means: [0.1, 0.5, 0.3] });
  assert.equal(env.optimalArm, 1);
  const { obs } = env.reset(0);
  assert.deepEqual(Array.from(obs), [1]);
  const r = env.step(2);
  assert.equal(r.terminated, true);
  assert.deepEqual(r.info.events, []);
  assert.ok(Math.abs((r.info.regret as number) - 0.2) < 1e-12);
  env.reset();
  assert.deepEqual(env.step(1).info.events, ['optimal_arm']);
});

test('Bandit means drawn from a seed are fixed per instance; rewards follow the reset seed', () => {
  const a = new Bandit({ k: 10, meanSeed: 4 });
  const b = new Bandit({ k: 10, meanSeed: 4 });
  assert.deepEqual(a.means, b.means);
  assert.notDeepEqual(a.means, new Bandit({ k: 10, meanSeed: 5 }).means);
  a.reset(9);
  b.reset(9);
  assert.deepEqual(pulls(a, 3, 20), pulls(b, 3, 20));
  const bern = new Bandit({ distribution: 'bernoulli', k: 5 });
  assert.ok(bern.means.every((m) => m >= 0 && m < 1));
});

test('Bandit params are validated', () => {
  assert.throws(() => new Bandit({ arms: 3 }), /unknown parameter "arms"/);
  assert.throws(() => new Bandit({ k: 3, means: [1, 2] }), /"means" has 2 entries but "k" is 3/);
  assert.throws(() => new Bandit({ means: [0, 'x'] }), /parameter "means\[1\]" must be a finite number/);
  assert.throws(() => new Bandit({ distribution: 'bernoulli', means: [1.5] }), /means\[0\]" must be a probability/);
  assert.throws(() => new Bandit({ distribution: 'poisson' }), /parameter "distribution" must be one of/);
  assert.throws(() => new Bandit().step(10), /action must be an integer in \[0, 9\]/);
});
