// Comparison of arms on one metric: per-group aggregate curve over seeds with a bootstrap CI band (the
// statistics package the CLI uses, run in a worker so the page never stalls), optional per-seed lines,
// EMA smoothing, and a final-score table. Groups are the arms, or the values of any config key; other
// experiments' runs can join the plot. The pieces live in ./comparison/.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ExperimentDetail } from '@creditlab/api';
import { SMALL_N } from '@creditlab/stats';
import { describeOutcome, onMenuCommand, type SaveOutcome } from '../lib/desktop';
import type { HackingState } from '../lib/use-hacking';
import { Plotly } from '../lib/plotly';
import { cssVar, useTheme } from '../lib/theme';
import { CURVE_REPS, NO_SCORES, type CurveSettings, type GroupCurves } from './comparison/comparison-stats';
import { BandNotes } from './comparison/BandNotes';
import { ComparisonControls } from './comparison/ComparisonControls';
import { curveCsv } from './comparison/curve-csv';
import { exportAllFigures, figureBaseName, saveCurveCsv, saveExperiment, saveFigureImage, type ImageSize } from './comparison/exporters';
import { figureDrawer, type FigureDrawer } from './comparison/draw-figure';
import { buildFigure, STAT_LABEL, type FigureInput } from './comparison/figure';
import { statsRequest, type Grouping } from './comparison/grouping';
import { alarmWindows, AlarmBadges, AlarmPanel, armAlarms } from './comparison/HackingAlarm';
import { ScoreTables } from './comparison/ScoreTables';
import { defaultSettings, usePlotSettings } from './comparison/settings';
import { useComparisonSeries } from './comparison/use-comparison-series';
import { statsClient, useComparisonStats, type StatsJob } from './comparison/use-comparison-stats';

/** What a result was computed for: drawn with these, not with settings changed since. */
interface JobMeta {
  metric: string;
  groupBy: string;
  curve: CurveSettings;
}

function parseSize(size: string, scale: number): ImageSize {
  const [width, height] = size.split('x').map(Number);
  return { width, height, scale };
}

/** `compact`: the live curves under the run table, without statistics tables and export. */
export function Comparison({ experiment, compact = false, hacking }: { experiment: ExperimentDetail; compact?: boolean; hacking?: HackingState }) {
  const { dark } = useTheme();
  const metrics = experiment.metrics;
  // A run's step is an environment step in RL and an RL iteration (one batch of generations) in RLHF.
  const stepLabel = experiment.kind === 'rlhf' ? 'iterations' : experiment.kind === 'mixed' || experiment.kind === 'imported' ? 'steps' : 'env steps';
  const preferred = metrics.find((m) => m === 'charts/episodic_return') ?? metrics[0] ?? '';
  const [s, set] = usePlotSettings(() => defaultSettings(preferred, compact));
  const [wantConfigs, setWantConfigs] = useState(false);
  const plotEl = useRef<HTMLDivElement>(null);
  const drawer = useRef<FigureDrawer | null>(null);

  // Early in a run only auxiliary metrics may exist; move to the return once it appears unless the user chose.
  const userPicked = useRef(false);
  const pickMetric = (m: string) => {
    userPicked.current = true;
    set({ metric: m });
  };
  useEffect(() => {
    if (!userPicked.current && preferred && preferred !== s.metric) set({ metric: preferred });
  }, [s.metric, preferred, set]);

  const data = useComparisonSeries(experiment, s.metric, s.extraIds, wantConfigs || s.groupBy !== 'arm');

  // Live updates hand us a new experiment object each time; regroup only when the arm list really changes.
  const armsKey = experiment.arms.join('\n');
  const arms = useMemo(() => armsKey.split('\n').filter(Boolean), [armsKey]);
  const grouping: Grouping = useMemo(() => ({ by: s.groupBy, multi: s.extraIds.length > 0, resolved: data.resolved }), [s.groupBy, s.extraIds.length, data.resolved]);
  const curve: CurveSettings = useMemo(() => ({ stat: s.stat, band: s.band, smoothing: s.smoothing, xAxis: s.xAxis }), [s.stat, s.band, s.smoothing, s.xAxis]);
  const scoreOptions = useMemo(() => (compact ? null : { paired: s.groupBy === 'arm' && s.extraIds.length === 0, vs: s.pairedVs }), [compact, s.groupBy, s.extraIds.length, s.pairedVs]);
  const job: StatsJob<JobMeta> = useMemo(() => {
    void data.version;
    void arms;
    return {
      makeRequest: () => statsRequest(data.sources(), grouping, { curve, seedLines: s.showSeeds, scores: scoreOptions }),
      meta: { metric: s.metric, groupBy: s.groupBy, curve },
    };
  }, [data.version, data.sources, arms, grouping, curve, s.showSeeds, scoreOptions, s.metric, s.groupBy]);
  const stats = useComparisonStats(job);
  const shown = stats.shown;
  const curves: readonly GroupCurves[] = shown?.result.curves ?? [];
  const scores = shown?.result.scores ?? NO_SCORES;

  const alarms = useMemo(() => armAlarms(hacking, arms, experiment.runs), [hacking, arms, experiment.runs]);
  const windows = useMemo(() => alarmWindows(alarms), [alarms]);

  const extraNames = s.extraIds.map((id) => data.sources().find((x) => x.exp.id === id)?.exp.name ?? id);
  const figureTitle = (groupBy: string) => [experiment.name, ...extraNames].join(' + ') + (groupBy === 'arm' ? '' : ` by ${groupBy}`);
  /** The figure of a result, drawn with the settings it was computed with; logY and seeds are display-only. */
  const figureOf = (result: { curves: readonly GroupCurves[] }, meta: JobMeta, pub: boolean): FigureInput => ({
    curves: result.curves,
    metric: meta.metric,
    stat: meta.curve.stat,
    band: meta.curve.band,
    smoothing: meta.curve.smoothing,
    xAxis: meta.curve.xAxis,
    showSeeds: s.showSeeds,
    logY: s.logY,
    stepLabel,
    title: figureTitle(meta.groupBy),
    uirevision: `${experiment.id}:${meta.metric}:${meta.curve.xAxis}`,
    alarms: windows,
    pub,
    screen: pub ? undefined : { fg: cssVar('--fg'), grid: cssVar('--grid'), muted: cssVar('--fg-muted'), panel: cssVar('--panel') },
  });
  const shownMeta: JobMeta = shown?.job.meta ?? job.meta;

  useEffect(() => {
    const el = plotEl.current;
    if (!el) return;
    const fig = buildFigure(figureOf({ curves }, shownMeta, false));
    drawer.current ??= figureDrawer(el);
    void drawer.current.draw(fig, s.logY);
    // The figure depends on exactly these; figureOf is rebuilt every render.
  }, [shown, s.showSeeds, s.logY, windows, dark, stepLabel, experiment.id, experiment.name, s.extraIds.join(',')]);

  useEffect(() => {
    const el = plotEl.current;
    return () => {
      drawer.current?.cancel();
      if (el) Plotly.purge(el);
    };
  }, []);

  const [saved, setSaved] = useState<string | null>(null);
  const [exportSize, setExportSize] = useState('1200x750');
  const [exportScale, setExportScale] = useState(2);
  const [exporting, setExporting] = useState(false);
  const report = (o: SaveOutcome) => setSaved(describeOutcome(o));
  const baseName = figureBaseName(experiment.name, shownMeta.metric);
  const exportImage = async (format: 'png' | 'svg') => {
    report(await saveFigureImage(buildFigure(figureOf({ curves }, shownMeta, true)), format, parseSize(exportSize, exportScale), baseName));
  };
  const exportCurveCsv = async () => report(await saveCurveCsv(curveCsv(curves, shownMeta.groupBy, shownMeta.curve.xAxis, shownMeta.curve.band), baseName));
  const exportExperiment = async (format: 'csv' | 'json') => report(await saveExperiment(experiment.id, format));
  /** Every metric with the current settings. Browser: one zip. Electron: one folder dialog. */
  const exportAll = async () => {
    setExporting(true);
    try {
      const status = await exportAllFigures({
        experimentName: experiment.name,
        metrics,
        size: parseSize(exportSize, exportScale),
        progress: setSaved,
        render: async (m) => {
          const meta: JobMeta = { metric: m, groupBy: s.groupBy, curve };
          const result = await statsClient().compute(statsRequest(await data.sourcesFor(m), grouping, { curve, seedLines: s.showSeeds, scores: null }));
          if (!result.curves.some((c) => c.curve)) return null;
          return { figure: buildFigure(figureOf(result, meta, true)), csv: curveCsv(result.curves, s.groupBy, curve.xAxis, curve.band) };
        },
      });
      setSaved(status);
    } catch (e) {
      setSaved(`export failed: ${(e as Error).message}`);
    } finally {
      setExporting(false);
    }
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

  const anyData = useMemo(() => {
    void data.version;
    return data.sources().some((src) => [...src.series.values()].some((x) => x.steps.length > 0));
  }, [data.version, data.sources]);
  const errors = curves.filter((a) => a.error);

  if (compact) {
    return (
      <div className="comparison compact">
        <div className="compact-head">
          <span className="pane-title">Live curves</span>
          <select aria-label="Metric" value={s.metric} onChange={(e) => pickMetric(e.target.value)}>
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <span className="muted small">
            {STAT_LABEL[s.stat]} over seeds{s.band === 'ci' ? `, pointwise 95% percentile-bootstrap band (${CURVE_REPS} resamples per point, not a simultaneous band; undercovers below ${SMALL_N} runs; none where one run covers a point)` : ''}, EMA {s.smoothing.toFixed(2)}; thin lines are single runs
          </span>
          <span className="toolbar-gap" />
          <AlarmBadges alarms={alarms} />
          <a href={`#/exp/${experiment.id}/compare`}>Open comparison →</a>
        </div>
        <div className="plot-wrap">
          <div className="plot" ref={plotEl} data-testid="live-plot" />
        </div>
        <BandNotes curves={curves} band={shownMeta.curve.band} xAxis={shownMeta.curve.xAxis} stepLabel={stepLabel} />
      </div>
    );
  }

  return (
    <div className="comparison">
      <ComparisonControls
        settings={s}
        set={set}
        pickMetric={pickMetric}
        metrics={metrics}
        experimentId={experiment.id}
        stepLabel={stepLabel}
        keySuggestions={data.keySuggestions}
        onWantConfigs={() => setWantConfigs(true)}
        anyData={anyData}
        exports={{
          size: exportSize,
          scale: exportScale,
          setSize: setExportSize,
          setScale: setExportScale,
          busy: exporting,
          image: (f) => void exportImage(f),
          curveCsv: () => void exportCurveCsv(),
          all: () => void exportAll(),
          experiment: (f) => void exportExperiment(f),
        }}
      />
      {saved && (
        <div className="muted small" data-testid="export-status">
          Export: {saved}
        </div>
      )}
      {alarms.length > 0 && <AlarmPanel alarms={alarms} />}
      <div className="plot-wrap">
        <div className="plot" ref={plotEl} data-testid="comparison-plot" />
        {!data.loading && !anyData && <div className="plot-empty muted">No points for {s.metric || 'this experiment'} yet. They appear here live as runs log them.</div>}
      </div>
      <BandNotes curves={curves} band={shownMeta.curve.band} xAxis={shownMeta.curve.xAxis} stepLabel={stepLabel} />
      {(errors.length > 0 || stats.error) && (
        <div className="error-text">
          {errors.map((e) => (
            <div key={e.arm}>
              {e.arm}: {e.error}
            </div>
          ))}
          {stats.error && <div>statistics: {stats.error}</div>}
        </div>
      )}
      <ScoreTables scores={scores} stat={shownMeta.curve.stat} metric={shownMeta.metric} groupBy={shownMeta.groupBy} groups={curves.map((c) => c.arm)} onPairedVs={(pairedVs) => set({ pairedVs })} />
    </div>
  );
}
