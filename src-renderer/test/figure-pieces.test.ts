// The comparison figure drawn in pieces: every piece before the last prepares what the whole figure will
// show (frame, axes, legend), and the last piece is the figure itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoranges, buildFigure, figurePieces, hideGroups, linePath, SPAN_UID, spanTrace, uidPart, type FigureInput } from '../src/views/comparison/figure';
import type { GroupCurves } from '../src/views/comparison/comparison-stats';

const curve = (steps: number[], estimate: number[], low: number[], high: number[]) => ({ steps, estimate, low, high, n: steps.map(() => 3), zeroWidth: [] });

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

test('one span per arm, from its lowest to its highest finite point of every trace and shape, drawn with no width', () => {
  const fig = buildFigure(input(curves));
  const [spanA, spanB] = fig.data;
  assert.deepEqual([spanA.uid, spanB.uid], [`${SPAN_UID}-a`, `${SPAN_UID}-b`], 'the spans are the first traces');
  // a: x 0..20, y from its raw curve's -4 (a shape) to its upper bound 9 (a band); b: its NaN point skipped.
  assert.deepEqual([spanA.x, spanA.y, spanB.x, spanB.y], [[0, 20], [-4, 9], [5, 30], [1, 5]]);
  assert.deepEqual([spanA.legendgroup, spanB.legendgroup], ['a', 'b'], 'hiding an arm hides its span, so the axes fit the rest');
  assert.deepEqual(spanA.line, { width: 0 });
  assert.equal(spanA.showlegend, false);
  assert.equal(spanA.hoverinfo, 'skip');
  // On a log axis values <= 0 do not count, as Plotly leaves them out of its range.
  assert.deepEqual(buildFigure(input(curves, { logY: true })).data[0].y, [0.5, 9]);
  assert.equal(spanTrace([{ x: [1], y: [NaN] }], false, 'a'), null);
  assert.deepEqual(buildFigure(input([])).data, [], 'nothing to span, no span');
});

test('bands and unsmoothed curves are path shapes in their arm\'s legend group, bands first; the lines are traces', () => {
  const fig = buildFigure(input(curves));
  assert.deepEqual(fig.data.slice(2).map((d) => d.name), ['a (n=3)', 'b (n=3)']);
  const shapes = fig.layout.shapes as Record<string, unknown>[];
  assert.deepEqual(shapes.map((s) => [s.type, s.legendgroup, s.fillcolor === undefined ? 'line' : 'band']), [
    ['path', 'a', 'band'],
    ['path', 'b', 'band'],
    ['path', 'a', 'line'],
  ]);
  assert.ok(shapes.every((s) => s.xref === 'x' && s.yref === 'y' && s.layer === 'below'));
  // a's band: upper bounds out, lower bounds back, closed; b's skips its uncovered middle point.
  assert.equal(shapes[0].path, 'M0,1.5 L10,2.5 L20,9 L20,2.5 L10,1.5 L0,0.5 Z');
  assert.equal(shapes[1].path, 'M5,3 L30,5 L30,3 L5,1 Z');
  assert.equal(shapes[2].path, 'M0,1 L10,-4 L20,3');
  // An alarm window stays a rect, before the curves.
  const alarmed = buildFigure(input(curves, { alarms: [{ arm: 'a', color: '#1f77b4', x0: 10, x1: 20 }] }));
  assert.deepEqual((alarmed.layout.shapes as Record<string, unknown>[]).map((s) => s.type), ['rect', 'path', 'path', 'path']);
});

test('uidPart keeps letters, digits and dashes and spells out the rest, so uids are class names and stay distinct', () => {
  assert.equal(uidPart('arm-1'), 'arm-1');
  assert.equal(uidPart('algo.lr=0.001'), 'algo_2e_lr_3d_0_2e_001');
  assert.equal(uidPart('other/base line'), 'other_2f_base_20_line');
  assert.notEqual(uidPart('a_2e_'), uidPart('a.'));
  assert.match(uidPart('π 😀:x'), /^[A-Za-z0-9_-]+$/);
});

test('linePath: data units, a new subpath after a gap, and on a log axis after a value <= 0', () => {
  assert.equal(linePath([1, 2, 3, 4, 5], [1, NaN, 3, 4, 0.5], false), 'M1,1 M3,3 L4,4 L5,0.5');
  assert.equal(linePath([1, 2, 3, 4], [10, -1, 100, 1000], true), 'M1,10 M3,100 L4,1000');
  assert.equal(linePath([], [], false), '');
});

test('a fresh element: the frame, the x axis in two steps, the y axis unlabelled, ranged axes, the span, the lines, their legend, the bands, the whole figure', () => {
  const fig = buildFigure(input(curves));
  const pieces = figurePieces(fig, false, { layout: false, traces: 0 });
  assert.equal(pieces.length, 10);
  const [bare, xLines, xOnly, yBare, ranged, span, lines, legend, bands, whole] = pieces;
  const axis = (f: { layout: Record<string, unknown> }, a: 'xaxis' | 'yaxis') => f.layout[a] as { visible?: boolean; range?: number[]; autorange?: boolean; showticklabels?: boolean };
  const shapeCount = (f: { layout: Record<string, unknown> }) => (f.layout.shapes as unknown[]).length;
  assert.deepEqual(bare.data, []);
  assert.deepEqual([axis(bare, 'xaxis').visible, axis(bare, 'yaxis').visible], [false, false]);
  assert.deepEqual([axis(xLines, 'xaxis').showticklabels, axis(xLines, 'yaxis').visible], [false, false]);
  assert.deepEqual([axis(xOnly, 'xaxis').visible, axis(xOnly, 'xaxis').showticklabels, axis(xOnly, 'yaxis').visible], [undefined, undefined, false]);
  assert.deepEqual([yBare.data, axis(yBare, 'yaxis').showticklabels, (yBare.layout.yaxis as { title: { text: string } }).title.text], [[], false, '']);
  assert.equal(yBare.layout.xaxis, fig.layout.xaxis);
  assert.notEqual(axis(fig, 'xaxis').visible, false, 'the figure itself keeps its axes');
  assert.deepEqual(ranged.data, []);
  assert.deepEqual(axis(ranged, 'xaxis').range, [0, 30]);
  // 13 units of data take the middle 90% of the axis: 13 / 0.9 * 0.05 free at either end.
  const pad = (13 * 0.05) / 0.9;
  assert.deepEqual(axis(ranged, 'yaxis').range, [-4 - pad, 9 + pad]);
  assert.equal(axis(ranged, 'yaxis').autorange, false);
  assert.deepEqual(span.data, fig.data.slice(0, 2));
  assert.equal(span.layout.yaxis, fig.layout.yaxis, 'from the span on, the axes autorange as the figure does');
  assert.deepEqual(lines.data.slice(2).map((d) => [d.name, d.showlegend]), [['a (n=3)', false], ['b (n=3)', false]]);
  assert.deepEqual(legend.data, fig.data, 'then the figure\'s own traces, legend and all');
  // No curve shape is drawn before the traces are all there: adding shapes then redraws nothing else.
  assert.deepEqual([bare, xLines, xOnly, yBare, ranged, span, lines, legend].map(shapeCount), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(bands.data, fig.data);
  assert.deepEqual((bands.layout.shapes as Record<string, unknown>[]).map((s) => s.fillcolor !== undefined), [true, true]);
  assert.equal(whole, fig);
});

test('autoranges: the union of the spans, y padded in decades on a log axis; a single value is left to Plotly', () => {
  const r = autoranges([{ x: [1, 4], y: [10, 1000] }, { x: [2, 5], y: [1, 100] }], true)!;
  assert.deepEqual(r.x, [1, 5]);
  const pad = (3 * 0.05) / 0.9;
  assert.ok(Math.abs(r.y[0] + pad) < 1e-12 && Math.abs(r.y[1] - (3 + pad)) < 1e-12, `${r.y}`);
  assert.equal(autoranges([{ x: [1, 5], y: [2, 2] }], false), null);
  assert.equal(autoranges([{ x: [3, 3], y: [1, 2] }], false), null);
});

test('an element that shows traces gets its traces, then the bands, then the rest; an empty figure needs no span', () => {
  const fig = buildFigure(input(curves));
  const later = figurePieces(fig, false, { layout: true, traces: 3 });
  assert.deepEqual(later.map((p) => [p.data === fig.data, (p.layout.shapes as unknown[]).length]), [[true, 0], [true, 2], [true, 3]]);
  const empty = buildFigure(input([]));
  assert.deepEqual(figurePieces(empty, false, { layout: true, traces: 0 }), [empty]);
  assert.equal(figurePieces(empty, false, { layout: false, traces: 0 }).length, 5);
  // Without a band or unsmoothed curve the aggregate lines are the whole figure: ranged axes, the span,
  // the lines without their legend, then the figure.
  const plain = buildFigure(input(curves.map((c) => ({ ...c, raw: null })), { band: 'none', smoothing: 0 }));
  assert.equal(figurePieces(plain, false, { layout: true, traces: 0 }).length, 4);
  assert.deepEqual(figurePieces(plain, false, { layout: true, traces: 3 }), [plain]);
});

test('hideGroups: everything of the legend groups the user hid stays hidden when the figure is drawn again', () => {
  const fig = buildFigure(input(curves.map((c) => ({ ...c, lines: [{ seed: 0, x: [0, 10], y: [1, 2] }] })), { showSeeds: true }));
  const hidden = hideGroups(fig, new Set(['a']));
  assert.deepEqual(hidden.data.map((d) => [d.uid, d.visible]), [
    [`${SPAN_UID}-a`, 'legendonly'],
    [`${SPAN_UID}-b`, undefined],
    ['seed-a-0', 'legendonly'],
    ['line-a', 'legendonly'],
    ['seed-b-0', undefined],
    ['line-b', undefined],
  ]);
  assert.deepEqual((hidden.layout.shapes as Record<string, unknown>[]).map((s) => [s.legendgroup, s.visible]), [
    ['a', 'legendonly'],
    ['b', undefined],
    ['a', 'legendonly'],
  ]);
  assert.equal(hideGroups(fig, new Set()), fig);
});
