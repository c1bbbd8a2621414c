// The comparison's toolbar: metric, grouping, added experiments, aggregate, band, smoothing, seeds,
// x axis, log y, and the export buttons.
import { useState } from 'react';
import type { StatName } from '@creditlab/stats';
import { desktop } from '../../lib/desktop';
import type { Band, XAxis } from './comparison-stats';
import { ExperimentPicker } from './ExperimentPicker';
import type { PlotSettings, SetSettings } from './settings';

export interface ExportControls {
  size: string;
  scale: number;
  setSize(s: string): void;
  setScale(s: number): void;
  busy: boolean;
  image(format: 'png' | 'svg'): void;
  curveCsv(): void;
  all(): void;
  experiment(format: 'csv' | 'json'): void;
}

export function ComparisonControls({
  settings: s,
  set,
  pickMetric,
  metrics,
  experimentId,
  stepLabel,
  keySuggestions,
  onWantConfigs,
  anyData,
  exports: ex,
}: {
  settings: PlotSettings;
  set: SetSettings;
  pickMetric(m: string): void;
  metrics: readonly string[];
  experimentId: string;
  stepLabel: string;
  keySuggestions: readonly string[];
  onWantConfigs(): void;
  anyData: boolean;
  exports: ExportControls;
}) {
  const [groupDraft, setGroupDraft] = useState(s.groupBy);
  const applyGroup = () => set({ groupBy: groupDraft.trim() || 'arm' });
  return (
    <div className="controls" role="toolbar" aria-label="Plot controls">
      <label className="field">
        <span>Metric</span>
        <select aria-label="Metric" value={s.metric} onChange={(e) => pickMetric(e.target.value)}>
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
          onFocus={onWantConfigs}
          onChange={(e) => {
            setGroupDraft(e.target.value);
            // Picking a suggestion applies at once; a typed path applies on Enter or when leaving the field.
            if (e.target.value === 'arm' || keySuggestions.includes(e.target.value)) set({ groupBy: e.target.value });
          }}
          onKeyDown={(e) => e.key === 'Enter' && applyGroup()}
          onBlur={applyGroup}
          title="“arm”, or a dotted path into the runs’ resolved config (algo.learningRate, reward.shaping); suggestions are the keys that differ"
        />
        <datalist id="group-by-keys">
          <option value="arm" />
          {keySuggestions.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
      </label>
      <ExperimentPicker current={experimentId} metric={s.metric} selected={s.extraIds} onChange={(extraIds) => set({ extraIds })} />
      <label className="field">
        <span>Aggregate</span>
        <select aria-label="Aggregate" value={s.stat} onChange={(e) => set({ stat: e.target.value as StatName })}>
          <option value="iqm">IQM</option>
          <option value="mean">Mean</option>
          <option value="median">Median</option>
        </select>
      </label>
      <label className="field">
        <span>Band</span>
        <select aria-label="Band" value={s.band} onChange={(e) => set({ band: e.target.value as Band })}>
          <option value="ci">95% percentile-bootstrap band</option>
          <option value="none">none</option>
        </select>
      </label>
      <label className="field slider">
        <span>Smoothing</span>
        <input aria-label="Smoothing" type="range" min={0} max={0.99} step={0.01} value={s.smoothing} onChange={(e) => set({ smoothing: Number(e.target.value) })} />
        <output className="mono">{s.smoothing.toFixed(2)}</output>
      </label>
      <label className="check">
        <input type="checkbox" checked={s.showSeeds} onChange={(e) => set({ showSeeds: e.target.checked })} /> Seeds
      </label>
      <label className="field">
        <span>X</span>
        <select aria-label="X axis" value={s.xAxis} onChange={(e) => set({ xAxis: e.target.value as XAxis })}>
          <option value="step">{stepLabel}</option>
          <option value="time">wall time</option>
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={s.logY} onChange={(e) => set({ logY: e.target.checked })} /> Log y
      </label>
      <span className="toolbar-gap" />
      <div className="export-group" role="group" aria-label="Export">
        <span className="label">Export</span>
        <select aria-label="Export size" value={ex.size} onChange={(e) => ex.setSize(e.target.value)} title="Figure size (px)">
          <option value="800x500">800×500</option>
          <option value="1200x750">1200×750</option>
          <option value="1600x1000">1600×1000</option>
        </select>
        <select aria-label="PNG scale" value={ex.scale} onChange={(e) => ex.setScale(Number(e.target.value))} title="PNG pixel density">
          <option value={1}>1×</option>
          <option value={2}>2×</option>
          <option value={3}>3×</option>
        </select>
        <button type="button" onClick={() => ex.image('png')} disabled={!anyData}>
          PNG
        </button>
        <button type="button" onClick={() => ex.image('svg')} disabled={!anyData}>
          SVG
        </button>
        <button type="button" onClick={ex.curveCsv} disabled={!anyData} title="The plotted curves (aggregate and CI per step) as CSV">
          Curve CSV
        </button>
        <button
          type="button"
          onClick={ex.all}
          disabled={!anyData || ex.busy}
          title={desktop ? 'Every metric’s figure (PNG, SVG) and curve CSV, one save dialog per file' : 'Every metric’s figure (PNG, SVG) and curve CSV, as one zip'}
        >
          {ex.busy ? 'Exporting…' : 'All figures'}
        </button>
        <button type="button" onClick={() => ex.experiment('csv')} title="Every logged metric point of the experiment">
          Data CSV
        </button>
        <button type="button" onClick={() => ex.experiment('json')}>
          JSON
        </button>
      </div>
    </div>
  );
}
