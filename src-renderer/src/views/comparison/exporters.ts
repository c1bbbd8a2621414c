// The comparison's exports: the figure as PNG or SVG, the plotted curves as CSV, every metric's figure
// and curves at once (a zip in the browser, one folder dialog in Electron), and the experiment's raw data.
import { safeFileName } from '@creditlab/common';
import { desktop, saveDataUrl, saveExperimentData, saveText, type SaveOutcome } from '../../lib/desktop';
import { dataUrlBytes, downloadBlob } from '../../lib/download';
import { Plotly, type Figure } from '../../lib/plotly';
import { makeZip } from '../../lib/zip';

export interface ImageSize {
  width: number;
  height: number;
  /** PNG pixel density. */
  scale: number;
}

/** "<experiment>-<metric>", safe as a file name. */
export function figureBaseName(experimentName: string, metric: string): string {
  return `${safeFileName(experimentName, 'experiment')}-${safeFileName(metric, 'metric')}`;
}

export function figureImage(figure: Figure, format: 'png' | 'svg', size: ImageSize): Promise<string> {
  return Plotly.toImage(figure, { format, width: size.width, height: size.height, scale: format === 'png' ? size.scale : 1 });
}

export async function saveFigureImage(figure: Figure, format: 'png' | 'svg', size: ImageSize, baseName: string): Promise<SaveOutcome> {
  return saveDataUrl(await figureImage(figure, format, size), `${baseName}.${format}`);
}

export function saveCurveCsv(csv: string, baseName: string): Promise<SaveOutcome> {
  return saveText(csv, `${baseName}-curve.csv`, 'text/csv');
}

export function saveExperiment(experimentId: string, format: 'csv' | 'json'): Promise<SaveOutcome> {
  return saveExperimentData(experimentId, format);
}

type ExportFile = { name: string; dataUrl: string } | { name: string; text: string };

/**
 * Every metric's figure (PNG and SVG, publication style) and the curve data behind it. `render` gives a
 * metric's figure and curve CSV, or null when it has nothing to plot. Returns the status line to show.
 */
export async function exportAllFigures(o: {
  experimentName: string;
  metrics: readonly string[];
  size: ImageSize;
  progress(status: string): void;
  render(metric: string): Promise<{ figure: Figure; csv: string } | null>;
}): Promise<string> {
  const files: ExportFile[] = [];
  for (const [i, m] of o.metrics.entries()) {
    o.progress(`rendering ${i + 1}/${o.metrics.length}: ${m}`);
    const out = await o.render(m);
    if (!out) continue;
    const base = figureBaseName(o.experimentName, m);
    files.push({ name: `${base}.png`, dataUrl: await figureImage(out.figure, 'png', o.size) });
    files.push({ name: `${base}.svg`, dataUrl: await figureImage(out.figure, 'svg', o.size) });
    files.push({ name: `${base}.csv`, text: out.csv });
  }
  if (files.length === 0) return 'nothing to export yet';
  if (desktop) {
    const saved = await desktop.saveFiles({
      title: `Export ${files.length} files of ${o.experimentName}`,
      files: files.map((f) => {
        if (!('dataUrl' in f)) return { name: f.name, content: f.text, encoding: 'utf8' as const };
        const [head, body] = f.dataUrl.split(',', 2);
        return head.includes(';base64') ? { name: f.name, content: body, encoding: 'base64' as const } : { name: f.name, content: decodeURIComponent(body), encoding: 'utf8' as const };
      }),
    });
    return saved ? `saved ${saved.paths.length} files to ${saved.folder}` : 'export cancelled';
  }
  const enc = new TextEncoder();
  const zip = makeZip(files.map((f) => ({ name: f.name, data: 'dataUrl' in f ? dataUrlBytes(f.dataUrl) : enc.encode(f.text) })));
  const name = `${safeFileName(o.experimentName, 'experiment')}-figures.zip`;
  downloadBlob(zip, name);
  return `downloaded ${name} (${files.length} files: PNG, SVG and CSV of ${files.length / 3} metrics)`;
}
