// Comparison of arms on one metric: per-group aggregate curve over seeds with a bootstrap CI band (the
// statistics package the CLI uses), optional per-seed lines, EMA smoothing, and a final-score table.
// Groups are the arms, or the values of any config key; other experiments' runs can join the plot.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useDismiss } from '../lib/hooks';
import type { ExperimentDetail, Series as ApiSeries } from '@creditlab/api';
import {
  aggregateCurves,
  aggregateWithCI,
  column,
  extractScore,
  pairedVs,
  percentileIntervalLabel,
  probabilityOfImprovementWithCI,
  smoothSeries,
  type AggregatedCurve,
  type ArmDifference,
  type IntervalEstimate,
  type StatName,
} from '@creditlab/stats';
import { api } from '../api';
import { armColor, withAlpha } from '../lib/colors';
import { describeOutcome, desktop, onMenuCommand, saveDataUrl, saveExperimentData, saveText, type SaveOutcome } from '../lib/desktop';
import { configValue, formatConfigValue, varyingKeys } from '../lib/config-path';
import { dataUrlBytes, downloadBlob } from '../lib/download';
import { useLive } from '../lib/live';
import { makeZip } from '../lib/zip';
import { safeFileName } from '@creditlab/common';
import { computeLabel, fmtValue } from '../lib/format';
import { explainVerdict, HACKING_RULE, type HackingVerdict } from '@creditlab/stats/hacking';
import { onMetrics } from '../lib/live';
import type { HackingState } from '../lib/use-hacking';
import { Plotly, type Datum, type Layout } from '../lib/plotly';
import { cssVar, useTheme } from '../lib/theme';

type Band = 'ci' | 'none';
type XAxis = 'step' | 'time';
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

// Series per experiment and metric survive metric switches and remounts: switching back to a metric, or
// reopening the comparison while runs are live, fetches only the points logged since (getSeries sinceStep).
const seriesCache = new Map<string, Map<string, ApiSeries>>();
const cacheKey = (exp: string, metric: string) => `${exp}\u0000${metric}`;

async function loadSeries(exp: string, metric: string, runIds: readonly string[]): Promise<Map<string, ApiSeries>> {
  const key = cacheKey(exp, metric);
  const cached = seriesCache.get(key);
  // A run with nothing cached may have logged anything since; then only a full fetch is safe.
  const since = cached && runIds.every((r) => cached.has(r)) ? Math.min(...runIds.map((r) => cached.get(r)!.steps.at(-1) ?? -1)) : undefined;
  if (cached && since !== undefined && since >= 0) {
    const fresh = await api.getSeries(exp, metric, since);
    for (const f of fresh) {
      const c = cached.get(f.run);
      if (!c) {
        cached.set(f.run, { ...f, steps: [...f.steps], values: [...f.values], times: [...(f.times ?? [])] });
        continue;
      }
      const last = c.steps.at(-1) ?? -Infinity;
      for (let i = 0; i < f.steps.length; i++) {
        if (f.steps[i] <= last) continue;
        c.steps.push(f.steps[i]);
        c.values.push(f.values[i]);
        c.times.push(f.times?.[i] ?? Date.now() / 1000);
      }
    }
    return cached;
  }
  const list = await api.getSeries(exp, metric);
  const map = new Map(list.map((s) => [s.run, { ...s, steps: [...s.steps], values: [...s.values], times: [...(s.times ?? [])] }]));
  seriesCache.set(key, map);
  return map;
}

/**
 * The series against seconds since the run's start. Points of one host batch share a timestamp, so the
 * time of each point is interpolated between batch anchors by step; x stays strictly increasing.
 */
function toWallTime(s: ApiSeries, startedAt: number | null): ApiSeries {
  const t0 = startedAt ?? s.times[0] ?? 0;
  const anchorSteps: number[] = [];
  const anchorTimes: number[] = [];
  for (let i = 0; i < s.steps.length; i++) {
    const t = s.times[i];
    if (t === undefined) continue;
    if (anchorTimes.length && anchorTimes[anchorTimes.length - 1] === t) anchorSteps[anchorSteps.length - 1] = s.steps[i];
    else {
      anchorSteps.push(s.steps[i]);
      anchorTimes.push(t);
    }
  }
  const x: number[] = [];
  let k = 0;
  for (let i = 0; i < s.steps.length; i++) {
    const st = s.steps[i];
    while (k < anchorSteps.length - 1 && anchorSteps[k] < st) k++;
    let t: number;
    if (anchorSteps.length === 0) t = t0;
    else if (k === 0 || anchorSteps[k] === anchorSteps[k - 1]) t = anchorTimes[k];
    else {
      const f = (st - anchorSteps[k - 1]) / (anchorSteps[k] - anchorSteps[k - 1]);
      t = anchorTimes[k - 1] + Math.max(0, Math.min(1, f)) * (anchorTimes[k] - anchorTimes[k - 1]);
    }
    const v = Math.max(0, t - t0);
    x.push(x.length && v <= x[x.length - 1] ? x[x.length - 1] + 1e-6 : v);
  }
  return { ...s, steps: x };
}

/** One experiment's runs on the plot: the open one (live) or one added from elsewhere. */
interface Source {
  exp: ExperimentDetail;
  series: Map<string, ApiSeries>;
}

interface Grouping {
  /** "arm", or a dotted path into each run's resolved config. */
  by: string;
  /** Runs come from several experiments: arms are labelled "experiment/arm". */
  multi: boolean;
  resolved: Map<string, unknown>;
}

interface CurveOptions {
  stat: StatName;
  band: Band;
  smoothing: number;
  xAxis: XAxis;
}

// Resolved configs do not change once a run exists, so one fetch per run serves every grouping.
const resolvedCache = new Map<string, Promise<unknown>>();
function resolvedOf(runId: string): Promise<unknown> {
  let p = resolvedCache.get(runId);
  if (!p) {
    p = api.getRun(runId).then((r) => r.resolved);
    p.catch(() => resolvedCache.delete(runId));
    resolvedCache.set(runId, p);
  }
  return p;
}

function groupValue(s: ApiSeries, exp: ExperimentDetail, g: Grouping): { label: string; value: unknown } {
  if (g.by === 'arm') return { label: g.multi ? `${exp.name}/${s.arm}` : s.arm, value: null };
  if (!g.resolved.has(s.run)) return { label: '(config loading)', value: null };
  const value = configValue(g.resolved.get(s.run), g.by);
  return { label: `${g.by}=${formatConfigValue(value)}`, value };
}

/** Aggregate curves per group. Arm groups keep the spec's order (and so their colours); value groups sort by value. */
function computeCurves(sources: Source[], g: Grouping, o: CurveOptions): ArmCurves[] {
  const order: string[] = [];
  const valueOf = new Map<string, unknown>();
  const members = new Map<string, ApiSeries[]>();
  for (const src of sources) {
    if (g.by === 'arm') for (const a of src.exp.arms) order.push(g.multi ? `${src.exp.name}/${a}` : a);
    const started = new Map(src.exp.runs.map((r) => [r.id, r.startedAt]));
    for (const s of src.series.values()) {
      if (s.steps.length === 0) continue;
      const { label, value } = groupValue(s, src.exp, g);
      if (!members.has(label)) members.set(label, []);
      if (!order.includes(label)) order.push(label);
      valueOf.set(label, value);
      const at = started.get(s.run);
      members.get(label)!.push(o.xAxis === 'step' ? s : toWallTime(s, at ? Date.parse(at) / 1000 : null));
    }
  }
  if (g.by !== 'arm') {
    const numeric = order.every((l) => typeof valueOf.get(l) === 'number');
    order.sort((a, b) => (numeric ? (valueOf.get(a) as number) - (valueOf.get(b) as number) : a.localeCompare(b)));
  }
  return order.map((arm) => {
    const runs = (members.get(arm) ?? []).sort((a, b) => a.seed - b.seed);
    const color = armColor(order, arm);
    if (runs.length === 0) return { arm, color, runs, curve: null, raw: null };
    try {
      const smooth = o.smoothing > 0 ? ({ kind: 'ema', weight: o.smoothing } as const) : ({ kind: 'none' } as const);
      const curve = aggregateCurves(runs, { stat: o.stat, smooth, reps: o.band === 'ci' ? CURVE_REPS : 1, ci: 0.95, seed: 0 });
      const raw = o.smoothing > 0 ? aggregateCurves(runs, { stat: o.stat, reps: 1, seed: 0 }) : null;
      return { arm, color, runs, curve, raw };
    } catch (e) {
      return { arm, color, runs, curve: null, raw: null, error: (e as Error).message };
    }
  });
}

function curveCsv(curves: ArmCurves[], groupBy: string, xAxis: XAxis, band: Band): string {
  const rows = [`${groupBy === 'arm' ? 'arm' : 'group'},${xAxis === 'time' ? 'seconds' : 'step'},n,estimate,low,high,interval`];
  for (const a of curves) {
    const c = a.curve;
    if (!c) continue;
    c.steps.forEach((s, i) => rows.push([JSON.stringify(a.arm), s, c.n[i], c.estimate[i], c.low[i], c.high[i], JSON.stringify(band === 'ci' ? percentileIntervalLabel(c.n[i], 0.95, CURVE_REPS) : 'no interval (band off)')].join(',')));
  }
  return rows.join('\n') + '\n';
}

const safeName = (s: string) => safeFileName(s, 'metric');

/** Runs behind a figure's band, for its title: "3" or "3-5" when arms differ. */
function bandRunsLabel(curves: ArmCurves[]): string {
  const ns = curves.filter((c) => c.curve).map((c) => c.runs.length);
  if (ns.length === 0) return '0';
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return (lo === hi ? `${lo}` : `${lo}-${hi}`) + (lo < 10 ? ' (undercovers at small n)' : '');
}

interface ArmAlarm {
  arm: string;
  color: string;
  flagged: (HackingVerdict & { seed: number })[];
  judged: number;
}

/** `compact`: the live curves under the run table, without statistics tables and export. */
export function Comparison({ experiment, compact = false, hacking }: { experiment: ExperimentDetail; compact?: boolean; hacking?: HackingState }) {
  const { dark } = useTheme();
  const metrics = experiment.metrics;
  // A run's step is an environment step in RL and an RL iteration (one batch of generations) in RLHF.
  const stepLabel = experiment.kind === 'rlhf' ? 'iterations' : experiment.kind === 'mixed' || experiment.kind === 'imported' ? 'steps' : 'env steps';
  const preferred = metrics.find((m) => m === 'charts/episodic_return') ?? metrics[0] ?? '';
  const [metric, setMetric] = useState(preferred);
  const [stat, setStat] = useState<StatName>('iqm');
  const [pairedVsArm, setPairedVsArm] = useState<string | null>(null);
  const [band, setBand] = useState<Band>('ci');
  const [smoothing, setSmoothing] = useState(0.6);
  const [showSeeds, setShowSeeds] = useState(compact);
  const [logY, setLogY] = useState(false);
  const [xAxis, setXAxis] = useState<XAxis>('step');
  const [saved, setSaved] = useState<string | null>(null);
  const [exportSize, setExportSize] = useState('1200x750');
  const [exportScale, setExportScale] = useState(2);
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [groupBy, setGroupBy] = useState('arm');
  const [groupDraft, setGroupDraft] = useState('arm');
  const [wantConfigs, setWantConfigs] = useState(false);
  const [resolved, setResolved] = useState(() => new Map<string, unknown>());
  const [extraIds, setExtraIds] = useState<string[]>([]);
  const [exporting, setExporting] = useState(false);
  const extraSources = useRef(new Map<string, Source>());
  const experimentRef = useRef(experiment);
  experimentRef.current = experiment;
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
    loadSeries(experiment.id, metric, runIdsRef.current).then(
      (map) => {
        if (!live) return;
        series.current = map;
        setLoading(false);
        setVersion((v) => v + 1);
      },
      () => live && setLoading(false),
    );
    return () => {
      live = false;
    };
  }, [experiment.id, metric]);

  // Other experiments' series are fetched per metric; live points then arrive through the listener below.
  const extraKey = extraIds.join(',');
  useEffect(() => {
    if (!metric) return;
    let live = true;
    const dropped = [...extraSources.current.keys()].filter((id) => !extraIds.includes(id));
    for (const id of dropped) extraSources.current.delete(id);
    if (extraIds.length === 0) {
      if (dropped.length) setVersion((v) => v + 1);
      return;
    }
    void Promise.all(
      extraIds.map(async (id) => {
        const exp = await api.getExperiment(id);
        const map = exp.metrics.includes(metric) ? await loadSeries(id, metric, exp.runs.map((r) => r.id)) : new Map<string, ApiSeries>();
        if (live) extraSources.current.set(id, { exp, series: map });
      }),
    )
      .catch(() => undefined)
      .finally(() => live && setVersion((v) => v + 1));
    return () => {
      live = false;
    };
    // extraKey stands for extraIds: a new array with the same ids must not refetch.
  }, [extraKey, metric]);

  // Resolved configs are needed to group by a key and to suggest the keys that differ between runs.
  useEffect(() => {
    if (!wantConfigs && groupBy === 'arm') return;
    let live = true;
    const ids = [experimentRef.current, ...[...extraSources.current.values()].map((x) => x.exp)].flatMap((e) => e.runs.map((r) => r.id));
    void Promise.all(ids.map(async (id) => [id, await resolvedOf(id).catch(() => undefined)] as const)).then((pairs) => {
      if (!live) return;
      const next = pairs.filter(([, r]) => r !== undefined);
      // Same runs as before: keep the map, or every live tick would regroup (and re-bootstrap) twice.
      setResolved((prev) => (next.length === prev.size && next.every(([id]) => prev.has(id)) ? prev : new Map(next)));
    });
    return () => {
      live = false;
    };
  }, [wantConfigs, groupBy, extraKey, version, experiment.runs.length]);
  const keySuggestions = useMemo(() => varyingKeys([...resolved.values()]), [resolved]);

  // Live updates hand us a new experiment object each time; recompute only when the arm list really changes.
  const armsKey = experiment.arms.join('\n');
  const arms = useMemo(() => armsKey.split('\n').filter(Boolean), [armsKey]);
  const runInfo = useMemo(() => new Map(experiment.runs.map((r) => [r.id, r])), [experiment.runs]);
  const runIdsRef = useRef<string[]>([]);
  runIdsRef.current = experiment.runs.map((r) => r.id);
  useEffect(() => {
    let pending = false;
    const off = onMetrics((run, points, exp) => {
      // Added experiments that are still running grow live too.
      const extra = exp === experiment.id ? null : extraSources.current.get(exp);
      if (exp !== experiment.id && !extra) return;
      // Until the metric switch has refetched it, an added experiment still holds the previous metric's (cached) series.
      const held = extra?.series.values().next().value;
      if (held && held.metric !== metric) return;
      const info = extra ? extra.exp.runs.find((r) => r.id === run) : runInfo.get(run);
      if (!info) return;
      const target = extra ? extra.series : series.current;
      let s = target.get(run);
      const now = Date.now() / 1000;
      let touched = false;
      for (const p of points) {
        if (p.metric !== metric) continue;
        if (!s) {
          s = { run, arm: info.arm, seed: info.seed, metric, steps: [], values: [], times: [] };
          target.set(run, s);
        }
        // A point the incremental fetch already brought in must not be appended twice.
        if (s.steps.length && p.step <= s.steps[s.steps.length - 1]) continue;
        s.steps.push(p.step);
        s.values.push(p.value);
        s.times.push(now);
        touched = true;
      }
      if (!touched) return;
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
  }, [metric, runInfo, experiment.id]);

  const grouping: Grouping = useMemo(() => ({ by: groupBy, multi: extraIds.length > 0, resolved }), [groupBy, extraIds.length, resolved]);
  const curveOptions: CurveOptions = useMemo(() => ({ stat, band, smoothing, xAxis }), [stat, band, smoothing, xAxis]);
  const sourcesFor = useCallback(
    (main: Map<string, ApiSeries>): Source[] => [
      { exp: experimentRef.current, series: main },
      ...extraIds.flatMap((id) => {
        const x = extraSources.current.get(id);
        return x ? [x] : [];
      }),
    ],
    [extraIds],
  );
  const armCurves: ArmCurves[] = useMemo(() => {
    void version;
    void arms;
    // The experiment object (for run start times) is read through a ref: it changes with every run event.
    return computeCurves(sourcesFor(series.current), grouping, curveOptions);
  }, [version, arms, sourcesFor, grouping, curveOptions]);

  const alarms: ArmAlarm[] = useMemo(() => {
    if (!hacking?.pair) return [];
    return arms
      .map((arm) => {
        const mine = experiment.runs.filter((r) => r.arm === arm).flatMap((r) => {
          const v = hacking.byRun.get(r.id);
          return v ? [{ ...v, seed: r.seed }] : [];
        });
        return { arm, color: armColor(arms, arm), flagged: mine.filter((v) => v.flagged), judged: mine.length };
      })
      .filter((a) => a.flagged.length > 0);
  }, [hacking, arms, experiment.runs]);

  const scores = useMemo(() => {
    if (compact) return { est: [], poi: [], paired: [], vs: null };
    const perArm = armCurves
      .map((a) => ({ arm: a.arm, color: a.color, values: a.runs.map((r) => extractScore(r, 'last')).filter(Number.isFinite) }))
      .filter((a) => a.values.length > 0);
    const est = perArm.map((a) => ({ ...a, ci: aggregateWithCI(column(a.values), stat, { reps: SCORE_REPS, seed: 0 }) as IntervalEstimate }));
    const poi: { x: string; y: string; r: IntervalEstimate }[] = [];
    if (perArm.length >= 2 && perArm.length <= 6) {
      for (const x of perArm)
        for (const y of perArm) if (x.arm !== y.arm) poi.push({ x: x.arm, y: y.arm, r: probabilityOfImprovementWithCI(column(x.values), column(y.values), { reps: 1000, seed: 0 }) });
    }
    // Seed-matched differences against one arm: the same function and options as
    // `creditlab compare --at last --stat S --vs ARM --paired`, so the numbers are the CLI's.
    const seedScores = (a: ArmCurves) => a.runs.flatMap((r) => {
      const v = extractScore(r, 'last');
      return Number.isFinite(v) ? [{ seed: r.seed, value: v }] : [];
    });
    const vs = groupBy === 'arm' && extraIds.length === 0 ? armCurves.find((a) => a.arm === pairedVsArm) ?? armCurves[0] : undefined;
    const paired: { arm: string; color: string; d: ArmDifference | null; error?: string }[] = [];
    if (vs)
      for (const a of armCurves) {
        if (a.arm === vs.arm) continue;
        try {
          paired.push({ arm: a.arm, color: a.color, d: pairedVs(a.arm, seedScores(a), vs.arm, seedScores(vs), stat, { reps: SCORE_REPS, seed: 0 }) });
        } catch (e) {
          paired.push({ arm: a.arm, color: a.color, d: null, error: e instanceof Error ? e.message : String(e) });
        }
      }
    return { est, poi, paired, vs: vs?.arm ?? null };
  }, [armCurves, stat, compact, pairedVsArm, groupBy, extraIds]);

  const currentMetric = metric;
  const extraNames = extraIds.map((id) => extraSources.current.get(id)?.exp.name ?? id);
  const figureTitle = [experiment.name, ...extraNames].join(' + ') + (groupBy === 'arm' ? '' : ` by ${groupBy}`);
  const buildFigure = useCallback(
    (pub: boolean, curves: ArmCurves[] = armCurves, metric: string = currentMetric): { data: Datum[]; layout: Layout } => {
      const fg = pub ? '#1a1a1a' : cssVar('--fg') || '#222';
      const grid = pub ? '#e6e6e6' : cssVar('--grid') || '#ddd';
      const muted = pub ? '#444' : cssVar('--fg-muted') || '#666';
      const data: Datum[] = [];
      for (const a of curves) {
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
          name: `${a.arm} (n=${a.runs.length}${computeLabel(a.runs) ? `, ${computeLabel(a.runs)}` : ''})`,
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
        xaxis: { ...axis, title: { text: xAxis === 'time' ? 'wall time since run start (s)' : stepLabel, font: { color: muted } } },
        yaxis: { ...axis, type: logY ? 'log' : 'linear', title: { text: yTitle, font: { color: muted } } },
        legend: pub
          ? { x: 1.02, y: 1, xanchor: 'left', yanchor: 'top', bgcolor: 'rgba(0,0,0,0)', font: { size: 14 } }
          : { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
        title: pub ? { text: `${figureTitle}: ${STAT_LABEL[stat] ?? stat} over seeds${band === 'ci' ? `, 95% percentile-bootstrap band, n=${bandRunsLabel(curves)}` : ''}`, x: 0.02, font: { size: 16 } } : undefined,
        showlegend: true,
        uirevision: `${experiment.id}:${metric}:${xAxis}`,
      };
      // The alarm's window, shaded in the arm's colour (step axis only: the window is a step range).
      if (xAxis === 'step' && alarms.length > 0) {
        layout.shapes = alarms.map((a) => ({
          type: 'rect',
          xref: 'x',
          yref: 'paper',
          x0: Math.min(...a.flagged.map((v) => v.window[0])),
          x1: Math.max(...a.flagged.map((v) => v.window[1])),
          y0: 0,
          y1: 1,
          fillcolor: withAlpha(a.color, 0.08),
          line: { color: withAlpha(a.color, 0.6), width: 1, dash: 'dot' },
          layer: 'below',
        }));
        layout.annotations = alarms.map((a, i) => ({
          xref: 'x',
          yref: 'paper',
          x: Math.min(...a.flagged.map((v) => v.window[0])),
          y: 1 - i * 0.07,
          xanchor: 'left',
          yanchor: 'top',
          text: `⚠ ${a.arm}: proxy ↑, true ↓/→`,
          showarrow: false,
          font: { size: pub ? 13 : 11, color: a.color },
          bgcolor: pub ? 'rgba(255,255,255,0.8)' : 'rgba(0,0,0,0)',
        }));
      }
      if (!pub) (layout.margin as Record<string, number>).t = 36;
      return { data, layout };
    },
    [armCurves, showSeeds, smoothing, band, currentMetric, logY, stat, experiment.id, figureTitle, xAxis, alarms, stepLabel],
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

  const baseName = `${safeFileName(experiment.name, 'experiment')}-${safeName(metric)}`;
  const report = (o: SaveOutcome) => setSaved(describeOutcome(o));
  const exportImage = async (format: 'png' | 'svg') => {
    const [w, h] = exportSize.split('x').map(Number);
    const url = await Plotly.toImage(buildFigure(true), { format, width: w, height: h, scale: format === 'png' ? exportScale : 1 });
    report(await saveDataUrl(url, `${baseName}.${format}`));
  };
  const exportFigureData = async () => {
    report(await saveText(curveCsv(armCurves, groupBy, xAxis, band), `${baseName}-curve.csv`, 'text/csv'));
  };
  /**
   * Every metric's figure (PNG and SVG, publication style, current settings) and the curve data behind it.
   * Browser: one zip. Electron: one folder dialog, every file written into the chosen folder.
   */
  const exportAll = async () => {
    setExporting(true);
    try {
      const [w, h] = exportSize.split('x').map(Number);
      const files: ({ name: string; dataUrl: string } | { name: string; text: string })[] = [];
      for (const [i, m] of metrics.entries()) {
        setSaved(`rendering ${i + 1}/${metrics.length}: ${m}`);
        const main = await loadSeries(experiment.id, m, runIdsRef.current);
        const extras = await Promise.all(
          sourcesFor(main)
            .slice(1)
            .map(async (x) => ({ exp: x.exp, series: x.exp.metrics.includes(m) ? await loadSeries(x.exp.id, m, x.exp.runs.map((r) => r.id)) : new Map<string, ApiSeries>() })),
        );
        const curves = computeCurves([{ exp: experiment, series: main }, ...extras], grouping, curveOptions);
        if (!curves.some((c) => c.curve)) continue;
        const fig = buildFigure(true, curves, m);
        const base = `${safeFileName(experiment.name, 'experiment')}-${safeName(m)}`;
        files.push({ name: `${base}.png`, dataUrl: await Plotly.toImage(fig, { format: 'png', width: w, height: h, scale: exportScale }) });
        files.push({ name: `${base}.svg`, dataUrl: await Plotly.toImage(fig, { format: 'svg', width: w, height: h, scale: 1 }) });
        files.push({ name: `${base}.csv`, text: curveCsv(curves, groupBy, xAxis, band) });
      }
      if (files.length === 0) return setSaved('nothing to export yet');
      if (desktop) {
        const out = await desktop.saveFiles({
          title: `Export ${files.length} files of ${experiment.name}`,
          files: files.map((f) => {
            if (!('dataUrl' in f)) return { name: f.name, content: f.text, encoding: 'utf8' as const };
            const [head, body] = f.dataUrl.split(',', 2);
            return head.includes(';base64') ? { name: f.name, content: body, encoding: 'base64' as const } : { name: f.name, content: decodeURIComponent(body), encoding: 'utf8' as const };
          }),
        });
        return setSaved(out ? `saved ${out.paths.length} files to ${out.folder}` : 'export cancelled');
      }
      const enc = new TextEncoder();
      const zip = makeZip(files.map((f) => ({ name: f.name, data: 'dataUrl' in f ? dataUrlBytes(f.dataUrl) : enc.encode(f.text) })));
      const name = `${safeFileName(experiment.name, 'experiment')}-figures.zip`;
      downloadBlob(zip, name);
      setSaved(`downloaded ${name} (${files.length} files: PNG, SVG and CSV of ${files.length / 3} metrics)`);
    } catch (e) {
      setSaved(`export failed: ${(e as Error).message}`);
    } finally {
      setExporting(false);
    }
  };
  const exportExperiment = async (format: 'csv' | 'json') => {
    report(await saveExperimentData(experiment.id, format));
  };
  // The application menu's Export… items act on the full comparison when it is showing.
  const exportRef = useRef({ exportImage, exportExperiment });
  exportRef.current = { exportImage, exportExperiment };
  useEffect(() => {
    if (compact) return;
    const a = onMenuCommand('export-figure', () => void exportRef.current.exportImage('svg'));
    const b = onMenuCommand('export-data', () => void exportRef.current.exportExperiment('csv'));
    return () => {
      a();
      b();
    };
  }, [compact]);

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
            {STAT_LABEL[stat]} over seeds{band === 'ci' ? `, 95% percentile-bootstrap band (${CURVE_REPS} resamples per point; undercovers below 10 runs)` : ''}, EMA {smoothing.toFixed(2)}; thin lines are single runs
          </span>
          <span className="toolbar-gap" />
          <AlarmBadges alarms={alarms} />
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
          <span>Group by</span>
          <input
            aria-label="Group by"
            className="group-by"
            list="group-by-keys"
            value={groupDraft}
            placeholder="arm or config key"
            onFocus={() => setWantConfigs(true)}
            onChange={(e) => {
              setGroupDraft(e.target.value);
              // Picking a suggestion applies at once; a typed path applies on Enter or when leaving the field.
              if (e.target.value === 'arm' || keySuggestions.includes(e.target.value)) setGroupBy(e.target.value);
            }}
            onKeyDown={(e) => e.key === 'Enter' && setGroupBy(groupDraft.trim() || 'arm')}
            onBlur={() => setGroupBy(groupDraft.trim() || 'arm')}
            title="“arm”, or a dotted path into the runs’ resolved config (algo.learningRate, reward.shaping); suggestions are the keys that differ"
          />
          <datalist id="group-by-keys">
            <option value="arm" />
            {keySuggestions.map((k) => (
              <option key={k} value={k} />
            ))}
          </datalist>
        </label>
        <ExperimentPicker current={experiment.id} metric={metric} selected={extraIds} onChange={setExtraIds} />
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
            <option value="ci">95% percentile-bootstrap band</option>
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
        <label className="field">
          <span>X</span>
          <select aria-label="X axis" value={xAxis} onChange={(e) => setXAxis(e.target.value as XAxis)}>
            <option value="step">{stepLabel}</option>
            <option value="time">wall time</option>
          </select>
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
          <button type="button" onClick={() => void exportFigureData()} disabled={!anyData} title="The plotted curves (aggregate and CI per step) as CSV">
            Curve CSV
          </button>
          <button
            type="button"
            onClick={() => void exportAll()}
            disabled={!anyData || exporting}
            title={desktop ? 'Every metric’s figure (PNG, SVG) and curve CSV, one save dialog per file' : 'Every metric’s figure (PNG, SVG) and curve CSV, as one zip'}
          >
            {exporting ? 'Exporting…' : 'All figures'}
          </button>
          <button type="button" onClick={() => void exportExperiment('csv')} title="Every logged metric point of the experiment">
            Data CSV
          </button>
          <button type="button" onClick={() => void exportExperiment('json')}>
            JSON
          </button>
        </div>
      </div>
      {saved && (
        <div className="muted small" data-testid="export-status">
          Export: {saved}
        </div>
      )}
      {alarms.length > 0 && <AlarmPanel alarms={alarms} />}
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
            Final score ({metric.split('/').pop()}, last value): {STAT_LABEL[stat]} with a 95% percentile-bootstrap interval over each arm’s runs ({SCORE_REPS} resamples)
            {scores.est.some((s) => s.values.length < 10) && '; with fewer than 10 runs it undercovers (covers less often than 95%)'}
          </caption>
          <thead>
            <tr>
              <th>{groupBy === 'arm' ? 'Arm' : groupBy}</th>
              <th className="num">Runs</th>
              <th className="num">{STAT_LABEL[stat]}</th>
              <th className="num">95% pct. bootstrap</th>
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
                  <td className="num mono" title={percentileIntervalLabel(s.values.length, 0.95, SCORE_REPS)}>
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
            <caption>P(row {groupBy === 'arm' ? 'arm' : 'group'} beats column {groupBy === 'arm' ? 'arm' : 'group'}), with a 95% percentile-bootstrap interval (1000 resamples; runs resampled independently)</caption>
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
        {scores.vs && scores.paired.length > 0 && (
          <table className="scores paired" aria-label="Paired differences" data-testid="paired-differences">
            <caption>
              Paired difference (arm − {' '}
              <select aria-label="Paired difference against" value={scores.vs} onChange={(e) => setPairedVsArm(e.target.value)}>
                {armCurves.map((a) => (
                  <option key={a.arm} value={a.arm}>
                    {a.arm}
                  </option>
                ))}
              </select>
              ), matched by seed: {STAT_LABEL[stat]} of the per-seed differences of the last value. Same as{' '}
              <code>creditlab compare --at last --stat {stat} --vs {scores.vs} --paired</code>
            </caption>
            <thead>
              <tr>
                <th>Arm</th>
                <th className="num">Pairs</th>
                <th className="num">Δ {STAT_LABEL[stat]}</th>
                <th className="num">Interval</th>
                <th>How the interval was made</th>
              </tr>
            </thead>
            <tbody>
              {scores.paired.map((p) => (
                <tr key={p.arm}>
                  <td>
                    <span className="arm-chip" style={{ background: p.color }} />
                    {p.arm}
                  </td>
                  <td className="num mono">{p.d?.n ?? 0}</td>
                  <td className="num mono">{p.d ? fmtValue(p.d.estimate) : '—'}</td>
                  <td className="num mono">{p.d && Number.isFinite(p.d.ci[0]) ? `[${fmtValue(p.d.ci[0])}, ${fmtValue(p.d.ci[1])}]` : '—'}</td>
                  <td className="small">
                    {p.error ?? p.d?.method}
                    {p.d &&
                      Object.entries(p.d.unmatched)
                        .filter(([, xs]) => xs.length > 0)
                        .map(([a, xs]) => `; unmatched ${a} seed(s) ${xs.join(', ')}`)
                        .join('')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

function AlarmBadges({ alarms }: { alarms: ArmAlarm[] }) {
  return (
    <>
      {alarms.map((a) => (
        <span key={a.arm} className="hack-badge" title={explainVerdict(a.flagged[0])} data-testid="hack-badge">
          ⚠ {a.arm}: reward hacking? ({a.flagged.length}/{a.judged})
        </span>
      ))}
    </>
  );
}

function AlarmPanel({ alarms }: { alarms: ArmAlarm[] }) {
  return (
    <div className="hack-alarm" role="alert" data-testid="hack-alarm">
      <div className="hack-alarm-head">
        <AlarmBadges alarms={alarms} />
        <span className="muted small">
          The proxy objective keeps rising while the true task metric falls or stalls. Rule: Spearman ρ of each against step over the last{' '}
          {Math.round(HACKING_RULE.windowFraction * 100)}% of training; flag when ρ<sub>proxy</sub> ≥ {HACKING_RULE.rise} and ρ<sub>true</sub> ≤ {HACKING_RULE.stall}{' '}
          (≥ {HACKING_RULE.minPoints} points each), or over the whole run when ρ<sub>proxy</sub> ≥ {HACKING_RULE.rise} and ρ<sub>true</sub> ≤ −{HACKING_RULE.stall} (a hack that finished early). The range judged is shaded on the plot.
        </span>
      </div>
      <ul>
        {alarms.flatMap((a) =>
          a.flagged.slice(0, 3).map((v, i) => (
            <li key={`${a.arm}:${i}`} className="small">
              <span className="arm-chip" style={{ background: a.color }} />
              <b>{a.arm}</b> · seed {v.seed}: {explainVerdict(v, false)}
            </li>
          )),
        )}
      </ul>
    </div>
  );
}

/** Adds other experiments' runs to the comparison; those without the current metric are listed but greyed. */
function ExperimentPicker({ current, metric, selected, onChange }: { current: string; metric: string; selected: string[]; onChange(ids: string[]): void }) {
  const { experiments } = useLive();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useDismiss(open, () => setOpen(false), root);
  const others = experiments.filter((e) => e.id !== current);
  return (
    <div className="tmenu exp-picker" ref={root}>
      <button type="button" aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(!open)} title="Add runs from other experiments (same metric)">
        Experiments{selected.length ? ` +${selected.length}` : ''} ▾
      </button>
      {open && (
        <div className="tmenu-pop exp-picker-pop" role="dialog" aria-label="Compare with experiments" data-testid="experiment-picker">
          <div className="tmenu-group-head">Add runs from (arms are labelled experiment/arm)</div>
          {others.length === 0 && <div className="muted small tmenu-empty">No other experiments yet.</div>}
          {others.map((e) => (
            <label key={e.id} className="tmenu-check">
              <input
                type="checkbox"
                aria-label={`Compare with ${e.name} (${e.id})`}
                checked={selected.includes(e.id)}
                onChange={(ev) => onChange(ev.target.checked ? [...selected, e.id] : selected.filter((x) => x !== e.id))}
              />
              <span className="tmenu-title">{e.name}</span>
              <span className="tmenu-paper">
                {e.id} · {e.arms.join(', ')} · {e.status}
              </span>
            </label>
          ))}
          <div className="muted small tmenu-empty">Experiments without “{metric}” add no curves.</div>
        </div>
      )}
    </div>
  );
}
