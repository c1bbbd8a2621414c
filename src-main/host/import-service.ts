// Importing runs trained elsewhere, shared by `creditlab import` and the API (previewImport/importRuns):
// read the source into a plan, show it, then hand it to the store, which writes only what is new.
import { basename } from 'node:path';
import { planCsv, planTensorboard, previewOf, type ImportPlan } from '@creditlab/importers';
import type { RunStore } from '@creditlab/store';
import type { ImportPreview, ImportRequest, ImportResult } from '@creditlab/api';

export function planImport(req: ImportRequest): Promise<ImportPlan> {
  return req.kind === 'tensorboard' ? planTensorboard(req.path, { group: req.group }) : planCsv(req.path, { group: req.group });
}

export function previewImport(plan: ImportPlan): ImportPreview {
  return previewOf(plan);
}

export function writeImport(store: RunStore, plan: ImportPlan, name?: string): ImportResult {
  const outcome = store.importRuns({ source: plan.source, name: name ?? (basename(plan.source.path).replace(/\.csv$/i, '') || 'imported'), runs: plan.runs });
  return { ...outcome, problems: plan.problems };
}
