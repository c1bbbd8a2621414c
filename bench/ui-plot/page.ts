// The ui-plot benchmark's page script (bundled with esbuild by bench/ui-plot/run.ts). It runs the
// Comparison view's own modules with the view's defaults (IQM over seeds, 95% bootstrap band of 500
// replicates, EMA smoothing 0.6 plus the unsmoothed aggregate, per-seed lines hidden): the runs are
// grouped and copied into the request on this thread, the statistics worker (its own bundle) computes,
// and the figure is built and drawn by the view's drawer (`draw-figure.ts`), all without React.
//
// While it renders, the page watches its own main thread two ways: a timer heartbeat (the longest gap
// between its ticks bounds the longest task, whatever its length) and the browser's long-task entries
// (tasks of 50 ms and more, as a cross-check); run.ts adds the longest task's thread CPU time from the
// browser's trace, between the two marks the page sets.
import type { ExperimentDetail, Series as ApiSeries } from '@creditlab/api';
import { computeComparisonStats, type StatsResult } from '../../src-renderer/src/views/comparison/comparison-stats';
import { figureDrawer } from '../../src-renderer/src/views/comparison/draw-figure';
import { buildFigure, type FigureInput } from '../../src-renderer/src/views/comparison/figure';
import { statsRequest, type Source } from '../../src-renderer/src/views/comparison/grouping';
import { StatsClient, type StatsWorkerLike } from '../../src-renderer/src/views/comparison/stats-client';

const ARMS = 4;
const SEEDS = 10;
const POINTS = 10_000;

/** One experiment of 4 arms × 10 seeds × 10,000 logged points: noisy learning curves, deterministic. */
function makeSource(): Source {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const arms = Array.from({ length: ARMS }, (_, a) => `arm-${a}`);
  const series = new Map<string, ApiSeries>();
  const runs: { id: string; arm: string; seed: number; startedAt: string }[] = [];
  arms.forEach((arm, a) => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const steps: number[] = new Array(POINTS);
      const values: number[] = new Array(POINTS);
      const times: number[] = new Array(POINTS);
      const rate = 2 + a + rand();
      for (let i = 0; i < POINTS; i++) {
        steps[i] = (i + 1) * 50;
        values[i] = 500 * (1 - Math.exp((-rate * i) / POINTS)) + 40 * (rand() - 0.5);
        times[i] = 1_700_000_000 + Math.floor(i / 100);
      }
      const id = `${arm}-s${seed}`;
      runs.push({ id, arm, seed, startedAt: new Date(1_700_000_000_000).toISOString() });
      series.set(id, { run: id, arm, seed, metric: 'charts/episodic_return', steps, values, times });
    }
  });
  // Only the fields the grouping reads; the rest of an experiment's detail does not enter the computation.
  const exp = { id: 'bench', name: 'bench', arms, runs } as unknown as ExperimentDetail;
  return { exp, series };
}

/** Longest gap between ticks of a 0 ms timer loop (Chromium clamps nested timers to about 4 ms). */
function heartbeat(): { stop(): number } {
  let last = performance.now();
  let worst = 0;
  let on = true;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    if (on) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return {
    stop() {
      on = false;
      return Math.max(worst, performance.now() - last);
    },
  };
}

const CURVE = { stat: 'iqm', band: 'ci', smoothing: 0.6, xAxis: 'step' } as const;

/** The view's on-screen figure with its defaults. */
function figureInput(curves: StatsResult['curves']): FigureInput {
  return {
    curves,
    metric: 'charts/episodic_return',
    ...CURVE,
    showSeeds: false,
    logY: false,
    stepLabel: 'env steps',
    title: 'bench',
    uirevision: 'bench',
    alarms: [],
    pub: false,
  };
}

/** Durations of each Plotly.react call the drawer makes (the page's import of Plotly is this global). */
const reactCalls: number[] = [];
{
  const plotly = (window as unknown as { Plotly: { react: (...a: unknown[]) => Promise<unknown> } }).Plotly;
  const react = plotly.react.bind(plotly);
  plotly.react = (...a: unknown[]) => {
    const t = performance.now();
    const done = react(...a);
    reactCalls.push(performance.now() - t);
    return done;
  };
}

const nextPaint = () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));

/** Results compared as JSON: NaN (uncovered grid points) reads as null on both sides. */
const same = (a: StatsResult, b: StatsResult) => JSON.stringify(a) === JSON.stringify(b);

/**
 * `worker`: what the view does. `sync`: the same request computed on the page's thread in the task that
 * then draws, as the view did before the worker: the reference the blocking is compared with.
 */
(window as unknown as { runBench: (mode: 'worker' | 'sync') => Promise<unknown> }).runBench = async (mode) => {
  const source = makeSource();
  const el = document.getElementById('plot')!;
  const drawer = figureDrawer(el);
  const client = new StatsClient(() => new Worker('stats-worker.js', { name: 'comparison-stats' }) as unknown as StatsWorkerLike);
  const curve = CURVE;
  // The worker is started (and its script loaded) as the view does it: on its first job, inside the timing.
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => void entries.push(...list.getEntries()));
  observer.observe({ type: 'longtask' });
  await nextPaint();
  reactCalls.length = 0;
  const beat = heartbeat();
  const t0 = performance.now();
  // Where the render starts and ends in the browser's trace (run.ts reads its tasks from it).
  performance.mark('ui-plot:start');
  // The view draws its empty figure (axes, titles) when it mounts, while the series load.
  const empty = buildFigure(figureInput([]));
  await drawer.draw(empty, false);
  const tEmpty = performance.now();
  // The series arrive in a task of their own (the response to the view's fetch), not in the task that
  // drew the empty figure's last piece.
  await new Promise((r) => setTimeout(r, 0));
  const tArrived = performance.now();
  const makeRequest = () => statsRequest([source], { by: 'arm', multi: false, resolved: new Map() }, { curve, seedLines: false, scores: { paired: true, vs: null } });
  const request = makeRequest();
  const tPosted = performance.now();
  const result = mode === 'worker' ? await client.compute(request) : computeComparisonStats(request);
  const t1 = performance.now();
  const fig = buildFigure(figureInput(result.curves));
  await drawer.draw(fig, false);
  // The drawer resolves once the SVG is built; two frames later it has been laid out and painted.
  await nextPaint();
  const t2 = performance.now();
  performance.mark('ui-plot:end');
  const blockingMs = beat.stop();
  // Let the observer deliver the last entries before reading them.
  await nextPaint();
  observer.disconnect();
  const longTasks = entries.filter((e) => e.startTime >= t0 && e.startTime < t2).map((e) => e.duration);
  client.dispose();
  // Not timed: the same request computed on this thread must give the worker's numbers exactly.
  // (A request sent to the worker gave its points away: the check builds its own.)
  const identical = mode === 'sync' || same(computeComparisonStats(makeRequest()), result);
  // Not timed either: what parsing the API's JSON for these series costs this thread (the view's
  // fetch does it before any of the above).
  const payload = JSON.stringify([...source.series.values()]);
  const p0 = performance.now();
  JSON.parse(payload);
  const parseMs = performance.now() - p0;
  return {
    mode,
    totalMs: t2 - t0,
    emptyMs: tEmpty - t0,
    requestMs: tPosted - tArrived,
    statsMs: t1 - t0,
    plotMs: t2 - t1,
    blockingMs,
    longTasks,
    identical,
    parseMs,
    reactMs: [...reactCalls],
    traces: fig.data.length,
    paths: el.querySelectorAll('path.js-line').length,
  };
};
