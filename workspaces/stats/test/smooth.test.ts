// Smoothing applied per run before aggregation; the EMA is TensorBoard's debiased scalar-dashboard EMA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { emaSmooth, formatSmoothing, parseSmoothing, runningAverage, smoothSeries, StatsInputError } from '../src/index';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test('EMA matches a hand computation (w = 0.5)', () => {
  // last: 0.5·0 + 0.5·2 = 1 -> /(1 − 0.5) = 2
  //       0.5·1 + 0.5·4 = 2.5 -> /(1 − 0.25) = 10/3
  //       0.5·2.5 + 0.5·8 = 5.25 -> /(1 − 0.125) = 6
  const out = emaSmooth([2, 4, 8], 0.5);
  close(out[0], 2);
  close(out[1], 10 / 3);
  close(out[2], 6);
});

test('EMA: the first point is unbiased, w = 0 is the identity, constants stay constant', () => {
  close(emaSmooth([7, 1], 0.9)[0], 7);
  assert.deepEqual(emaSmooth([3, -1, 4], 0), [3, -1, 4]);
  for (const v of emaSmooth(Array(50).fill(0.37), 0.99)) close(v, 0.37, 1e-12);
});

test('EMA: NaN passes through and neither updates the average nor counts as a point', () => {
  const out = emaSmooth([2, NaN, 4, Infinity, 8], 0.5);
  assert.ok(Number.isNaN(out[1]));
  assert.equal(out[3], Infinity);
  const clean = emaSmooth([2, 4, 8], 0.5);
  assert.deepEqual([out[0], out[2], out[4]], clean);
});

test('EMA is step-agnostic: uneven step spacing does not change the weights', () => {
  const a = smoothSeries({ steps: [0, 1, 2], values: [2, 4, 8] }, 'ema:0.5');
  const b = smoothSeries({ steps: [0, 1, 1000], values: [2, 4, 8] }, 'ema:0.5');
  assert.deepEqual(a.values, b.values);
  assert.deepEqual(b.steps, [0, 1, 1000]);
});

test('smoothSeries sorts by step before smoothing', () => {
  const out = smoothSeries({ steps: [2, 0, 1], values: [8, 2, 4] }, { kind: 'ema', weight: 0.5 });
  assert.deepEqual(out.steps, [0, 1, 2]);
  close(out.values[2], 6);
});

test('running average: trailing window, shorter at the start', () => {
  assert.deepEqual(runningAverage([1, 2, 3, 4, 5], 3), [1, 1.5, 2, 3, 4]);
  assert.deepEqual(runningAverage([1, 2, 3], 1), [1, 2, 3]);
  const withNaN = runningAverage([1, NaN, 3], 2);
  assert.equal(withNaN[2], 2);
});

test('property: smoothed values stay within the running min/max of the raw values', () => {
  const rng = new Rng(21);
  for (let trial = 0; trial < 100; trial++) {
    const xs = Array.from({ length: 1 + rng.int(40) }, () => rng.normal() * 10);
    const w = rng.next() * 0.99;
    for (const ys of [emaSmooth(xs, w), runningAverage(xs, 1 + rng.int(10))]) {
      let lo = Infinity;
      let hi = -Infinity;
      ys.forEach((y, i) => {
        lo = Math.min(lo, xs[i]);
        hi = Math.max(hi, xs[i]);
        assert.ok(y >= lo - 1e-9 && y <= hi + 1e-9);
      });
    }
  }
});

test('parseSmoothing accepts none / ema:W / avg:K and rejects the rest clearly', () => {
  for (const t of ['none', 'ema:0.6', 'avg:5']) assert.equal(formatSmoothing(parseSmoothing(t)), t);
  assert.throws(() => parseSmoothing('ema:1'), /\[0, 1\)/);
  assert.throws(() => parseSmoothing('ema:x'), StatsInputError);
  assert.throws(() => parseSmoothing('avg:0'), /integer >= 1/);
  assert.throws(() => parseSmoothing('gauss:2'), /none, ema:W/);
});
