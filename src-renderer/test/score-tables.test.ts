// The comparison view's score tables mark a zero-width interval and explain it under the table, in the
// words `creditlab compare` prints for it (@creditlab/stats interval-notes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { armZeroWidthNote, improvementZeroWidthNote, pairedZeroWidthNote } from '@creditlab/stats';
import { computeComparisonStats, type GroupInput } from '../src/views/comparison/comparison-stats';
import { ScoreTables } from '../src/views/comparison/ScoreTables';

const run = (seed: number, last: number) => ({ run: `r${seed}`, seed, startedAt: null, steps: Float64Array.of(0, 1), values: Float64Array.of(0, last), times: null });
const group = (label: string, lasts: number[]): GroupInput => ({ label, color: '#4e79a7', runs: lasts.map((v, seed) => run(seed, v)) });

function render(groups: GroupInput[]) {
  const stats = computeComparisonStats({ groups, curve: { stat: 'mean', band: 'none', smoothing: 0, xAxis: 'step' }, seedLines: false, scores: { paired: true, vs: 'b' } });
  const html = renderToStaticMarkup(createElement(ScoreTables, { scores: stats.scores, stat: 'mean', metric: 'm', groupBy: 'arm', groups: groups.map((g) => g.label), onPairedVs: () => {} }));
  return { stats: stats.scores, html };
}

/** The markup of one table, by its aria-label. */
const table = (html: string, label: string) => {
  const m = html.match(new RegExp(`<table[^>]*aria-label="${label}"[\\s\\S]*?</table>`));
  assert.ok(m, `no table "${label}"`);
  return m[0];
};
const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

test('a zero-width interval gets a footnote mark on its cell and the CLI\'s note under its table', () => {
  // a: all runs score 500 (a mean of 500 [500, 500]); every run of a beats every run of b (P = 1 [1, 1]);
  // a − b differs by the same 400 on every seed (Student t interval of zero width).
  const { stats, html } = render([group('a', [500, 501, 502]), group('b', [100, 101, 102])]);
  const same = render([group('a', [500, 500, 500]), group('b', [100, 101, 102])]);

  // Final scores: a's interval is [500, 500] with a mark; b's has width and none.
  const final = table(same.html, 'Final scores');
  const aNote = armZeroWidthNote([500, 500, 500], 'mean', [500, 500])!;
  assert.match(final, /\[500\.0, 500\.0\]<sup class="fn" title="[^"]*">1<\/sup>/);
  assert.equal(final.match(/<sup class="fn"/g)?.length, 1, 'b\'s interval has width: no mark');
  assert.ok(final.includes(`<tfoot>`) && final.includes(escape(`a: ${aNote}`)), final);

  // Probability of improvement: both directions are degenerate and share one note.
  const poi = table(html, 'Probability of improvement');
  assert.match(poi, /1\.00 \[1\.00, 1\.00\]<sup class="fn" title="[^"]*">1<\/sup>/);
  assert.match(poi, /0\.00 \[0\.00, 0\.00\]<sup class="fn" title="[^"]*">1<\/sup>/);
  const poiNote = improvementZeroWidthNote('a', [500, 501, 502], 'b', [100, 101, 102], [1, 1])!;
  assert.ok(poi.includes(escape(poiNote)), poi);
  assert.equal(stats.poi.find((p) => p.x === 'a')!.zeroWidth, poiNote);

  // Paired difference: 400 on every seed.
  const paired = table(html, 'Paired differences');
  assert.match(paired, /\[400\.0, 400\.0\]<sup class="fn" title="[^"]*">1<\/sup>/);
  const seeds = (xs: number[]) => xs.map((value, seed) => ({ seed, value }));
  assert.ok(paired.includes(escape(`a: ${pairedZeroWidthNote(seeds([500, 501, 502]), seeds([100, 101, 102]), 'mean', [400, 400])!}`)), paired);
  // Intervals with width are not marked: a's own interval here.
  assert.ok(!table(html, 'Final scores').includes('<sup class="fn"'));
});

test('overlapping arms with spread get no footnotes', () => {
  const { stats, html } = render([group('a', [1, 3, 6]), group('b', [2, 4, 5])]);
  assert.ok(!html.includes('<sup class="fn"'), html);
  assert.ok(!html.includes('<tfoot>'));
  assert.ok(stats.est.every((s) => s.zeroWidth === undefined));
});
