// Comparison of arms on one metric: per-arm aggregate curve over seeds with a bootstrap CI band (the
// statistics package the CLI uses), optional per-seed lines, EMA smoothing, and a final-score table.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ExperimentDetail, Series as ApiSeries } from '@creditlab/api';
import {
  aggregateCurves,
  aggregateWithCI,
  column,
  extractScore,
  probabilityOfImprovementWithCI,
  smoothSeries,
  type AggregatedCurve,
  type IntervalEstimate,
  type StatName,
} from '@creditlab/stats';
import { api } from '../api';
import { armColor, withAlpha } from '../lib/colors';
import { downloadDataUrl, downloadText } from '../lib/download';
import { fmtValue } from '../lib/format';
import { onMetrics } from '../lib/live';
import { Plotly, type Datum, type Layout } from '../lib/plotly';
import { cssVar, useTheme } from '../lib/theme';

type Band = 'ci' | 'none';
/** Bootstrap replicates for curve bands (per grid point) and for the final-score table (as the CLI's default). */
const CURVE_REPS = 500;
const SCORE_REPS = 2000;
/** Per-seed lines are thinned to this many points; the aggregate is computed on the full data. */
const MAX_LINE_POINTS = 1500;

const STAT_LABEL: Record<string, string> = { mean: 'Mean', median: 'Median', iqm: 'IQM' };

function decimate(steps: number[], values: number[], max: number): { x: number[]; y: number[] } {
  if (steps.length <= max) return { x: steps, y: values };
  // TODO: min/max-preserving decimation; a stride can hide single-point spikes in very long runs.
  const stride = Math.ceil(steps.length / max);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < steps.length; i += stride) {
    x.push(steps[i]);
    y.push(values[i]);
  }
  if (x[x.length - 1] !== steps[steps.length - 1]) {
    x.push(steps[steps.length - 1]);
    y.push(values[values.length - 1]);
  }
  return { x, y };
}

interface ArmCurves {
  arm: string;
  color: string;
  runs: ApiSeries[];
  curve: AggregatedCurve | null;
  raw: AggregatedCurve | null;
  error?: string;
}

function metricLabel(m: string): string {
  return m;
}

/** `compact`: the live curves under the run table, without statistics tables and export. */
export function Comparison({ experiment, compact = false }: { experiment: ExperimentDetail; compact?: boolean }) {
  const { dark } = useTheme();
  const metrics = experiment.metrics;
  const preferred = metrics.find((m) => m === 'charts/episodic_return') ?? metrics[0] ?? '';
  const [metric, setMetric] = useState(preferred);
  const [stat, setStat] = useState<StatName>('iqm');
  const [band, setBand] = useState<Band>('ci');
  const [smoothing, setSmoothing] = useState(0.6);
  const [showSeeds, setShowSeeds] = useState(compact);
  const [logY, setLogY] = useState(false);
  const [exportSize, setExportSize] = useState('1200x750');
  const [exportScale, setExportScale] = useState(2);
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const series = useRef(new Map<string, ApiSeries>());
  const plotEl = useRef<HTMLDivElement>(null);
  const lastFigure = useRef<{ data: Datum[]; layout: Layout } | null>(null);

  // Early in a run only auxiliary metrics may exist; move to the return once it appears unless the user chose.
  const userPicked = useRef(false);
  const pickMetric = (m: string) => {
    userPicked.current = true;
    setMetric(m);
  };
  useEffect(() => {
    if (!userPicked.current && preferred && preferred !== metric) setMetric(preferred);
  }, [metric, preferred]);

  // Full fetch when the metric changes; live points are appended in between.
  useEffect(() => {
    if (!metric) {
      setLoading(false);
      return;
    }
    let live = true;
    setLoading(true);
    api.getSeries(experiment.id, metric).then((list) => {
      if (!live) return;
      series.current = new Map(list.map((s) => [s.run, { ...s, steps: [...s.steps], values: [...s.values] }]));
      setLoading(false);
      setVersion((v) => v + 1);
    });
    return () => {
      live = false;
    };
  }, [experiment.id, metric]);

  // Live updates hand us a new experiment object each time; recompute only when the arm list really changes.
  const armsKey = experiment.arms.join('\n');
  const arms = useMemo(() => armsKey.split('\n').filter(Boolean), [armsKey]);
  const runInfo = useMemo(() => new Map(experiment.runs.map((r) => [r.id, r])), [experiment.runs]);
  useEffect(() => {
    let pending = false;
    const off = onMetrics((run, points) => {
      const info = runInfo.get(run);
      if (!info) return;
      let s = series.current.get(run);
      for (const p of points) {
        if (p.metric !== metric) continue;
        if (!s) {
          s = { run, arm: info.arm, seed: info.seed, metric, steps: [], values: [] };
          series.current.set(run, s);
        }
        s.steps.push(p.step);
        s.values.push(p.value);
      }
      // Bootstrapping every curve on every batch would stall the page; a live plot once a second is plenty.
      if (!pending) {
        pending = true;
        setTimeout(() => {
          pending = false;
          setVersion((v) => v + 1);
        }, 1000);
      }
    });
    return off;
  }, [metric, runInfo]);

  const armCurves: ArmCurves[] = useMemo(() => {
    void version;
    const all = [...series.current.values()];
    return arms.map((arm) => {
      const runs = all.filter((s) => s.arm === arm && s.steps.length > 0).sort((a, b) => a.seed - b.seed);
      const color = armColor(arms, arm);
      if (runs.length === 0) return { arm, color, runs, curve: null, raw: null };
      try {
        const smooth = smoothing > 0 ? ({ kind: 'ema', weight: smoothing } as const) : ({ kind: 'none' } as const);
        const curve = aggregateCurves(runs, { stat, smooth, reps: band === 'ci' ? CURVE_REPS : 1, ci: 0.95, seed: 0 });
        const raw = smoothing > 0 ? aggregateCurves(runs, { stat, reps: 1, seed: 0 }) : null;
        return { arm, color, runs, curve, raw };
      } catch (e) {
        return { arm, color, runs, curve: null, raw: null, error: (e as Error).message };
      }
    });
  }, [version, arms, stat, band, smoothing]);

  const scores = useMemo(() => {
    if (compact) return { est: [], poi: [] };
    const perArm = armCurves
      .map((a) => ({ arm: a.arm, color: a.color, values: a.runs.map((r) => extractScore(r, 'last')).filter(Number.isFinite) }))
      .filter((a) => a.values.length > 0);
    const est = perArm.map((a) => ({ ...a, ci: aggregateWithCI(column(a.values), stat, { reps: SCORE_REPS, seed: 0 }) as IntervalEstimate }));
    const poi: { x: string; y: string; r: IntervalEstimate }[] = [];
    if (perArm.length >= 2 && perArm.length <= 6) {
      for (const x of perArm)
        for (const y of perArm) if (x.arm !== y.arm) poi.push({ x: x.arm, y: y.arm, r: probabilityOfImprovementWithCI(column(x.values), column(y.values), { reps: 1000, seed: 0 }) });
    }
    return { est, poi };
  }, [armCurves, stat, compact]);

  const buildFigure = useCallback(
    (pub: boolean): { data: Datum[]; layout: Layout } => {
      const fg = pub ? '#1a1a1a' : cssVar('--fg') || '#222';
      const grid = pub ? '#e6e6e6' : cssVar('--grid') || '#ddd';
      const muted = pub ? '#444' : cssVar('--fg-muted') || '#666';
      const data: Datum[] = [];
      for (const a of armCurves) {
        if (showSeeds) {
          for (const r of a.runs) {
            const s = smoothing > 0 ? smoothSeries(r, { kind: 'ema', weight: smoothing }) : r;
            const { x, y } = decimate(s.steps, s.values, MAX_LINE_POINTS);
            data.push({
              type: 'scatter',
              mode: 'lines',
              x,
              y,
              name: `${a.arm} · seed ${r.seed}`,
              legendgroup: a.arm,
              showlegend: false,
              line: { color: withAlpha(a.color, 0.45), width: 1 },
              hovertemplate: `${a.arm} seed ${r.seed}: %{y:.4g}<extra></extra>`,
            });
          }
        }
        const c = a.curve;
        if (!c) continue;
        if (a.raw) {
          data.push({
            type: 'scatter',
            mode: 'lines',
            x: a.raw.steps,
            y: a.raw.estimate,
            legendgroup: a.arm,
            showlegend: false,
            hoverinfo: 'skip',
            line: { color: withAlpha(a.color, 0.28), width: 1 },
          });
        }
        if (band === 'ci') {
          data.push({
            type: 'scatter',
            mode: 'lines',
            x: c.steps,
            y: c.high,
            legendgroup: a.arm,
            showlegend: false,
            hoverinfo: 'skip',
            line: { width: 0, color: a.color },
          });
          data.push({
            type: 'scatter',
            mode: 'lines',
            x: c.steps,
            y: c.low,
            legendgroup: a.arm,
            showlegend: false,
            hoverinfo: 'skip',
            fill: 'tonexty',
            fillcolor: withAlpha(a.color, pub ? 0.2 : 0.18),
            line: { width: 0, color: a.color },
          });
        }
        data.push({
          type: 'scatter',
          mode: 'lines',
          x: c.steps,
          y: c.estimate,
          name: `${a.arm} (n=${a.runs.length})`,
          legendgroup: a.arm,
          line: { color: a.color, width: 2.2 },
          customdata: c.steps.map((_, i) => [c.low[i], c.high[i], c.n[i]]),
          hovertemplate:
            band === 'ci'
              ? `${a.arm}: %{y:.4g} [%{customdata[0]:.4g}, %{customdata[1]:.4g}] · n=%{customdata[2]}<extra></extra>`
              : `${a.arm}: %{y:.4g} · n=%{customdata[2]}<extra></extra>`,
        });
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
      };
      const yTitle = `${metricLabel(metric)}${smoothing > 0 ? ` (EMA ${smoothing.toFixed(2)})` : ''}`;
      const layout: Layout = {
        paper_bgcolor: pub ? '#ffffff' : 'rgba(0,0,0,0)',
        plot_bgcolor: pub ? '#ffffff' : 'rgba(0,0,0,0)',
        font: { family: pub ? 'Liberation Sans, Arial, Helvetica, sans-serif' : 'system-ui, "Segoe UI", "DejaVu Sans", sans-serif', size: pub ? 15 : 12, color: fg },
        margin: pub ? { l: 80, r: 20, t: 50, b: 70 } : { l: 64, r: 16, t: 12, b: 48 },
        hovermode: 'x unified',
        hoverlabel: { bgcolor: pub ? '#fff' : cssVar('--panel'), bordercolor: grid, font: { color: fg } },
        xaxis: { ...axis, title: { text: 'env steps', font: { color: muted } } },
        yaxis: { ...axis, type: logY ? 'log' : 'linear', title: { text: yTitle, font: { color: muted } } },
        legend: pub
          ? { x: 1.02, y: 1, xanchor: 'left', yanchor: 'top', bgcolor: 'rgba(0,0,0,0)', font: { size: 14 } }
          : { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
        title: pub ? { text: `${experiment.name}: ${STAT_LABEL[stat] ?? stat} over seeds${band === 'ci' ? ', 95% CI' : ''}`, x: 0.02, font: { size: 16 } } : undefined,
        showlegend: true,
        uirevision: `${experiment.id}:${metric}`,
      };
      if (!pub) (layout.margin as Record<string, number>).t = 36;
      return { data, layout };
    },
    [armCurves, showSeeds, smoothing, band, metric, logY, stat, experiment.id, experiment.name],
  );

  useEffect(() => {
    const el = plotEl.current;
    if (!el) return;
    const fig = buildFigure(false);
    lastFigure.current = fig;
    // react() diffs against the previous figure and keeps zoom (uirevision), so live updates do not jump.
    void Plotly.react(el, fig.data, fig.layout, {
      displaylogo: false,
      responsive: true,
      modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage'],
    });
  }, [buildFigure, dark]);

  useEffect(() => {
    const el = plotEl.current;
    return () => {
      if (el) Plotly.purge(el);
    };
  }, []);

  const baseName = `${experiment.name}-${metric.replace(/[^\w.-]+/g, '_')}`;
  const exportImage = async (format: 'png' | 'svg') => {
    const [w, h] = exportSize.split('x').map(Number);
    const url = await Plotly.toImage(buildFigure(true), { format, width: w, height: h, scale: format === 'png' ? exportScale : 1 });
    downloadDataUrl(url, `${baseName}.${format}`);
  };
  const exportFigureData = () => {
    const rows = ['arm,step,n,estimate,low,high'];
    for (const a of armCurves) {
      const c = a.curve;
      if (!c) continue;
      c.steps.forEach((s, i) => rows.push([JSON.stringify(a.arm), s, c.n[i], c.estimate[i], c.low[i], c.high[i]].join(',')));
    }
    downloadText(rows.join('\n') + '\n', `${baseName}-curve.csv`, 'text/csv');
  };
  const exportExperiment = async (format: 'csv' | 'json') => {
    const r = await api.exportExperiment(experiment.id, format);
    downloadText(r.content, r.filename, r.mime);
  };

  const anyData = armCurves.some((a) => a.runs.length > 0);
  const errors = armCurves.filter((a) => a.error);

  if (compact) {
    return (
      <div className="comparison compact">
        <div className="compact-head">
          <span className="pane-title">Live curves</span>
          <select aria-label="Metric" value={metric} onChange={(e) => pickMetric(e.target.value)}>
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <span className="muted small">
            {STAT_LABEL[stat]} over seeds, 95% CI, EMA {smoothing.toFixed(2)}; thin lines are single runs
          </span>
          <span className="toolbar-gap" />
          <a href={`#/exp/${experiment.id}/compare`}>Open comparison →</a>
        </div>
        <div className="plot-wrap">
          <div className="plot" ref={plotEl} data-testid="live-plot" />
        </div>
      </div>
    );
  }

  return (
    <div className="comparison">
      <div className="controls" role="toolbar" aria-label="Plot controls">
        <label className="field">
          <span>Metric</span>
          <select aria-label="Metric" value={metric} onChange={(e) => pickMetric(e.target.value)}>
            {metrics.length === 0 && <option value="">no metrics yet</option>}
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Aggregate</span>
          <select aria-label="Aggregate" value={stat} onChange={(e) => setStat(e.target.value as StatName)}>
            <option value="iqm">IQM</option>
            <option value="mean">Mean</option>
            <option value="median">Median</option>
          </select>
        </label>
        <label className="field">
          <span>Band</span>
          <select aria-label="Band" value={band} onChange={(e) => setBand(e.target.value as Band)}>
            <option value="ci">95% CI (bootstrap)</option>
            <option value="none">none</option>
          </select>
        </label>
        <label className="field slider">
          <span>Smoothing</span>
          <input aria-label="Smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
          <output className="mono">{smoothing.toFixed(2)}</output>
        </label>
        <label className="check">
          <input type="checkbox" checked={showSeeds} onChange={(e) => setShowSeeds(e.target.checked)} /> Seeds
        </label>
        <label className="check">
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> Log y
        </label>
        <span className="toolbar-gap" />
        <div className="export-group" role="group" aria-label="Export">
          <span className="label">Export</span>
          <select aria-label="Export size" value={exportSize} onChange={(e) => setExportSize(e.target.value)} title="Figure size (px)">
            <option value="800x500">800×500</option>
            <option value="1200x750">1200×750</option>
            <option value="1600x1000">1600×1000</option>
          </select>
          <select aria-label="PNG scale" value={exportScale} onChange={(e) => setExportScale(Number(e.target.value))} title="PNG pixel density">
            <option value={1}>1×</option>
            <option value={2}>2×</option>
            <option value={3}>3×</option>
          </select>
          <button type="button" onClick={() => void exportImage('png')} disabled={!anyData}>
            PNG
          </button>
          <button type="button" onClick={() => void exportImage('svg')} disabled={!anyData}>
            SVG
          </button>
          <button type="button" onClick={exportFigureData} disabled={!anyData} title="The plotted curves (aggregate and CI per step) as CSV">
            Curve CSV
          </button>
          <button type="button" onClick={() => void exportExperiment('csv')} title="Every logged metric point of the experiment">
            Data CSV
          </button>
          <button type="button" onClick={() => void exportExperiment('json')}>
            JSON
          </button>
        </div>
      </div>
      <div className="plot-wrap">
        <div className="plot" ref={plotEl} data-testid="comparison-plot" />
        {!loading && !anyData && <div className="plot-empty muted">No points for {metric || 'this experiment'} yet. They appear here live as runs log them.</div>}
      </div>
      {errors.length > 0 && (
        <div className="error-text">
          {errors.map((e) => (
            <div key={e.arm}>
              {e.arm}: {e.error}
            </div>
          ))}
        </div>
      )}
      <div className="score-tables">
        <table className="scores" aria-label="Final scores">
          <caption>
            Final score ({metric.split('/').pop()}, last value): {STAT_LABEL[stat]} with 95% stratified-bootstrap CI, {SCORE_REPS} reps
          </caption>
          <thead>
            <tr>
              <th>Arm</th>
              <th className="num">Runs</th>
              <th className="num">{STAT_LABEL[stat]}</th>
              <th className="num">95% CI</th>
              <th className="c-ci">Interval</th>
            </tr>
          </thead>
          <tbody>
            {(() => {
              const lo = Math.min(...scores.est.map((s) => s.ci.ci[0]));
              const hi = Math.max(...scores.est.map((s) => s.ci.ci[1]));
              const span = hi - lo || 1;
              return scores.est.map((s) => (
                <tr key={s.arm}>
                  <td>
                    <span className="arm-chip" style={{ background: s.color }} />
                    {s.arm}
                  </td>
                  <td className="num mono">{s.values.length}</td>
                  <td className="num mono">{fmtValue(s.ci.estimate)}</td>
                  <td className="num mono">
                    [{fmtValue(s.ci.ci[0])}, {fmtValue(s.ci.ci[1])}]
                  </td>
                  <td className="c-ci">
                    <div className="ci-track">
                      <div className="ci-bar" style={{ left: `${((s.ci.ci[0] - lo) / span) * 100}%`, width: `${Math.max(0.5, ((s.ci.ci[1] - s.ci.ci[0]) / span) * 100)}%`, background: withAlpha(s.color, 0.45) }} />
                      <div className="ci-dot" style={{ left: `${((s.ci.estimate - lo) / span) * 100}%`, background: s.color }} />
                    </div>
                  </td>
                </tr>
              ));
            })()}
            {scores.est.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No finished values yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {scores.poi.length > 0 && (
          <table className="scores poi" aria-label="Probability of improvement">
            <caption>P(row arm beats column arm), with 95% CI</caption>
            <thead>
              <tr>
                <th />
                {scores.est.map((s) => (
                  <th key={s.arm} className="num">
                    {s.arm}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {scores.est.map((x) => (
                <tr key={x.arm}>
                  <th>{x.arm}</th>
                  {scores.est.map((y) => {
                    const p = scores.poi.find((q) => q.x === x.arm && q.y === y.arm);
                    return (
                      <td key={y.arm} className="num mono" style={p ? { background: withAlpha(p.r.estimate >= 0.5 ? '#59a14f' : '#e15759', Math.abs(p.r.estimate - 0.5) * 0.9) } : undefined}>
                        {p ? `${p.r.estimate.toFixed(2)} [${p.r.ci[0].toFixed(2)}, ${p.r.ci[1].toFixed(2)}]` : '—'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
