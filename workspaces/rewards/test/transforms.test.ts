import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { lsc, lscAnd, logSigmoid, quantile, lscReference, scaleRewards, clipRewards, normalizeRewards, updateStats, emptyStats } from '../src/index';

test('LSC: u < 0; u(r_ref) = −ln 2; increasing with shrinking increments; → 0 above, ≈ r − r_ref far below', () => {
  assert.ok(Math.abs(lsc(3, 3) + Math.LN2) < 1e-15);
  let prevU = -Infinity;
  let prevInc = Infinity;
  for (let r = -20; r <= 20; r += 0.5) {
    const u = lsc(r, 1);
    assert.ok(u < 0 || (r > 30 && u === 0));
    assert.ok(u > prevU);
    const inc = lsc(r + 1, 1) - u;
    assert.ok(inc < prevInc);
    prevU = u;
    prevInc = inc;
  }
  assert.ok(lsc(60, 0) > -1e-20);
  assert.ok(Math.abs(lsc(-40, 0) - -40) < 1e-12);
  assert.ok(Number.isFinite(logSigmoid(-1000)) && Number.isFinite(logSigmoid(1000)));
});

test('LSC sum is a logical AND: log σ(2) + log σ(−2) = log(σ(2)σ(−2)) = −2.253856', () => {
  const u = lscAnd([2, -2], [0, 0]);
  assert.ok(Math.abs(u - -2.253856) < 1e-6);
  const s = (x: number) => 1 / (1 + Math.exp(-x));
  assert.ok(Math.abs(u - Math.log(s(2) * s(-2))) < 1e-12);
  // A big surplus on one property cannot hide a failure on another, unlike a raw sum.
  assert.ok(lscAnd([100, -5], [0, 0]) < lscAnd([2, 2], [0, 0]));
  assert.throws(() => lscAnd([1], [0, 0]));
});

test('quantile: linear interpolation between order statistics; r_ref defaults to the 0.85 quantile', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([4, 1, 3, 2], 0), 1);
  assert.equal(quantile([4, 1, 3, 2], 1), 4);
  assert.ok(Math.abs(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.85) - 8.65) < 1e-12);
  assert.equal(lscReference([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.85));
  assert.equal(quantile([7], 0.3), 7);
  assert.throws(() => quantile([], 0.5));
});

test('scale and clip', () => {
  assert.deepEqual(scaleRewards([1, -2], 0.5), [0.5, -1]);
  assert.deepEqual(clipRewards([-3, 0.2, 9], -1, 1), [-1, 0.2, 1]);
});

test('running stats match the batch mean and population variance', () => {
  const rng = new Rng(20);
  const xs = Array.from({ length: 500 }, () => rng.normal() * 3 + 2);
  let s = emptyStats();
  for (const x of xs) s = updateStats(s, x);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(s.mean - mean) < 1e-10 && Math.abs(s.var - v) < 1e-9);
});

test('normalisation: "reward" divides by the running std of rewards (optionally centred); "return" by that of the discounted return', () => {
  const rs = [1, 2, 3, 4];
  const o = { target: 'reward' as const, gamma: 0.99, center: false, epsilon: 0 };
  const n = normalizeRewards(rs, [false, false, false, false], o);
  // After 2 values: var of [1, 2] = 0.25, so 2 / 0.5 = 4.
  assert.ok(Math.abs(n[1] - 4) < 1e-12);
  const c = normalizeRewards(rs, [false, false, false, false], { ...o, center: true });
  assert.ok(Math.abs(c[1] - (2 - 1.5) / 0.5) < 1e-12);
  const ret = normalizeRewards([1, 1, 1], [false, true, false], { ...o, target: 'return', gamma: 0.5, epsilon: 1e-8 });
  // Returns seen: 1, 1.5, then reset after the done → 1; std of [1, 1.5, 1].
  const m = 3.5 / 3;
  const sd = Math.sqrt(((1 - m) ** 2 * 2 + (1.5 - m) ** 2) / 3);
  assert.ok(Math.abs(ret[2] - 1 / Math.sqrt(sd * sd + 1e-8)) < 1e-9);
});
