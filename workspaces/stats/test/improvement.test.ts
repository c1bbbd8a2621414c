// Probability of improvement and performance profiles (Agarwal et al., NeurIPS 2021, arXiv:2108.13264).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import {
  column,
  performanceProfile,
  probabilityOfImprovement,
  probabilityOfImprovementWithCI,
  scoreDistribution,
  tauGrid,
  type ScoreMatrix,
} from '../src/index';

const X: ScoreMatrix = [[1, 2], [2, 2], [1, 1], [2, 1]];
const Y: ScoreMatrix = [[1, 1], [2, 2], [3, 3]];

test('rliable fixture: P(X > Y) = 1/3', () => {
  assert.ok(Math.abs(probabilityOfImprovement(X, Y) - 1 / 3) < 1e-12);
});

test('identical score sets give 0.5; ties count one half', () => {
  assert.equal(probabilityOfImprovement(X, X), 0.5);
  assert.equal(probabilityOfImprovement(column([1, 1]), column([1, 1])), 0.5);
  assert.equal(probabilityOfImprovement(column([2, 3]), column([1])), 1);
  assert.equal(probabilityOfImprovement(column([1]), column([1, 0])), 0.75);
});

test('averages over tasks, not over pooled pairs', () => {
  // Task 0: X always wins (1); task 1: X always loses (0) -> 0.5 whatever the run counts.
  assert.equal(probabilityOfImprovement([[10, 0], [10, 0]], [[0, 10]]), 0.5);
  assert.throws(() => probabilityOfImprovement([[1, 2]], [[1]]), /tasks/);
});

test('property: P(X>Y) + P(Y>X) = 1 and the CI brackets the estimate', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 50; trial++) {
    const gen = (n: number) => Array.from({ length: n }, () => [rng.int(5), rng.normal()]);
    const x = gen(1 + rng.int(8));
    const y = gen(1 + rng.int(8));
    const p = probabilityOfImprovement(x, y);
    assert.ok(Math.abs(p + probabilityOfImprovement(y, x) - 1) < 1e-12);
    const r = probabilityOfImprovementWithCI(x, y, { seed: trial, reps: 200 });
    assert.ok(r.ci[0] <= p && p <= r.ci[1] && r.ci[0] >= 0 && r.ci[1] <= 1);
  }
});

test('P(X>Y) CI is seeded and excludes 0.5 for a clear separation', () => {
  const x = column([5, 6, 7, 8, 9, 10]);
  const y = column([0, 1, 2, 3, 4, 5.5]);
  const a = probabilityOfImprovementWithCI(x, y, { seed: 9 });
  assert.deepEqual(a, probabilityOfImprovementWithCI(x, y, { seed: 9 }));
  assert.ok(a.ci[0] > 0.5);
});

test('score distribution counts scores strictly above τ', () => {
  const s = column([1, 2, 2, 3]);
  assert.deepEqual(scoreDistribution(s, [0, 1, 2, 2.5, 3]), [1, 0.75, 0.25, 0.25, 0]);
  // Task-mean variant: means 1.5 and 3.
  assert.deepEqual(scoreDistribution([[1, 3], [2, 3]], [1.4, 1.5, 2.9], 'task-means'), [1, 0.5, 0.5]);
});

test('performance profile: non-increasing, bands bracket it, seeded', () => {
  const rng = new Rng(8);
  const s = column(Array.from({ length: 15 }, () => rng.normal()));
  const taus = tauGrid([s], 21);
  assert.equal(taus.length, 21);
  const p = performanceProfile(s, taus, { seed: 1, reps: 300 });
  for (let i = 1; i < taus.length; i++) assert.ok(p.values[i] <= p.values[i - 1]);
  p.values.forEach((v, i) => assert.ok(p.low[i] <= v && v <= p.high[i]));
  assert.equal(p.values[p.values.length - 1], 0); // nothing is strictly above the max
  assert.deepEqual(p, performanceProfile(s, taus, { seed: 1, reps: 300 }));
});
