// The ui-plot benchmark's page script (bundled with esbuild by bench/ui-plot/run.ts). It mirrors what the
// Comparison view (src-renderer/src/views/Comparison.tsx) does with its default settings — IQM over seeds,
// 95% bootstrap CI band with 500 replicates, EMA smoothing 0.6 plus the unsmoothed aggregate, per-seed
// lines hidden — using the same @creditlab/stats aggregateCurves and the same Plotly bundle, without React.
import { aggregateCurves, type Series } from '@creditlab/stats';

declare const Plotly: { newPlot(el: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<HTMLElement> };

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const withAlpha = (hex: string, a: number) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
};

/** 40 runs (4 arms × 10 seeds) × 10,000 logged points: noisy learning curves, deterministic. */
function makeRuns(arms: number, seeds: number, points: number): { arm: string; series: Series[] }[] {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: arms }, (_, a) => ({
    arm: `arm-${a}`,
    series: Array.from({ length: seeds }, () => {
      const steps: number[] = new Array(points);
      const values: number[] = new Array(points);
      const rate = 2 + a + rand();
      for (let i = 0; i < points; i++) {
        steps[i] = (i + 1) * 50;
        values[i] = 500 * (1 - Math.exp((-rate * i) / points)) + 40 * (rand() - 0.5);
      }
      return { steps, values };
    }),
  }));
}

async function nextPaint(): Promise<void> {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
}

(window as unknown as { runBench: () => Promise<unknown> }).runBench = async () => {
  const data = makeRuns(4, 10, 10_000);
  const el = document.getElementById('plot')!;
  const t0 = performance.now();
  const traces: unknown[] = [];
  data.forEach(({ arm, series }, i) => {
    const color = PALETTE[i % PALETTE.length];
    const curve = aggregateCurves(series, { stat: 'iqm', smooth: { kind: 'ema', weight: 0.6 }, reps: 500, ci: 0.95, seed: 0 });
    const raw = aggregateCurves(series, { stat: 'iqm', reps: 1, seed: 0 });
    traces.push(
      { type: 'scatter', mode: 'lines', x: raw.steps, y: raw.estimate, legendgroup: arm, showlegend: false, hoverinfo: 'skip', line: { color: withAlpha(color, 0.28), width: 1 } },
      { type: 'scatter', mode: 'lines', x: curve.steps, y: curve.high, legendgroup: arm, showlegend: false, hoverinfo: 'skip', line: { width: 0, color } },
      { type: 'scatter', mode: 'lines', x: curve.steps, y: curve.low, legendgroup: arm, showlegend: false, hoverinfo: 'skip', fill: 'tonexty', fillcolor: withAlpha(color, 0.18), line: { width: 0, color } },
      {
        type: 'scatter',
        mode: 'lines',
        x: curve.steps,
        y: curve.estimate,
        name: `${arm} (n=${series.length})`,
        legendgroup: arm,
        line: { color, width: 2.2 },
        customdata: curve.steps.map((_, k) => [curve.low[k], curve.high[k], curve.n[k]]),
        hovertemplate: `${arm}: %{y:.4g} [%{customdata[0]:.4g}, %{customdata[1]:.4g}] · n=%{customdata[2]}<extra></extra>`,
      },
    );
  });
  const t1 = performance.now();
  await Plotly.newPlot(
    el,
    traces,
    {
      margin: { l: 64, r: 16, t: 36, b: 48 },
      hovermode: 'x unified',
      xaxis: { title: { text: 'env steps' }, automargin: true },
      yaxis: { title: { text: 'charts/episodic_return (EMA 0.60)' }, automargin: true },
      legend: { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom' },
      showlegend: true,
    },
    { displaylogo: false, responsive: true },
  );
  // newPlot resolves once the SVG is built; two frames later it has been laid out and painted.
  await nextPaint();
  const t2 = performance.now();
  return { totalMs: t2 - t0, aggregateMs: t1 - t0, plotMs: t2 - t1, traces: traces.length, paths: el.querySelectorAll('path.js-line').length };
};
