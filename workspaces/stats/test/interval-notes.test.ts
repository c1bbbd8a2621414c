// The notes `creditlab compare` prints and the comparison view footnotes for zero-width intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armImprovement, armInterval, armZeroWidthNote, bandPointZeroWidthNote, bandZeroWidthNote, improvementZeroWidthNote, isZeroWidth, pairedVs, pairedZeroWidthNote } from '../src';

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

test('bandZeroWidthNote: one line per curve, ranges grouped by cause; bandPointZeroWidthNote: one exported row', () => {
  const NOT_CERTAINTY = 'an interval cannot show variation the runs did not show, so this is not certainty';
  assert.equal(bandZeroWidthNote('a', []), null);
  const spans = [
    { first: 0, last: 0, from: 0, to: 0, n: 4, cause: 'all-equal' as const },
    { first: 5, last: 7, from: 5000, to: 7000, n: 4, cause: 'all-equal' as const },
    { first: 8, last: 10, from: 8000, to: 10000, n: 3, cause: 'all-equal' as const },
  ];
  assert.equal(
    bandZeroWidthNote('ppo', spans, { unit: 'env steps', format: (x) => x.toLocaleString('en-US') }),
    `ppo: the band has zero width at env steps 0, 5,000–7,000 (all 4 runs have the same value there); at 8,000–10,000 (all 3 runs have the same value there); ${NOT_CERTAINTY}`,
  );
  const many = Array.from({ length: 6 }, (_, i) => ({ first: 2 * i, last: 2 * i, from: 2 * i, to: 2 * i, n: 2, cause: 'resamples' as const }));
  assert.equal(bandZeroWidthNote('b', many), `b: the band has zero width at 0, 2, 4, 6 and 2 more ranges (every resample of the 2 runs gives the same value there); ${NOT_CERTAINTY}`);
  assert.equal(
    bandZeroWidthNote('c', [{ first: 1, last: 2, from: 1, to: 2, n: 2, cause: 'all-reached' }], { threshold: 0.9 }),
    `c: the band has zero width at 1–2 (all 2 runs are at or above γ=0.9, so every resample's gap is 0 there); ${NOT_CERTAINTY}`,
  );
  assert.equal(bandPointZeroWidthNote({ n: 5, cause: 'all-equal' }), `zero-width band: all 5 runs have the same value here; ${NOT_CERTAINTY}`);
});
