// The comparison's Plotly figure, on screen (theme colours) or for publication (white, larger type,
// titled). Pure: everything it draws comes in as arguments, so exports and the benchmark build the
// same figure the view shows.
import type { Datum, Figure, Layout } from '../../lib/plotly';
import { SMALL_N } from '@creditlab/stats';
import { withAlpha } from '../../lib/colors';
import type { Band, GroupCurves, XAxis } from './comparison-stats';

export const STAT_LABEL: Record<string, string> = { mean: 'Mean', median: 'Median', iqm: 'IQM' };

/** Colours of the on-screen figure, read from the page's CSS variables by the caller. */
export interface ScreenColors {
  fg: string;
  grid: string;
  muted: string;
  panel: string;
}

/** A reward-hacking alarm's judged step range, shaded in its group's colour. */
export interface AlarmWindow {
  arm: string;
  color: string;
  x0: number;
  x1: number;
}

export interface FigureInput {
  curves: readonly GroupCurves[];
  metric: string;
  stat: string;
  band: Band;
  smoothing: number;
  showSeeds: boolean;
  logY: boolean;
  xAxis: XAxis;
  /** The step axis' name: env steps, iterations or steps. */
  stepLabel: string;
  /** The publication figure's title: experiment names and grouping. */
  title: string;
  /** Plotly keeps zoom and pan while this stays the same. */
  uirevision: string;
  alarms: readonly AlarmWindow[];
  /** Publication style; otherwise `screen` gives the colours. */
  pub: boolean;
  screen?: ScreenColors;
}

/** Runs behind a figure's band, for its title: "3" or "3-5" when groups differ. */
export function bandRunsLabel(curves: readonly GroupCurves[]): string {
  const ns = curves.filter((c) => c.curve).map((c) => c.seeds.length);
  if (ns.length === 0) return '0';
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return (lo === hi ? `${lo}` : `${lo}-${hi}`) + (lo < SMALL_N ? ' (undercovers at small n)' : '');
}

/** The outline of a band: upper bounds left to right, then lower bounds right to left; uncovered points are skipped. */
export function bandPolygon(steps: readonly number[], low: readonly number[], high: readonly number[], logY = false): { x: number[]; y: number[] } {
  const keep = steps.flatMap((_, i) => (Number.isFinite(low[i]) && Number.isFinite(high[i]) && (!logY || low[i] > 0) ? [i] : []));
  const back = [...keep].reverse();
  return { x: [...keep.map((i) => steps[i]), ...back.map((i) => steps[i])], y: [...keep.map((i) => high[i]), ...back.map((i) => low[i])] };
}

export function buildFigure(f: FigureInput): Figure {
  const { pub } = f;
  const fg = pub ? '#1a1a1a' : f.screen?.fg || '#222';
  const grid = pub ? '#e6e6e6' : f.screen?.grid || '#ddd';
  const muted = pub ? '#444' : f.screen?.muted || '#666';
  const data: Datum[] = [];
  // Bands first, then the unsmoothed curves over them: figurePieces adds them to the figure in that order.
  const bandShapes: Layout[] = [];
  const rawShapes: Layout[] = [];
  // One span trace per arm (see spanTrace), in the arm's legend group: hiding an arm hides its span, and
  // the axes autorange to the arms left.
  const spans: Datum[] = [];
  for (const a of f.curves) {
    // Everything drawn for the arm, traces and shapes.
    const extent: PointSet[] = [];
    if (f.showSeeds) {
      for (const l of a.lines) {
        data.push({
          type: 'scatter',
          mode: 'lines',
          x: l.x,
          y: l.y,
          name: `${a.arm} · seed ${l.seed}`,
          uid: `seed-${uidPart(a.arm)}-${l.seed}`,
          legendgroup: a.arm,
          showlegend: false,
          line: { color: withAlpha(a.color, 0.45), width: 1 },
          hovertemplate: `${a.arm} seed ${l.seed}: %{y:.4g}<extra></extra>`,
        });
        extent.push(l);
      }
    }
    const c = a.curve;
    if (c) {
      // The unsmoothed curve and the band are layout shapes (paths in data units), not traces: Plotly adds
      // shapes to a drawn figure without drawing its traces and axes again, which figurePieces relies on.
      // They are drawn under the grid lines (a shape drawn between grid and traces is not cleared when
      // Plotly redraws the whole figure), hover skips them as it skipped them as traces, and in the arm's
      // legend group a legend click hides them with the arm's line.
      if (a.raw) {
        rawShapes.push({
          type: 'path',
          xref: 'x',
          yref: 'y',
          layer: 'below',
          legendgroup: a.arm,
          path: linePath(a.raw.steps, a.raw.estimate, f.logY),
          line: { color: withAlpha(a.color, 0.28), width: 1 },
        });
        extent.push({ x: a.raw.steps, y: a.raw.estimate });
      }
      if (f.band === 'ci') {
        const band = bandPolygon(c.steps, c.low, c.high, f.logY);
        if (band.x.length > 0)
          bandShapes.push({
            type: 'path',
            xref: 'x',
            yref: 'y',
            layer: 'below',
            legendgroup: a.arm,
            path: `${linePath(band.x, band.y, f.logY)} Z`,
            fillcolor: withAlpha(a.color, pub ? 0.2 : 0.18),
            line: { width: 0 },
          });
        extent.push(band);
      }
      data.push({
        type: 'scatter',
        mode: 'lines',
        x: c.steps,
        y: c.estimate,
        name: `${a.arm} (n=${a.seeds.length}${a.compute ? `, ${a.compute}` : ''})`,
        // Stable uids let Plotly find a trace the user hid again when seed lines come and go.
        uid: `line-${uidPart(a.arm)}`,
        legendgroup: a.arm,
        line: { color: a.color, width: 2.2 },
        customdata: c.steps.map((_, i) => [c.low[i], c.high[i], c.n[i]]),
        hovertemplate:
          f.band === 'ci' ? `${a.arm}: %{y:.4g} [%{customdata[0]:.4g}, %{customdata[1]:.4g}] · n=%{customdata[2]}<extra></extra>` : `${a.arm}: %{y:.4g} · n=%{customdata[2]}<extra></extra>`,
      });
      extent.push({ x: c.steps, y: c.estimate });
    }
    const span = spanTrace(extent, f.logY, a.arm);
    if (span) spans.push(span);
  }
  const axis = {
    gridcolor: grid,
    zerolinecolor: grid,
    linecolor: pub ? '#1a1a1a' : grid,
    showline: true,
    ticks: 'outside',
    tickcolor: pub ? '#1a1a1a' : grid,
    tickfont: { color: muted },
    automargin: true,
    // Plotly's default hides a tick label that would stick out of the plot's div, which costs a forced
    // layout per label on every draw; on screen the margins leave room for the labels anyway.
    ...(pub ? {} : { ticklabeloverflow: 'allow' }),
  };
  const yTitle = `${f.metric}${f.smoothing > 0 ? ` (EMA ${f.smoothing.toFixed(2)})` : ''}`;
  const layout: Layout = {
    paper_bgcolor: pub ? '#ffffff' : 'rgba(0,0,0,0)',
    plot_bgcolor: pub ? '#ffffff' : 'rgba(0,0,0,0)',
    font: { family: pub ? 'Liberation Sans, Arial, Helvetica, sans-serif' : 'system-ui, "Segoe UI", "DejaVu Sans", sans-serif', size: pub ? 15 : 12, color: fg },
    // On screen the margins already hold a one-row legend above the plot and the usual tick labels, so
    // automargin has nothing to push and Plotly does not draw the figure a second time to make room.
    margin: pub ? { l: 80, r: 20, t: 50, b: 70 } : { l: 64, r: 28, t: 54, b: 52 },
    hovermode: 'x unified',
    hoverlabel: { bgcolor: pub ? '#fff' : f.screen?.panel, bordercolor: grid, font: { color: fg } },
    xaxis: { ...axis, title: { text: f.xAxis === 'time' ? 'wall time since run start (s)' : f.stepLabel, font: { color: muted } } },
    yaxis: { ...axis, type: f.logY ? 'log' : 'linear', title: { text: yTitle, font: { color: muted } } },
    legend: pub
      ? { x: 1.02, y: 1, xanchor: 'left', yanchor: 'top', bgcolor: 'rgba(0,0,0,0)', font: { size: 14 } }
      : { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
    title: pub ? { text: `${f.title}: ${STAT_LABEL[f.stat] ?? f.stat} over seeds${f.band === 'ci' ? `, pointwise 95% percentile-bootstrap band, n=${bandRunsLabel(f.curves)}` : ''}`, x: 0.02, font: { size: 16 } } : undefined,
    showlegend: true,
    uirevision: f.uirevision,
  };
  const alarms = f.xAxis === 'step' ? f.alarms : [];
  layout.shapes = [
    ...alarms.map((a) => ({
      type: 'rect',
      xref: 'x',
      yref: 'paper',
      x0: a.x0,
      x1: a.x1,
      y0: 0,
      y1: 1,
      fillcolor: withAlpha(a.color, 0.08),
      line: { color: withAlpha(a.color, 0.6), width: 1, dash: 'dot' },
      layer: 'below',
    })),
    ...bandShapes,
    ...rawShapes,
  ];
  data.unshift(...spans);
  if (alarms.length > 0) {
    layout.annotations = f.alarms.map((a, i) => ({
      xref: 'x',
      yref: 'paper',
      x: a.x0,
      y: 1 - i * 0.07,
      xanchor: 'left',
      yanchor: 'top',
      text: `⚠ ${a.arm}: proxy ↑, true ↓/→`,
      showarrow: false,
      font: { size: pub ? 13 : 11, color: a.color },
      bgcolor: pub ? 'rgba(255,255,255,0.8)' : 'rgba(0,0,0,0)',
    }));
  }
  return { data, layout };
}

/** What the element already shows, as far as choosing the pieces goes. */
export interface Drawn {
  /** Plotly has drawn into the element before (its frame, modebar and styles exist). */
  layout: boolean;
  /** Traces it shows now. */
  traces: number;
}

/**
 * An arm's name as part of a trace uid, which Plotly puts into CSS class names: every character but a
 * letter, a digit or '-' becomes its code point between underscores, so different names stay different.
 */
export const uidPart = (name: string) => name.replace(/[^A-Za-z0-9-]/gu, (c) => `_${c.codePointAt(0)!.toString(16)}_`);

/** The uids of the figure's span traces (see spanTrace) start with this. */
export const SPAN_UID = 'creditlab-span';
const isSpan = (d: Datum) => String(d.uid ?? '').startsWith(SPAN_UID);

/** The curves drawn as shapes (bands, unsmoothed aggregates) are paths; the alarm windows are rects. */
const isCurveShape = (s: unknown) => (s as { type?: string }).type === 'path';
/** A band is a filled path; an unsmoothed curve is a line. */
const isBand = (s: unknown) => (s as { fillcolor?: string }).fillcolor !== undefined;

/**
 * The figures to draw one after another, in separate tasks, ending with `fig` itself. Plotly draws a
 * figure in one synchronous call, and its first calls into an element are its slowest ones (first runs
 * of its code, and a second pass whenever tick labels or the legend change the margins), long enough to
 * stall the page. Drawn in steps, each call does a part of that work:
 *
 * 1. into a fresh element: the layout with both axes hidden (frame, modebar, styles), then the x axis' lines
 *    and grid, then its labels and title, then the y axis' lines and grid but not its labels and title (the
 *    empty figure ends there);
 * 2. when no trace is drawn yet: the axes with the ranges Plotly's autorange will give them, set
 *    explicitly (tick labels and margins settle without any trace); then the same axes autoranged from the
 *    arms' span traces alone; then the spans and the aggregate lines without their legend entries; then
 *    with them, so the legend takes its place;
 * 3. every trace (seed lines too) without the curves drawn as shapes;
 * 4. the bands, then the whole figure with the unsmoothed curves: these are layout shapes, and Plotly adds
 *    shapes to a drawn figure without drawing its traces and axes again, which any change to the traces
 *    makes it do.
 *
 * Pieces that would equal the one before them are left out. Later draws into an element that shows traces
 * are steps 3 and 4.
 */
export function figurePieces(fig: Figure, logY: boolean, drawn: Drawn): Figure[] {
  const pieces: Figure[] = [];
  const xaxis = fig.layout.xaxis as Record<string, unknown>;
  const yaxis = fig.layout.yaxis as Record<string, unknown>;
  const shapes = (fig.layout.shapes as unknown[] | undefined) ?? [];
  const kept = shapes.filter((s) => !isCurveShape(s));
  const curves = shapes.filter(isCurveShape);
  const bare: Layout = { ...fig.layout, shapes: kept };
  if (!drawn.layout) {
    pieces.push({ data: [], layout: { ...bare, xaxis: { ...xaxis, visible: false }, yaxis: { ...yaxis, visible: false } } });
    pieces.push({ data: [], layout: { ...bare, xaxis: { ...xaxis, showticklabels: false, title: { text: '' } }, yaxis: { ...yaxis, visible: false } } });
    pieces.push({ data: [], layout: { ...bare, yaxis: { ...yaxis, visible: false } } });
    pieces.push({ data: [], layout: { ...bare, yaxis: { ...yaxis, showticklabels: false, title: { text: '' } } } });
  }
  let traces: Datum[] | null = null;
  if (drawn.traces === 0 && fig.data.length > 0) {
    const spans = fig.data.filter(isSpan);
    if (spans.length > 0) {
      const ranges = autoranges(spans, logY);
      if (ranges) pieces.push({ data: [], layout: { ...bare, xaxis: { ...xaxis, range: ranges.x, autorange: false }, yaxis: { ...yaxis, range: ranges.y, autorange: false } } });
      pieces.push({ data: spans, layout: bare });
    }
    const lines = fig.data.filter((d) => d.showlegend !== false);
    if (lines.length > 0) {
      traces = [...spans, ...lines];
      pieces.push({ data: traces.map((d) => (isSpan(d) ? d : { ...d, showlegend: false })), layout: bare });
      // With nothing more to come this piece would be the figure itself, which ends the list anyway.
      if (traces.length < fig.data.length || curves.length > 0) pieces.push({ data: traces, layout: bare });
    }
  }
  if (curves.length > 0) {
    if (traces?.length !== fig.data.length) pieces.push({ data: fig.data, layout: bare });
    const bands = curves.filter(isBand);
    if (bands.length > 0 && bands.length < curves.length) pieces.push({ data: fig.data, layout: { ...fig.layout, shapes: [...kept, ...bands] } });
  }
  pieces.push(fig);
  return pieces;
}

/**
 * `fig` with everything of the legend groups in `hidden` (traces and shapes) hidden the way a legend click
 * hides it. Plotly keeps a trace the user hid hidden when the figure is drawn again with the same
 * uirevision, but not a trace that is new (seed lines switched on) nor a shape whose path changed, so
 * without this a hidden arm could come back in parts.
 */
export function hideGroups(fig: Figure, hidden: ReadonlySet<string>): Figure {
  if (hidden.size === 0) return fig;
  const hide = <T extends Record<string, unknown>>(x: T): T => (hidden.has(x.legendgroup as string) ? { ...x, visible: 'legendonly' } : x);
  const shapes = (fig.layout.shapes as Layout[] | undefined) ?? [];
  return { data: fig.data.map(hide), layout: { ...fig.layout, shapes: shapes.map(hide) } };
}

/**
 * The ranges Plotly's autorange gives a figure of line traces (no markers) spanning `span`: x exactly the
 * data's, y with 5% of the axis length free at either end (on a log axis in decades). Null when a span is
 * a single value, which Plotly widens by rules of its own. Should they ever differ from Plotly's own, the
 * next piece autoranges anyway: the cost is one more pass over the margins, not a different figure.
 */
export function autoranges(spans: readonly Datum[], logY: boolean): { x: [number, number]; y: [number, number] } | null {
  const xs = spans.flatMap((s) => s.x as number[]);
  const ys = spans.flatMap((s) => s.y as number[]).map((v) => (logY ? Math.log10(v) : v));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  if (!(x1 > x0 && y1 > y0)) return null;
  const pad = ((y1 - y0) * 0.05) / 0.9;
  return { x: [x0, x1], y: [y0 - pad, y1 + pad] };
}

/** The points a figure draws, as x and y arrays (a trace's, or the curve a shape outlines). */
export interface PointSet {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * A trace of zero line width from the lowest to the highest x and y of `sets`, or null when no point is
 * finite. It is a line trace without markers like the figure's, so Plotly pads its range exactly as it pads
 * theirs and autoranges the axes to the same ranges; it also brings the curves drawn as shapes into the
 * autorange, which shapes added without a full redraw would not change.
 */
export function spanTrace(sets: readonly PointSet[], logY: boolean, group: string): Datum | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const { x: xs, y: ys } of sets) {
    for (let i = 0; i < ys.length; i++) {
      const x = xs[i];
      const y = ys[i];
      // A log axis leaves values <= 0 out of its range, so the span does too.
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (!(x0 <= x1 && y0 <= y1)) return null;
  return { type: 'scatter', mode: 'lines', uid: `${SPAN_UID}-${uidPart(group)}`, legendgroup: group, x: [x0, x1], y: [y0, y1], showlegend: false, hoverinfo: 'skip', line: { width: 0 } };
}

/**
 * An SVG path through a curve's points in data units (Plotly maps a shape's path through the axes, a log
 * axis included), broken where a point is missing, as Plotly breaks a line trace, and on a log axis where a
 * value is <= 0, which that axis cannot show.
 */
export function linePath(xs: ArrayLike<number>, ys: ArrayLike<number>, logY: boolean): string {
  const parts: string[] = [];
  let open = false;
  for (let i = 0; i < ys.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) {
      open = false;
      continue;
    }
    parts.push(`${open ? 'L' : 'M'}${x},${y}`);
    open = true;
  }
  return parts.join(' ');
}
