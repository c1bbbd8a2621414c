import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGae } from '../src/ppo';
import { discountedReturns } from '../src/reinforce';

const close = (a: ArrayLike<number>, b: number[], tol = 1e-5) => {
  assert.equal(a.length, b.length);
  b.forEach((x, i) => assert.ok(Math.abs(a[i] - x) < tol, `index ${i}: got ${a[i]}, expected ${x}`));
};

test('GAE matches a hand-computed example with done masks (2 envs × 3 steps, step-major)', () => {
  // γ = 0.9, λ = 0.8.
  // env 0: r = [1, 2, 3], V = [0.5, 1, 1.5], done after t = 1, V(last next obs) = 2
  //   t=2: δ = 3 + 0.9·2 − 1.5 = 3.3                  A = 3.3
  //   t=1: δ = 2 − 1 = 1 (no bootstrap across done)   A = 1
  //   t=0: δ = 1 + 0.9·1 − 0.5 = 1.4                  A = 1.4 + 0.72·1 = 2.12
  // env 1: r = [0, 0, 1], V = 0, done after t = 2, V(last) = 5 (ignored: the episode ended)
  //   A = [0.72², 0.72, 1] = [0.5184, 0.72, 1]
  const { advantages, returns } = computeGae({
    rewards: [1, 0, 2, 0, 3, 1],
    values: [0.5, 0, 1, 0, 1.5, 0],
    dones: [0, 0, 1, 0, 0, 1],
    lastValues: [2, 5],
    numSteps: 3,
    numEnvs: 2,
    gamma: 0.9,
    lambda: 0.8,
  });
  close(advantages, [2.12, 0.5184, 1, 0.72, 3.3, 1]);
  close(returns, [2.62, 0.5184, 2, 0.72, 4.8, 1]);
});

test('GAE with γ = λ = 1 and V ≡ 0 is the reward-to-go', () => {
  const { advantages } = computeGae({
    rewards: [1, 2, 3, 4],
    values: [0, 0, 0, 0],
    dones: [0, 0, 0, 0],
    lastValues: [0],
    numSteps: 4,
    numEnvs: 1,
    gamma: 1,
    lambda: 1,
  });
  close(advantages, [10, 9, 7, 4]);
});

test('GAE with λ = 0 is the one-step TD error', () => {
  const { advantages } = computeGae({
    rewards: [1, 1],
    values: [0.5, 2],
    dones: [0, 0],
    lastValues: [3],
    numSteps: 2,
    numEnvs: 1,
    gamma: 0.5,
    lambda: 0,
  });
  close(advantages, [1 + 0.5 * 2 - 0.5, 1 + 0.5 * 3 - 2]);
});

test('discounted returns start from the bootstrap tail', () => {
  close(discountedReturns([1, 1, 1], 0.5), [1.75, 1.5, 1]);
  close(discountedReturns([1, 1, 1], 0.5, 8), [2.75, 3.5, 5]);
});
