// Comparison statistics from the worker, latest job wins: a new job cancels the one in flight, and a
// result that arrives for anything but the current job is never shown.
import { useEffect, useState } from 'react';
import type { StatsRequest, StatsResult } from './comparison-stats';
import { isAbort, StatsClient } from './stats-client';

let shared: StatsClient | null = null;

/** The renderer's one statistics worker (Vite bundles the worker file from this URL pattern). */
export function statsClient(): StatsClient {
  shared ??= new StatsClient(() => new Worker(new URL('./stats.worker.ts', import.meta.url), { type: 'module', name: 'comparison-stats' }));
  return shared;
}

/** A request and whatever the caller needs to draw its result (labels, the settings it was made with). */
export interface StatsJob<M> {
  /** Builds the request; called for each computation, since sending a request gives its points away. */
  makeRequest(): StatsRequest;
  meta: M;
}

export interface ComparisonStats<M> {
  /** The latest finished result and the job it answers; kept while a newer one is computed so the plot does not blank. */
  shown: { result: StatsResult; job: StatsJob<M> } | null;
  pending: boolean;
  error: string | null;
}

export function useComparisonStats<M>(job: StatsJob<M> | null): ComparisonStats<M> {
  const [state, setState] = useState<ComparisonStats<M>>({ shown: null, pending: false, error: null });
  useEffect(() => {
    if (!job) return;
    const ctrl = new AbortController();
    setState((s) => (s.pending ? s : { ...s, pending: true }));
    statsClient()
      .compute(job.makeRequest(), ctrl.signal)
      .then(
        (result) => !ctrl.signal.aborted && setState({ shown: { result, job }, pending: false, error: null }),
        (e: unknown) => !ctrl.signal.aborted && !isAbort(e) && setState((s) => ({ ...s, pending: false, error: e instanceof Error ? e.message : String(e) })),
      );
    return () => ctrl.abort();
  }, [job]);
  return state;
}
