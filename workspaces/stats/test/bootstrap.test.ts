// Stratified bootstrap percentile intervals (Agarwal et al., NeurIPS 2021, arXiv:2108.13264). A TS PRNG
// cannot replay NumPy's stream, so these test properties, not rliable's exact interval digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import {
  aggregateWithCI,
  bootstrapCI,
  column,
  percentileInterval,
  STAT_NAMES,
  stratifiedResample,
  StatsInputError,
  type ScoreMatrix,
} from '../src/index';

function sample(n: number, seed: number, mu = 0): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => mu + rng.normal());
}

test('a replicate never moves scores between tasks', () => {
  // Task t's scores are 100·t + run, so any foreign score is recognisable.
  const scores: ScoreMatrix = Array.from({ length: 6 }, (_, i) => [0, 1, 2].map((t) => 100 * t + i));
  const rng = new Rng(7);
  const seenRuns = new Set<number>();
  for (let r = 0; r < 300; r++) {
    const res = stratifiedResample(scores, rng);
    assert.equal(res.length, 6);
    for (const row of res) {
      row.forEach((v, t) => {
        assert.equal(Math.floor(v / 100), t, `task ${t} received ${v}`);
        seenRuns.add(v % 100);
      });
    }
  }
  assert.equal(seenRuns.size, 6, 'every run can be drawn');
  // Within one replicate, tasks draw runs independently (not the same row for every task).
  const res = stratifiedResample(scores, new Rng(3));
  assert.ok(res.some((row) => row[0] % 100 !== row[1] % 100));
});

test('CI contains the point estimate for every statistic', () => {
  for (let seed = 0; seed < 10; seed++) {
    const s = column(sample(10, seed, 0.5));
    for (const stat of STAT_NAMES) {
      const r = aggregateWithCI(s, stat, { seed, reps: 500 });
      assert.ok(r.ci[0] <= r.estimate && r.estimate <= r.ci[1], `${stat}: ${r.estimate} not in [${r.ci}]`);
      assert.equal(r.n, 10);
    }
  }
});

test('CI narrows with more runs', () => {
  const few = aggregateWithCI(column(sample(5, 11)), 'iqm', { seed: 1 });
  const many = aggregateWithCI(column(sample(80, 12)), 'iqm', { seed: 1 });
  const w = (r: { ci: [number, number] }) => r.ci[1] - r.ci[0];
  // Width scales like 1/√n, so 16× the runs should give about a quarter of the width.
  assert.ok(w(many) < 0.5 * w(few), `few ${w(few)} vs many ${w(many)}`);
  const wider = aggregateWithCI(column(sample(20, 13)), 'mean', { seed: 2, ci: 0.99 });
  const narrower = aggregateWithCI(column(sample(20, 13)), 'mean', { seed: 2, ci: 0.5 });
  assert.ok(w(wider) > w(narrower));
});

test('seeded: same seed same interval, different seed different interval', () => {
  const s = column(sample(12, 5));
  const a = aggregateWithCI(s, 'iqm', { seed: 42 });
  const b = aggregateWithCI(s, 'iqm', { seed: 42 });
  const c = aggregateWithCI(s, 'iqm', { seed: 43 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.ci, c.ci);
  assert.equal(a.estimate, c.estimate);
});

test('mean CI is close to the normal-theory interval (sanity of the percentile method)', () => {
  const xs = sample(200, 99);
  const r = bootstrapCI(column(xs), (m) => m.reduce((a, row) => a + row[0], 0) / m.length, { seed: 0 });
  const mu = xs.reduce((a, b) => a + b) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (xs.length - 1));
  const half = (1.96 * sd) / Math.sqrt(xs.length);
  assert.ok(Math.abs(r.ci[0] - (mu - half)) < 0.25 * half, `low ${r.ci[0]} vs ${mu - half}`);
  assert.ok(Math.abs(r.ci[1] - (mu + half)) < 0.25 * half, `high ${r.ci[1]} vs ${mu + half}`);
});

test('percentile interval of 0..100 at 90% is [5, 95]', () => {
  const reps = Array.from({ length: 101 }, (_, i) => 100 - i);
  const [lo, hi] = percentileInterval(reps, 0.9);
  assert.ok(Math.abs(lo - 5) < 1e-9 && Math.abs(hi - 95) < 1e-9, `[${lo}, ${hi}]`);
});

test('a single run gives a degenerate interval; bad options throw', () => {
  const r = aggregateWithCI([[3]], 'mean', {});
  assert.deepEqual(r.ci, [3, 3]);
  assert.throws(() => aggregateWithCI([[1], [2]], 'mean', { ci: 1 }), StatsInputError);
  assert.throws(() => aggregateWithCI([[1], [2]], 'mean', { reps: 0 }), /reps/);
  assert.throws(() => aggregateWithCI([], 'mean', {}), /no runs/);
});
