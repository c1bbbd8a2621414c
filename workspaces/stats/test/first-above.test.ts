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
