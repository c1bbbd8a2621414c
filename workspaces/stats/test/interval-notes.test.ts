// The notes `creditlab compare` prints and the comparison view footnotes for zero-width intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armImprovement, armInterval, armZeroWidthNote, improvementZeroWidthNote, isZeroWidth, pairedVs, pairedZeroWidthNote } from '../src';

test('isZeroWidth: equal finite bounds only; a missing interval is not a zero-width one', () => {
  assert.equal(isZeroWidth([1, 1]), true);
  assert.equal(isZeroWidth([0, 0]), true);
  assert.equal(isZeroWidth([0.9, 1]), false);
  assert.equal(isZeroWidth([NaN, NaN]), false);
  assert.equal(isZeroWidth([null, null]), false);
});

test('armZeroWidthNote: runs that all scored the same; every run at or above γ; none when the interval has width', () => {
  const same = [200, 200, 200];
  const est = armInterval('a', same, 'iqm');
  assert.deepEqual(est.ci, [200, 200]);
  assert.match(armZeroWidthNote(same, 'iqm', est.ci)!, /^zero-width interval: all 3 runs scored the same, so every resample gives the same value; .*not certainty$/);

  // Different scores, all past γ: every shortfall is 0, so is every resample's gap.
  const above = [1.2, 1.5, 1.1];
  const gap = armInterval('a', above, 'optimality-gap', { threshold: 1 });
  assert.deepEqual(gap.ci, [0, 0]);
  assert.match(armZeroWidthNote(above, 'optimality-gap', gap.ci, 1)!, /all 3 runs reached γ=1, so no run falls short and every resample's gap is 0/);

  const spread = [1, 2, 3];
  assert.equal(armZeroWidthNote(spread, 'mean', armInterval('a', spread, 'mean').ci), null);
  // One run has no interval at all (NaN bounds), which is said elsewhere.
  assert.equal(armZeroWidthNote([5], 'mean', armInterval('a', [5], 'mean').ci), null);
});

test('improvementZeroWidthNote: arms that do not overlap give 1 [1, 1] and 0 [0, 0], with one text for both directions', () => {
  const hi = [10, 11, 12];
  const lo = [1, 2, 3];
  const ab = armImprovement('a', hi, 'b', lo);
  const ba = armImprovement('b', lo, 'a', hi);
  assert.deepEqual([ab.estimate, ab.ci], [1, [1, 1]]);
  assert.deepEqual([ba.estimate, ba.ci], [0, [0, 0]]);
  const n1 = improvementZeroWidthNote('a', hi, 'b', lo, ab.ci);
  const n2 = improvementZeroWidthNote('b', lo, 'a', hi, ba.ci);
  assert.match(n1!, /^zero-width interval: every run of a \(3 runs\) scored above every run of b \(3 runs\), so every resample gives the same probability; .*not certainty$/);
  assert.equal(n2, n1);
  // Overlapping arms: the interval has width, no note.
  const mixed = [2.5, 11, 12];
  assert.equal(improvementZeroWidthNote('a', mixed, 'b', lo, armImprovement('a', mixed, 'b', lo).ci), null);
  // All tied: ½ in every resample.
  const tie = armImprovement('a', [4, 4], 'b', [4, 4]);
  assert.deepEqual(tie.ci, [0.5, 0.5]);
  assert.match(improvementZeroWidthNote('a', [4, 4], 'b', [4, 4], tie.ci)!, /every run of a and b scored the same, so every resample gives ½/);
});

test('pairedZeroWidthNote: equal per-seed differences give a Student t interval of zero width', () => {
  const a = [0, 1, 2].map((seed) => ({ seed, value: 10 + seed }));
  const b = [0, 1, 2].map((seed) => ({ seed, value: 7 + seed }));
  const d = pairedVs('a', a, 'b', b, 'mean');
  assert.deepEqual([d.estimate, d.ci], [3, [3, 3]]);
  assert.match(pairedZeroWidthNote(a, b, 'mean', d.ci)!, /^zero-width interval: all 3 per-seed differences are equal/);
  // The optimality gap differences shortfalls: both arms past γ means every difference is 0.
  const g = pairedVs('a', a, 'b', b, 'optimality-gap', { threshold: 5 });
  assert.deepEqual(g.ci, [0, 0]);
  assert.match(pairedZeroWidthNote(a, b, 'optimality-gap', g.ci, 5)!, /all 3 per-seed differences of the shortfall below γ=5 are equal/);
  const c = [0, 1, 2].map((seed) => ({ seed, value: seed * seed }));
  assert.equal(pairedZeroWidthNote(c, b, 'mean', pairedVs('c', c, 'b', b, 'mean').ci), null);
});
