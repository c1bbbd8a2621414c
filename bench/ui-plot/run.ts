// Renders the ui-plot page in headless Chromium and returns its timings (median of `pages` fresh pages).
// The page is served over loopback HTTP, as the web host serves the renderer: a page opened from file://
// may not start a worker.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { findBrowser, launchOptions } from '../../e2e/browser';
import { COMPILE_ALL_FUNCTIONS } from '../../src-renderer/src/lib/compile-hints';

export interface PlotTiming {
  /** The view's path (statistics in the worker) or the reference (the same computed in the drawing task). */
  mode: 'worker' | 'sync';
  /** From taking the series to a painted figure. */
  totalMs: number;
  /** Drawing the empty figure (axes, titles), which the view does at mount while the series load. */
  emptyMs: number;
  /** Grouping the runs and copying their points into the worker's request (this thread). */
  requestMs: number;
  /** Until the worker's result arrived (request included). */
  statsMs: number;
  /** Building the figure, Plotly.react and two frames. */
  plotMs: number;
  /** Longest gap of the page's timer heartbeat during the render: the longest time the thread was blocked. */
  blockingMs: number;
  /** Durations of the browser's long-task entries (>= 50 ms) during the render. */
  longTasks: number[];
  /**
   * The page thread's longest task during the render in the browser's trace: its wall time and the CPU
   * time the thread spent in it. On a busy machine the wall time grows with the load; the CPU time much less.
   */
  longestTask: { wallMs: number; cpuMs: number };
  /** The worker's result equals the same request computed on the page's thread. */
  identical: boolean;
  /** JSON.parse of the getSeries payload of these runs on the page's thread (not part of the render). */
  parseMs: number;
  /** Each Plotly.react call of the render, in order (its synchronous part). */
  reactMs: number[];
  traces: number;
  paths: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
}

/**
 * Records the page's trace (top-level tasks and user-timing marks only, which costs little) until
 * longest() is called, which returns the longest task of the page's thread between the page's
 * `ui-plot:start` and `ui-plot:end` marks.
 */
async function traceTasks(ctx: BrowserContext, page: Page): Promise<{ longest(): Promise<{ wallMs: number; cpuMs: number }> }> {
  const cdp = await ctx.newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => void events.push(...(e.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['toplevel', 'blink.user_timing'] }, transferMode: 'ReportEvents' });
  return {
    async longest() {
      const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await complete;
      await cdp.detach();
      const start = events.find((e) => e.name === 'ui-plot:start');
      const end = events.find((e) => e.name === 'ui-plot:end');
      if (!start || !end) throw new Error('the trace has no ui-plot:start/end marks');
      const tasks = events.filter((e) => e.tid === start.tid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.ts + (e.dur ?? 0) > start.ts && e.ts < end.ts);
      const worst = (key: 'dur' | 'tdur') => Math.max(0, ...tasks.map((t) => t[key] ?? 0)) / 1000;
      return { wallMs: worst('dur'), cpuMs: worst('tdur') };
    },
  };
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

const median = (xs: PlotTiming[]) => [...xs].sort((a, b) => a.blockingMs - b.blockingMs)[Math.floor(xs.length / 2)];

/** `pages` fresh pages of each mode, alternating, so a load spike hits both; medians by blocking time. */
export async function measureUiPlot(pages = 3): Promise<{ worker: PlotTiming; sync: PlotTiming; all: PlotTiming[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-uiplot-'));
  const profile = mkdtempSync(join(tmpdir(), 'creditlab-uiplot-profile-'));
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'index.html';
    if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': MIME[extname(name)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  try {
    const common = { bundle: true, format: 'iife', target: 'es2022', minify: true, logLevel: 'silent' } as const;
    // Plotly stays a script of its own, as it is a chunk of its own in the renderer's build: the page's
    // import of it resolves to the global that script defines.
    const plotlyGlobal = {
      name: 'plotly-global',
      setup(b: import('esbuild').PluginBuild) {
        b.onResolve({ filter: /^plotly\.js-cartesian-dist-min$/ }, () => ({ path: 'plotly', namespace: 'plotly-global' }));
        b.onLoad({ filter: /.*/, namespace: 'plotly-global' }, () => ({ contents: 'module.exports = window.Plotly;', loader: 'js' }));
      },
    };
    await build({ ...common, entryPoints: [new URL('./page.ts', import.meta.url).pathname], outfile: join(dir, 'page.js'), plugins: [plotlyGlobal] });
    // The renderer's statistics worker, from its own source file.
    await build({ ...common, entryPoints: [new URL('../../src-renderer/src/views/comparison/stats.worker.ts', import.meta.url).pathname], outfile: join(dir, 'stats-worker.js') });
    // The exact bundle the renderer imports (src-renderer/src/lib/plotly.ts), with the compile hint its
    // chunk starts with in the renderer's build.
    const plotly = readFileSync(createRequire(import.meta.url).resolve('plotly.js-cartesian-dist-min'), 'utf8');
    writeFileSync(join(dir, 'plotly.js'), `${COMPILE_ALL_FUNCTIONS}\n${plotly}`);
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0"><div id="plot" style="width:1200px;height:700px"></div><script src="plotly.js"></script><script src="page.js"></script></body></html>',
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`;
    const found = await findBrowser();
    if (!('browser' in found)) throw new Error(found.missing);
    const ctx = await chromium.launchPersistentContext(profile, { ...launchOptions(found.browser), viewport: { width: 1280, height: 800 } });
    try {
      const all: PlotTiming[] = [];
      for (let i = 0; i < pages; i++) {
        for (const mode of ['worker', 'sync'] as const) {
          const page = await ctx.newPage();
          await page.goto(url);
          // The view opens on a page that has been up for a while. In the second after a navigation Chromium
          // tears down the document navigated from (about:blank) in a delayed task on this same thread, which
          // held it for up to 0.9 s of wall time (2 ms of CPU) inside the measurement when the render started
          // at once; this lets that task run first.
          await page.waitForTimeout(2000);
          const trace = await traceTasks(ctx, page);
          const timing = (await page.evaluate(`window.runBench('${mode}')`)) as Omit<PlotTiming, 'longestTask'>;
          all.push({ ...timing, longestTask: await trace.longest() });
          await page.close();
        }
      }
      return { worker: median(all.filter((a) => a.mode === 'worker')), sync: median(all.filter((a) => a.mode === 'sync')), all };
    } finally {
      await ctx.close();
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await measureUiPlot()));
