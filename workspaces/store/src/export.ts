// Long-format exports: one row per logged point. The CSV header is fixed; tools downstream rely on it.
import { csvRow } from '@creditlab/common';
import type { RunStore } from './store';

export const CSV_HEADER = 'experiment,arm,seed,run,step,metric,value';

export function* exportCsvLines(store: RunStore, experimentId: string): Generator<string> {
  yield CSV_HEADER;
  for (const r of store.exportRows(experimentId)) {
    yield csvRow([r.experiment, r.arm, r.seed, r.run, r.step, r.metric, r.value]);
  }
}

export function exportJson(store: RunStore, experimentId: string): string {
  const rows = [...store.exportRows(experimentId)].map((r) => ({ ...r, value: Number.isFinite(r.value) ? r.value : null }));
  return JSON.stringify({ experiment: experimentId, spec: store.getSpec(experimentId), runs: store.listRuns(experimentId), rows });
}
