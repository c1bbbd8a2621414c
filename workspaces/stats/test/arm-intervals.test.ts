// The per-arm interval and probability of improvement that `creditlab compare` and the comparison view share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { aggregateWithCI, armImprovement, armInterval, column, isCensored, probabilityOfImprovementWithCI } from '../src';

const xs = [0.71, 0.64, 0.8, 0.77, 0.69];
const ys = [0.6, 0.66, 0.72, 0.58, 0.7];

test('armInterval: the stratified bootstrap on a stream keyed by the arm name, captioned with how it was made', () => {
  const a = armInterval('shaped', xs, 'iqm', { seed: 4, reps: 500 });
  const direct = aggregateWithCI(column(xs), 'iqm', { reps: 500, rng: new Rng(4).fork('arm:shaped') });
  assert.deepEqual([a.estimate, a.ci], [direct.estimate, direct.ci]);
  assert.match(a.method, /^95% percentile bootstrap \(500 resamples\), n=5 \(undercovers at small n\)$/);
  // Another arm name is another stream: same estimate, (almost surely) other bounds.
  const b = armInterval('other', xs, 'iqm', { seed: 4, reps: 500 });
  assert.equal(b.estimate, a.estimate);
  assert.notDeepEqual(b.ci, a.ci);
});

test('armInterval: one run has no interval (NaN bounds), not a zero-width one', () => {
  const a = armInterval('solo', [0.5], 'mean');
  assert.equal(a.estimate, 0.5);
  assert.ok(a.ci.every(Number.isNaN));
  assert.match(a.method, /^no interval: one run/);
});

test('armImprovement: P(X > Y) on a stream keyed by both names', () => {
  const p = armImprovement('x', xs, 'y', ys, { reps: 300, seed: 2 });
  const direct = probabilityOfImprovementWithCI(column(xs), column(ys), { reps: 300, rng: new Rng(2).fork('poi:x>y') });
  assert.deepEqual(p, direct);
});

test('isCensored: only first-above, only runs that never reach the threshold', () => {
  const s = { steps: [0, 10, 20], values: [0.1, 0.5, 0.8] };
  assert.equal(isCensored(s, 'first-above:0.9'), true);
  assert.equal(isCensored(s, 'first-above:0.8'), false);
  assert.equal(isCensored(s, 'last'), false);
  assert.equal(isCensored({ steps: [], values: [] }, 'first-above:0.9'), false);
});
