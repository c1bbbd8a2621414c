// The comparison figure's pointwise band closes to a line wherever all runs have one value; the view says
// so under the figure and the curve CSV per row, in the words of @creditlab/stats interval-notes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { bandPointZeroWidthNote, percentileIntervalLabel } from '@creditlab/stats';
import { BandNotes, bandNotes } from '../src/views/comparison/BandNotes';
import { computeComparisonStats, CURVE_REPS, type Band, type GroupInput } from '../src/views/comparison/comparison-stats';
import { curveCsv } from '../src/views/comparison/curve-csv';

const NOT_CERTAINTY = 'an interval cannot show variation the runs did not show, so this is not certainty';

/** Steps 0, 1000, …, 10000; `value(seed, step)` per run. */
function group(label: string, seeds: number[], value: (seed: number, step: number) => number): GroupInput {
  const steps = Float64Array.from({ length: 11 }, (_, i) => i * 1000);
  return { label, color: '#4e79a7', runs: seeds.map((seed) => ({ run: `${label}${seed}`, seed, startedAt: null, steps, values: steps.map((s) => value(seed, s)), times: null })) };
}

// "solved": every seed starts at 0 and reaches CartPole's cap of 500 by step 6000; "noisy" never agrees.
const solved = group('solved', [0, 1, 2], (seed, s) => (s === 0 ? 0 : s >= 6000 ? 500 : s / 20 + 37 * seed));
const noisy = group('noisy', [0, 1, 2], (seed, s) => 100 + 10 * seed + s / 1000);

const stats = (band: Band) => computeComparisonStats({ groups: [solved, noisy], curve: { stat: 'iqm', band, smoothing: 0, xAxis: 'step' }, seedLines: false, scores: null });

test('the stats result lists where each curve\'s band has zero width', () => {
  const [s, n] = stats('ci').curves;
  assert.deepEqual(s.curve!.zeroWidth, [
    { first: 0, last: 0, from: 0, to: 0, n: 3, cause: 'all-equal' },
    { first: 6, last: 10, from: 6000, to: 10000, n: 3, cause: 'all-equal' },
  ]);
  assert.deepEqual(n.curve!.zeroWidth, []);
});

test('a note under the figure names the group, the steps and the cause; none where the band has width or is off', () => {
  const html = renderToStaticMarkup(createElement(BandNotes, { curves: stats('ci').curves, band: 'ci', xAxis: 'step', stepLabel: 'env steps' }));
  const note = `solved: the band has zero width at env steps 0, 6,000–10,000 (all 3 runs have the same value there); ${NOT_CERTAINTY}`;
  assert.equal(
    html,
    `<div class="band-notes muted small" data-testid="band-notes"><p><span class="arm-chip" style="background:#4e79a7"></span>${note}</p></div>`,
  );
  // Band off: the figure draws no band, so there is nothing to qualify.
  assert.equal(renderToStaticMarkup(createElement(BandNotes, { curves: stats('none').curves, band: 'none', xAxis: 'step', stepLabel: 'env steps' })), '');
  assert.deepEqual(bandNotes(stats('ci').curves.filter((c) => c.arm === 'noisy'), 'ci', 'step', 'env steps'), []);
});

test('curve CSV: a zero-width row says why in its interval column; the columns stay the same', () => {
  const csv = curveCsv(stats('ci').curves, 'arm', 'step', 'ci');
  const lines = csv.trimEnd().split('\n');
  assert.equal(lines[0], 'arm,step,n,estimate,low,high,interval');
  const label = percentileIntervalLabel(3, 0.95, CURVE_REPS);
  const zero = `${label}; ${bandPointZeroWidthNote({ n: 3, cause: 'all-equal' })}`;
  assert.equal(lines[1], `solved,0,3,0,0,0,"${zero}"`);
  assert.equal(lines[7], `solved,6000,3,500,500,500,"${zero}"`);
  assert.ok(lines[2].startsWith('solved,1000,3,') && lines[2].endsWith(`,"${label}"`), lines[2]);
  assert.ok(lines.slice(12).every((l) => l.startsWith('noisy,') && l.endsWith(`,"${label}"`)));
  // RFC 4180: a name with a quote or comma is quoted with the quote doubled (the one CSV writer).
  const odd = computeComparisonStats({ groups: [{ ...noisy, label: 'lr="3e-4", clip' }], curve: { stat: 'iqm', band: 'ci', smoothing: 0, xAxis: 'step' }, seedLines: false, scores: null });
  assert.ok(curveCsv(odd.curves, 'lr', 'step', 'ci').split('\n')[1].startsWith('"lr=""3e-4"", clip",0,3,'));
});
