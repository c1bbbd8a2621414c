// Per-run score extraction (what each run contributes to the aggregates of arXiv:2108.13264).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanSeries, extractScore, formatAt, parseAt, StatsInputError } from '../src/index';

const s = { steps: [0, 10, 20, 30], values: [0, 2, 4, 10] };

test('parseAt accepts the four forms and round-trips', () => {
  for (const t of ['last', 'max', 'auc', 'mean-last:5']) assert.equal(formatAt(parseAt(t)), t);
  assert.deepEqual(parseAt('mean-last:3'), { kind: 'mean-last', k: 3 });
});

test('parseAt errors say what was expected', () => {
  assert.throws(() => parseAt('final'), (e: Error) => e instanceof StatsInputError && /last, mean-last:K/.test(e.message));
  assert.throws(() => parseAt('mean-last'), /mean-last:10/);
  assert.throws(() => parseAt('mean-last:0'), /integer >= 1/);
  assert.throws(() => parseAt('mean-last:2.5'), /mean-last/);
  assert.throws(() => parseAt('mean-last:-1'), /mean-last/);
});

test('last, mean-last, max', () => {
  assert.equal(extractScore(s, 'last'), 10);
  assert.equal(extractScore(s, 'mean-last:2'), 7);
  assert.equal(extractScore(s, 'mean-last:100'), 4); // shorter than K: average of what exists
  assert.equal(extractScore(s, 'max'), 10);
});

test('auc is the trapezoid area divided by the step range', () => {
  // Trapezoids: 10*(0+2)/2 + 10*(2+4)/2 + 10*(4+10)/2 = 10 + 30 + 70 = 110, over a range of 30.
  assert.equal(extractScore(s, 'auc'), 110 / 30);
  // Uneven spacing weights by step, not by point.
  assert.equal(extractScore({ steps: [0, 1, 100], values: [0, 1, 1] }, 'auc'), (0.5 + 99) / 100);
  // A constant curve's normalised AUC is the constant, whatever the range.
  assert.equal(extractScore({ steps: [5, 7, 1000], values: [3, 3, 3] }, 'auc'), 3);
  assert.equal(extractScore({ steps: [5], values: [3] }, 'auc'), 3);
});

test('unsorted steps, repeated steps and NaNs are cleaned first', () => {
  const messy = { steps: [20, 0, 10, 10, 30], values: [4, 0, 99, 2, NaN] };
  assert.deepEqual(cleanSeries(messy), { steps: [0, 10, 20], values: [0, 2, 4] });
  assert.equal(extractScore(messy, 'last'), 4);
  assert.ok(Number.isNaN(extractScore({ steps: [1], values: [NaN] }, 'last')));
  assert.throws(() => extractScore({ steps: [1, 2], values: [1] }, 'last'), /2 steps but 1 values/);
});
