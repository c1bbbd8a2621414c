// Fixtures from rliable's own metrics tests (Agarwal et al., NeurIPS 2021, arXiv:2108.13264), via
// docs/methods.md §10, plus seeded property tests of the aggregate definitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import {
  aggregateIqm,
  aggregateMean,
  aggregateMedian,
  aggregateOptimalityGap,
  column,
  medianOf,
  quantile,
  statFunction,
  StatsInputError,
  trimMean,
  type ScoreMatrix,
} from '../src/index';

const X: ScoreMatrix = [[1, 2], [2, 2], [1, 1], [2, 1]];
const Y: ScoreMatrix = [[1, 1], [2, 2], [3, 3]];
const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test('rliable fixture: X gives 1.5 for mean, median and IQM', () => {
  assert.equal(aggregateMean(X), 1.5);
  assert.equal(aggregateMedian(X), 1.5);
  assert.equal(aggregateIqm(X), 1.5);
});

test('rliable fixture: Y gives 2 for mean, median and IQM', () => {
  assert.equal(aggregateMean(Y), 2);
  assert.equal(aggregateMedian(Y), 2);
  assert.equal(aggregateIqm(Y), 2);
});

test('IQM(1..10) = 5.5 and IQM([1..7, 100]) = 4.5 (outlier trimmed)', () => {
  assert.equal(aggregateIqm(column([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), 5.5);
  assert.equal(aggregateIqm(column([1, 2, 3, 4, 5, 6, 7, 100])), 4.5);
  // The mean is dragged by the outlier; the IQM is not: this is why the paper recommends it.
  assert.equal(aggregateMean(column([1, 2, 3, 4, 5, 6, 7, 100])), 16);
});

test('trim_mean rounds the cut down like scipy', () => {
  assert.equal(trimMean([1, 2, 3]), 2); // ⌊0.75⌋ = 0: nothing trimmed
  assert.equal(trimMean([1, 2, 3, 100]), 2.5); // ⌊1⌋ = 1 from each end
  assert.equal(trimMean([5, 1, 9, 3, 7, 100, -50]), 5); // ⌊1.75⌋ = 1: mean of 1, 3, 5, 7, 9
});

test('median averages the middle pair; quantile interpolates like numpy', () => {
  assert.equal(medianOf([4, 1, 3, 2]), 2.5);
  assert.equal(medianOf([3, 1, 2]), 2);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  close(quantile([0, 10], 0.025), 0.25);
});

test('median is over per-task means, not pooled scores', () => {
  // Task means 1, 2, 10 -> median 2; the pooled median would be 2 as well, so make them differ.
  const m: ScoreMatrix = [[0, 2, 10], [2, 2, 10]];
  assert.equal(aggregateMedian(m), 2);
  const m2: ScoreMatrix = [[0, 0, 10], [0, 4, 10], [0, 5, 10]];
  assert.equal(aggregateMedian(m2), 3); // task means 0, 3, 10; pooled median would be 4
});

test('optimality gap: γ − mean(min(X, γ)), scores above γ earn nothing extra', () => {
  assert.equal(aggregateOptimalityGap(column([0.5, 1, 2])), 1 - (0.5 + 1 + 1) / 3);
  assert.equal(aggregateOptimalityGap(column([200, 300]), 250), 250 - 225);
  assert.equal(statFunction('optimality-gap', { threshold: 10 })(column([0, 20])), 5);
  assert.equal(aggregateOptimalityGap(X), 1 - 1); // every score >= 1
});

test('bad matrices are rejected with StatsInputError', () => {
  assert.throws(() => aggregateMean([]), StatsInputError);
  assert.throws(() => aggregateIqm([[1, 2], [3]]), /ragged/);
  assert.throws(() => aggregateIqm([[1], [NaN]]), /non-finite/);
});

test('property: aggregates are permutation invariant, shift equivariant and lie within [min, max]', () => {
  const rng = new Rng(1234);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + rng.int(12);
    const m = 1 + rng.int(3);
    const s: ScoreMatrix = Array.from({ length: n }, () => Array.from({ length: m }, () => rng.normal() * 3 + rng.int(4)));
    const perm = rng.shuffle(s.map((r) => [...r]));
    const c = rng.uniform(-5, 5);
    const shifted = s.map((r) => r.map((x) => x + c));
    const flat = s.flat();
    const lo = Math.min(...flat);
    const hi = Math.max(...flat);
    for (const f of [aggregateMean, aggregateMedian, aggregateIqm]) {
      const v = f(s);
      close(f(perm), v, 1e-9);
      close(f(shifted), v + c, 1e-9);
      assert.ok(v >= lo - 1e-9 && v <= hi + 1e-9);
    }
    // The optimality gap is never negative, and zero exactly when every score reaches γ.
    const gap = aggregateOptimalityGap(s, 0);
    assert.ok(gap >= 0);
    assert.equal(gap === 0, lo >= 0);
  }
});
