// Renders the ui-plot page in headless Chromium and returns its timings (median of `pages` fresh pages).
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { findBrowser, launchOptions } from '../../e2e/browser';


export interface PlotTiming {
  totalMs: number;
  aggregateMs: number;
  plotMs: number;
  traces: number;
  paths: number;
}

export async function measureUiPlot(pages = 3): Promise<{ median: PlotTiming; all: PlotTiming[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-uiplot-'));
  const profile = mkdtempSync(join(tmpdir(), 'creditlab-uiplot-profile-'));
  try {
    await build({
      entryPoints: [new URL('./page.ts', import.meta.url).pathname],
      bundle: true,
      format: 'iife',
      target: 'es2022',
      minify: true,
      outfile: join(dir, 'page.js'),
      logLevel: 'silent',
    });
    // The exact bundle the renderer imports (src-renderer/src/lib/plotly.ts).
    copyFileSync(createRequire(import.meta.url).resolve('plotly.js-cartesian-dist-min'), join(dir, 'plotly.js'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0"><div id="plot" style="width:1200px;height:700px"></div><script src="plotly.js"></script><script src="page.js"></script></body></html>',
    );
    const found = await findBrowser();
    if (!('browser' in found)) throw new Error(found.missing);
    const ctx = await chromium.launchPersistentContext(profile, { ...launchOptions(found.browser), viewport: { width: 1280, height: 800 } });
    try {
      const all: PlotTiming[] = [];
      for (let i = 0; i < pages; i++) {
        const page = await ctx.newPage();
        await page.goto(`file://${join(dir, 'index.html')}`);
        all.push((await page.evaluate('window.runBench()')) as PlotTiming);
        await page.close();
      }
      const sorted = [...all].sort((a, b) => a.totalMs - b.totalMs);
      return { median: sorted[Math.floor(sorted.length / 2)], all };
    } finally {
      await ctx.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await measureUiPlot()));
