// One client-side mirror of the host's experiments and runs, kept current by api.subscribe events.
// Views read it through useLive(); metric points are forwarded to whoever plots them.
import { useSyncExternalStore } from 'react';
import type { ApiEvent, ExperimentSummary, RunSummary, SampleRecord } from '@creditlab/api';
import { api } from '../api';

export interface LiveState {
  experiments: ExperimentSummary[];
  /** Runs by experiment id, in index order; filled once an experiment was opened or an event named it. */
  runs: Record<string, RunSummary[]>;
  loaded: boolean;
  error: string | null;
}

type MetricPoints = Extract<ApiEvent, { type: 'metrics' }>['points'];
type MetricListener = (run: string, points: MetricPoints, experiment: string) => void;

let state: LiveState = { experiments: [], runs: {}, loaded: false, error: null };
const listeners = new Set<() => void>();
const metricListeners = new Set<MetricListener>();
const sampleListeners = new Set<(sample: SampleRecord) => void>();
let scheduled = false;

function commit(next: LiveState): void {
  state = next;
  // Events arrive in bursts of dozens; re-render once per frame at most.
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    for (const l of listeners) l();
  });
}

function upsertExperiment(e: ExperimentSummary): void {
  const list = state.experiments.filter((x) => x.id !== e.id);
  list.push(e);
  list.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  commit({ ...state, experiments: list });
}

function upsertRun(r: RunSummary): void {
  const list = state.runs[r.experimentId] ? [...state.runs[r.experimentId]] : [];
  const i = list.findIndex((x) => x.id === r.id);
  if (i >= 0) list[i] = r;
  else {
    list.push(r);
    list.sort((a, b) => a.index - b.index);
  }
  commit({ ...state, runs: { ...state.runs, [r.experimentId]: list } });
}

function onEvent(e: ApiEvent): void {
  if (e.type === 'experiment') upsertExperiment(e.experiment);
  else if (e.type === 'run') upsertRun(e.run);
  else if (e.type === 'metrics') for (const l of metricListeners) l(e.run, e.points, e.experiment);
  else if (e.type === 'sample') for (const l of sampleListeners) l(e.sample);
}

let started = false;
export function startLive(): void {
  if (started) return;
  started = true;
  api.subscribe(onEvent);
  void refreshExperiments();
}

export async function refreshExperiments(): Promise<void> {
  try {
    const list = await api.listExperiments();
    list.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    commit({ ...state, experiments: list, loaded: true, error: null });
  } catch (e) {
    commit({ ...state, loaded: true, error: (e as Error).message });
  }
}

/** Fetches an experiment's runs (the event stream only carries changes). */
export async function loadRuns(experimentId: string): Promise<void> {
  const detail = await api.getExperiment(experimentId);
  const { spec: _spec, runs, metrics: _metrics, ...summary } = detail;
  upsertExperiment(summary);
  commit({ ...state, runs: { ...state.runs, [experimentId]: [...runs].sort((a, b) => a.index - b.index) } });
}

/** Metric batches; `experiment` lets a view drop other experiments' points without a run lookup. */
export function onMetrics(l: MetricListener): () => void {
  metricListeners.add(l);
  return () => metricListeners.delete(l);
}

export function onSample(l: (sample: SampleRecord) => void): () => void {
  sampleListeners.add(l);
  return () => sampleListeners.delete(l);
}

/** Applies a local edit (tags, notes) at once; the host's own run event, if any, overwrites it later. */
export function patchRun(experimentId: string, runId: string, patch: Partial<RunSummary>): void {
  const list = state.runs[experimentId];
  if (!list) return;
  commit({ ...state, runs: { ...state.runs, [experimentId]: list.map((r) => (r.id === runId ? { ...r, ...patch } : r)) } });
}

export function useLive(): LiveState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}
