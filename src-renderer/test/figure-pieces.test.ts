// The comparison figure drawn in pieces: every piece before the last prepares what the whole figure will
// show (frame, axes, legend), and the last piece is the figure itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFigure, figurePieces, spanTrace, type FigureInput } from '../src/views/comparison/figure';
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

test('a fresh element gets the frame, then the final axes, then the legend, then the whole figure', () => {
  const fig = buildFigure(input(curves));
  const pieces = figurePieces(fig, false, { layout: false, traces: 0 });
  assert.equal(pieces.length, 4);
  const [bare, axes, legend, whole] = pieces;
  assert.deepEqual(bare.data, []);
  assert.equal((bare.layout.xaxis as { visible: boolean }).visible, false);
  assert.equal((bare.layout.yaxis as { visible: boolean }).visible, false);
  assert.notEqual((fig.layout.xaxis as { visible?: boolean }).visible, false, 'the figure itself keeps its axes');
  assert.equal(axes.layout, fig.layout);
  assert.equal(axes.data.length, 1);
  assert.deepEqual(legend.data.slice(1).map((d) => d.name), ['a (n=3)', 'b (n=3)']);
  assert.ok(legend.data.slice(1).every((d) => fig.data.includes(d)), 'the legend piece draws the figure\'s own aggregate lines');
  assert.equal(whole, fig);
});

test('an element that shows traces is updated in one call; an empty figure needs no span', () => {
  const fig = buildFigure(input(curves));
  assert.deepEqual(figurePieces(fig, false, { layout: true, traces: 5 }), [fig]);
  const empty = buildFigure(input([]));
  assert.deepEqual(figurePieces(empty, false, { layout: true, traces: 0 }), [empty]);
  assert.equal(figurePieces(empty, false, { layout: false, traces: 0 }).length, 2);
  // Without a band or unsmoothed curve the aggregate lines are the whole figure: no separate legend piece.
  const plain = buildFigure(input(curves.map((c) => ({ ...c, raw: null })), { band: 'none', smoothing: 0 }));
  assert.equal(figurePieces(plain, false, { layout: true, traces: 0 }).length, 2);
});
