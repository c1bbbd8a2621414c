// Importing runs trained elsewhere, shared by `creditlab import` and the API (previewImport/importRuns):
// read the source into a plan, show it, then hand it to the store, which writes only what is new.
import { basename } from 'node:path';
import { planCsv, planTensorboard, previewOf, type ImportPlan, type ImportSource } from '@creditlab/importers';
import type { RunStore } from '@creditlab/store';
import type { ImportPreview, ImportRequest, ImportResult } from '@creditlab/api';

export function planImport(req: ImportRequest): Promise<ImportPlan> {
  return req.kind === 'tensorboard' ? planTensorboard(req.path, { group: req.group }) : planCsv(req.path, { group: req.group });
}

export function previewImport(plan: ImportPlan): ImportPreview {
  return previewOf(plan);
}

const importName = (source: ImportSource, name?: string) => name ?? (basename(source.path).replace(/\.csv$/i, '') || 'imported');

export function writeImport(store: RunStore, plan: ImportPlan, name?: string): ImportResult {
  const outcome = store.importRuns({ source: plan.source, name: importName(plan.source, name), runs: plan.runs });
  return { ...outcome, problems: plan.problems };
}

/**
 * Reads the source and writes its runs as it goes: a TensorBoard run is written as soon as its arm and
 * seed are final, while later folders are still being decoded (planTensorboard). `store` is called at
 * the first run, so a source without one writes nothing (`result` null). The plan is the same as
 * planImport's.
 */
export async function runImport(req: ImportRequest, store: () => RunStore): Promise<{ plan: ImportPlan; result: ImportResult | null }> {
  let writer: ReturnType<RunStore['beginImport']> | null = null;
  const add = (run: ImportPlan['runs'][number], source: ImportSource) => (writer ??= store().beginImport(source, importName(source, req.name))).add(run);
  try {
    const plan = req.kind === 'tensorboard' ? await planTensorboard(req.path, { group: req.group }, add) : await planCsv(req.path, { group: req.group });
    if (req.kind !== 'tensorboard') for (const run of plan.runs) add(run, plan.source);
    const w = writer as ReturnType<RunStore['beginImport']> | null;
    return { plan, result: w ? { ...w.finish(), problems: plan.problems } : null };
  } finally {
    (writer as ReturnType<RunStore['beginImport']> | null)?.end();
  }
}
