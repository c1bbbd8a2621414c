// Curve aggregation over runs logged at different steps (sample-efficiency curves, arXiv:2108.13264).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { aggregateCurves, interpolateAt, stepGrid, zeroWidthSpanAt } from '../src/index';

test('interpolation is linear inside the range and never extrapolates', () => {
  const s = { steps: [10, 20, 40], values: [0, 10, 30] };
  assert.equal(interpolateAt(s, 10), 0);
  assert.equal(interpolateAt(s, 15), 5);
  assert.equal(interpolateAt(s, 30), 20);
  assert.equal(interpolateAt(s, 40), 30);
  assert.ok(Number.isNaN(interpolateAt(s, 9.999)));
  assert.ok(Number.isNaN(interpolateAt(s, 40.001)));
  assert.equal(interpolateAt({ steps: [5], values: [1] }, 5), 1);
});

test('union grid keeps logged steps and caps to N points including both ends', () => {
  const runs = [
    { steps: [0, 10, 20], values: [0, 0, 0] },
    { steps: [5, 10, 30], values: [0, 0, 0] },
  ];
  assert.deepEqual(stepGrid(runs, 'union'), [0, 5, 10, 20, 30]);
  const big = [{ steps: Array.from({ length: 1000 }, (_, i) => i * 3), values: Array(1000).fill(1) }];
  const g = stepGrid(big, 'union', 50);
  assert.equal(g.length, 50);
  assert.equal(g[0], 0);
  assert.equal(g[49], 2997);
  assert.deepEqual(stepGrid(runs, 'uniform', 4), [0, 10, 20, 30]);
});

test('runs only count where they were logged; n is reported per grid point', () => {
  const runs = [
    { steps: [0, 100], values: [0, 100] },
    { steps: [50, 200], values: [1000, 1000] },
  ];
  const c = aggregateCurves(runs, { stat: 'mean', steps: [0, 25, 50, 100, 150, 200, 250], reps: 50 });
  assert.deepEqual(c.n, [1, 1, 2, 2, 1, 1, 0]);
  assert.deepEqual(c.estimate.slice(0, 6), [0, 25, (50 + 1000) / 2, (100 + 1000) / 2, 1000, 1000]);
  assert.ok(Number.isNaN(c.estimate[6]) && Number.isNaN(c.low[6]));
  // Were run 0 extrapolated to step 150 its slope would give 150, pulling the mean below 1000.
});

test('minRuns blanks points with too few contributing runs', () => {
  const runs = [
    { steps: [0, 10], values: [1, 1] },
    { steps: [0, 5], values: [3, 3] },
  ];
  const c = aggregateCurves(runs, { stat: 'mean', steps: [0, 10], minRuns: 2, reps: 20 });
  assert.deepEqual(c.n, [2, 1]);
  assert.equal(c.estimate[0], 2);
  assert.ok(Number.isNaN(c.estimate[1]));
});

test('smoothing is applied per run before aggregation', () => {
  const runs = [{ steps: [0, 1, 2], values: [2, 4, 8] }];
  const c = aggregateCurves(runs, { stat: 'mean', smooth: 'ema:0.5', reps: 10 });
  assert.ok(Math.abs(c.estimate[2] - 6) < 1e-12);
});

test('curve bands bracket the estimate and are seeded', () => {
  const rng = new Rng(4);
  const runs = Array.from({ length: 8 }, (_, r) => {
    const every = 5 + r; // different cadences
    const steps = Array.from({ length: 30 }, (_, i) => i * every);
    return { steps, values: steps.map((s) => s / 10 + rng.normal()) };
  });
  const opts = { stat: 'iqm' as const, grid: 'uniform' as const, points: 40, reps: 300, seed: 3 };
  const c = aggregateCurves(runs, opts);
  assert.equal(c.steps.length, 40);
  c.estimate.forEach((v, i) => assert.ok(c.n[i] < 2 ? Number.isNaN(c.low[i]) && Number.isNaN(c.high[i]) : c.low[i] <= v && v <= c.high[i], `point ${i}`));
  // The tail beyond the shortest runs is carried by fewer runs.
  assert.equal(c.n[0], 8);
  assert.equal(c.n[39], 1);
  assert.deepEqual(c, aggregateCurves(runs, opts));
});

test('a grid point covered by one run has its value but no band', () => {
  const c = aggregateCurves([{ steps: [0, 10, 20], values: [1, 2, 3] }, { steps: [0, 10], values: [5, 6] }], { stat: 'mean', reps: 50 });
  assert.deepEqual(c.n, [2, 2, 1]);
  assert.equal(c.estimate[2], 3);
  assert.ok(Number.isNaN(c.low[2]) && Number.isNaN(c.high[2]));
  assert.ok(c.low[0] <= c.estimate[0] && c.estimate[0] <= c.high[0]);
});

test('zero-width band: the grid stretches where every run has one value are listed, split where the number of runs changes', () => {
  // Steps 0..10. Everyone starts at 0; the runs differ while learning (1–4), then all sit at 500.
  // Run d stops at step 7, so from step 8 three runs remain.
  const learn = (k: number) => (s: number) => (s === 0 ? 0 : s < 5 ? s * (10 + k) : 500);
  const mk = (k: number, last: number) => {
    const steps = Array.from({ length: last + 1 }, (_, s) => s);
    return { steps, values: steps.map(learn(k)) };
  };
  const c = aggregateCurves([mk(0, 10), mk(1, 10), mk(2, 10), mk(3, 7)], { stat: 'iqm', reps: 200, seed: 1 });
  assert.deepEqual(c.zeroWidth, [
    { first: 0, last: 0, from: 0, to: 0, n: 4, cause: 'all-equal' },
    { first: 5, last: 7, from: 5, to: 7, n: 4, cause: 'all-equal' },
    { first: 8, last: 10, from: 8, to: 10, n: 3, cause: 'all-equal' },
  ]);
  for (let i = 1; i <= 4; i++) assert.ok(c.high[i] > c.low[i], `step ${i}: the runs differ, so the band has width`);
  for (const z of c.zeroWidth) for (let i = z.first; i <= z.last; i++) assert.equal(c.low[i], c.high[i]);
  assert.deepEqual(zeroWidthSpanAt(c, 6), c.zeroWidth[1]);
  assert.equal(zeroWidthSpanAt(c, 3), null);
});

test('zero-width band: every run past γ closes the optimality gap band; one run or one resample is not a band', () => {
  const runs = [
    { steps: [0, 1, 2], values: [0.2, 1.2, 1.3] },
    { steps: [0, 1, 2, 3], values: [0.5, 1.5, 1.1, 2] },
  ];
  const gap = aggregateCurves(runs, { stat: 'optimality-gap', threshold: 1, reps: 200 });
  assert.deepEqual(gap.zeroWidth, [{ first: 1, last: 2, from: 1, to: 2, n: 2, cause: 'all-reached' }]);
  // Step 3 has one run: no band (NaN), so nothing to note.
  assert.ok(Number.isNaN(gap.low[3]));
  // With one resample (a caller that draws no band) every point's bounds coincide; only points where the
  // runs really are equal are listed.
  const flat = [
    { steps: [0, 1], values: [3, 1] },
    { steps: [0, 1], values: [3, 2] },
  ];
  assert.deepEqual(aggregateCurves(flat, { stat: 'mean', reps: 1 }).zeroWidth, [{ first: 0, last: 0, from: 0, to: 0, n: 2, cause: 'all-equal' }]);
  assert.deepEqual(aggregateCurves(flat, { stat: 'mean', reps: 200 }).zeroWidth, [{ first: 0, last: 0, from: 0, to: 0, n: 2, cause: 'all-equal' }]);
  // Nine runs at 1 and one at 5: the values differ, yet a median resample needs five draws of the odd run
  // to move, so every resample gives 1.
  const mostly = Array.from({ length: 10 }, (_, k) => ({ steps: [0, 1], values: [k, k === 9 ? 5 : 1] }));
  assert.deepEqual(aggregateCurves(mostly, { stat: 'median', reps: 200 }).zeroWidth, [{ first: 1, last: 1, from: 1, to: 1, n: 10, cause: 'resamples' }]);
});
