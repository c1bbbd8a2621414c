// The comparison figure drawn in pieces: every piece before the last prepares what the whole figure will
// show (frame, axes, legend), and the last piece is the figure itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoranges, buildFigure, figurePieces, spanTrace, type FigureInput } from '../src/views/comparison/figure';
import type { GroupCurves } from '../src/views/comparison/comparison-stats';

const curve = (steps: number[], estimate: number[], low: number[], high: number[]) => ({ steps, estimate, low, high, n: steps.map(() => 3) });

const curves: GroupCurves[] = [
  { arm: 'a', color: '#1f77b4', seeds: [0, 1, 2], curve: curve([0, 10, 20], [1, 2, 3], [0.5, 1.5, 2.5], [1.5, 2.5, 9]), raw: curve([0, 10, 20], [1, -4, 3], [1, -4, 3], [1, -4, 3]), lines: [] },
  { arm: 'b', color: '#ff7f0e', seeds: [0, 1, 2], curve: curve([5, 10, 30], [2, NaN, 4], [1, NaN, 3], [3, NaN, 5]), raw: null, lines: [] },
];

const input = (c: GroupCurves[], extra: Partial<FigureInput> = {}): FigureInput => ({
  curves: c,
  metric: 'm',
  stat: 'iqm',
  band: 'ci',
  smoothing: 0.6,
  showSeeds: false,
  logY: false,
  xAxis: 'step',
  stepLabel: 'steps',
  title: 't',
  uirevision: 'u',
  alarms: [],
  pub: false,
  ...extra,
});

test('the span runs from the lowest to the highest finite point of every trace, drawn with no width', () => {
  const fig = buildFigure(input(curves));
  const span = spanTrace(fig.data, false)!;
  // x from 0 (a) to 30 (b); y from the raw curve's -4 to a's upper bound 9; NaN points are skipped.
  assert.deepEqual([span.x, span.y], [[0, 30], [-4, 9]]);
  assert.deepEqual(span.line, { width: 0 });
  assert.equal(span.showlegend, false);
  assert.equal(span.hoverinfo, 'skip');
  // On a log axis values <= 0 do not count, as Plotly leaves them out of its range.
  assert.deepEqual(spanTrace(fig.data, true)!.y, [0.5, 9]);
  assert.equal(spanTrace([{ x: [1], y: [NaN] }], false), null);
});

test('a fresh element gets the frame, the x axis, the y axis unlabelled, ranged axes, autoranged axes, the legend, then the whole figure', () => {
  const fig = buildFigure(input(curves));
  const pieces = figurePieces(fig, false, { layout: false, traces: 0 });
  assert.equal(pieces.length, 7);
  const [bare, xOnly, yBare, ranged, span, legend, whole] = pieces;
  const axis = (f: { layout: Record<string, unknown> }, a: 'xaxis' | 'yaxis') => f.layout[a] as { visible?: boolean; range?: number[]; autorange?: boolean };
  assert.deepEqual(bare.data, []);
  assert.deepEqual([axis(bare, 'xaxis').visible, axis(bare, 'yaxis').visible], [false, false]);
  assert.deepEqual([axis(xOnly, 'xaxis').visible, axis(xOnly, 'yaxis').visible], [undefined, false]);
  assert.deepEqual([yBare.data, (yBare.layout.yaxis as { showticklabels: boolean }).showticklabels, (yBare.layout.yaxis as { title: { text: string } }).title.text], [[], false, '']);
  assert.equal(yBare.layout.xaxis, fig.layout.xaxis);
  assert.notEqual(axis(fig, 'xaxis').visible, false, 'the figure itself keeps its axes');
  assert.deepEqual(ranged.data, []);
  assert.deepEqual(axis(ranged, 'xaxis').range, [0, 30]);
  // 13 units of data take the middle 90% of the axis: 13 / 0.9 * 0.05 free at either end.
  const pad = (13 * 0.05) / 0.9;
  assert.deepEqual(axis(ranged, 'yaxis').range, [-4 - pad, 9 + pad]);
  assert.equal(axis(ranged, 'yaxis').autorange, false);
  assert.equal(span.layout, fig.layout, 'from the span on, the axes autorange as the figure does');
  assert.equal(span.data.length, 1);
  assert.deepEqual(legend.data.slice(1).map((d) => d.name), ['a (n=3)', 'b (n=3)']);
  assert.ok(legend.data.slice(1).every((d) => fig.data.includes(d)), 'the legend piece draws the figure\'s own aggregate lines');
  assert.equal(whole, fig);
});

test('autoranges: y padded in decades on a log axis; a single value is left to Plotly', () => {
  const r = autoranges({ x: [1, 5], y: [1, 1000] }, true)!;
  assert.deepEqual(r.x, [1, 5]);
  const pad = (3 * 0.05) / 0.9;
  assert.ok(Math.abs(r.y[0] + pad) < 1e-12 && Math.abs(r.y[1] - (3 + pad)) < 1e-12, `${r.y}`);
  assert.equal(autoranges({ x: [1, 5], y: [2, 2] }, false), null);
  assert.equal(autoranges({ x: [3, 3], y: [1, 2] }, false), null);
});

test('an element that shows traces is updated in one call; an empty figure needs no span', () => {
  const fig = buildFigure(input(curves));
  assert.deepEqual(figurePieces(fig, false, { layout: true, traces: 5 }), [fig]);
  const empty = buildFigure(input([]));
  assert.deepEqual(figurePieces(empty, false, { layout: true, traces: 0 }), [empty]);
  assert.equal(figurePieces(empty, false, { layout: false, traces: 0 }).length, 4);
  // Without a band or unsmoothed curve the aggregate lines are the whole figure: no separate legend piece.
  const plain = buildFigure(input(curves.map((c) => ({ ...c, raw: null })), { band: 'none', smoothing: 0 }));
  assert.equal(figurePieces(plain, false, { layout: true, traces: 0 }).length, 3);
});
