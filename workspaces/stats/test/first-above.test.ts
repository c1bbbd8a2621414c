import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractScore, parseAt, formatAt } from '../src/index';

test('first-above:X is the first step at or above X, censored at the last step when never reached', () => {
  const s = { steps: [10, 20, 30, 40], values: [0.1, 0.5, 0.95, 0.8] };
  assert.equal(extractScore(s, 'first-above:0.9'), 30);
  assert.equal(extractScore(s, 'first-above:0.99'), 40);
  assert.equal(extractScore(s, 'first-above:0'), 10);
  assert.equal(formatAt(parseAt('first-above:0.9')), 'first-above:0.9');
  assert.throws(() => parseAt('first-above:'), /threshold/);
});

import { aggregateMedian } from '../src/index';
test('median of one task is the median of the runs, of several tasks the median of task means (rliable)', () => {
  assert.equal(aggregateMedian([[1], [2], [10]]), 2);
  assert.equal(aggregateMedian([[1, 2], [2, 2], [1, 1], [2, 1]]), 1.5);
});

import { aggregateWithCI, bootstrapCI, statFunction, STAT_NAMES } from '../src/index';
import { Rng } from '@creditlab/common';
test('the one-task fast path gives exactly the generic bootstrap result', () => {
  const rng = new Rng(7);
  for (const n of [1, 2, 5, 13, 40]) {
    const col = Array.from({ length: n }, () => [rng.normal() * 3]);
    for (const stat of STAT_NAMES) {
      const fast = aggregateWithCI(col, stat, { reps: 300, seed: 11, threshold: 0.5 });
      const slow = bootstrapCI(col, statFunction(stat, { threshold: 0.5 }), { reps: 300, seed: 11 });
      assert.deepEqual(fast, slow, `${stat} n=${n}`);
    }
  }
});
