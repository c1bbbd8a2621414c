// What the comparison fetched, kept across metric switches and remounts, within bounds: series per
// experiment and metric (least recently used first out, by count and by total points) and each run's
// resolved config (by count).
import type { Series as ApiSeries } from '@creditlab/api';
import { api } from '../../api';
import { LruMap } from '../../lib/lru';

/** Experiment × metric entries kept, and the points they may hold together (about 24 bytes a point). */
export const SERIES_CACHE_ENTRIES = 32;
export const SERIES_CACHE_POINTS = 4_000_000;
export const RESOLVED_CACHE_RUNS = 5000;

const pointsOf = (m: Map<string, ApiSeries>) => {
  let n = 0;
  for (const s of m.values()) n += s.steps.length;
  return n;
};

// Switching back to a metric, or reopening the comparison while runs are live, fetches only the points
// logged since (getSeries sinceStep).
const seriesCache = new LruMap<string, Map<string, ApiSeries>>(SERIES_CACHE_ENTRIES, pointsOf, SERIES_CACHE_POINTS);
const cacheKey = (exp: string, metric: string) => `${exp}\u0000${metric}`;

const copy = (s: ApiSeries): ApiSeries => ({ ...s, steps: [...s.steps], values: [...s.values], times: [...(s.times ?? [])] });

/** A metric's series per run; the returned map is the cache entry, and live points are appended to it in place. */
export async function loadSeries(exp: string, metric: string, runIds: readonly string[]): Promise<Map<string, ApiSeries>> {
  const key = cacheKey(exp, metric);
  const cached = seriesCache.get(key);
  // A run with nothing cached may have logged anything since; then only a full fetch is safe.
  const since = cached && runIds.every((r) => cached.has(r)) ? Math.min(...runIds.map((r) => cached.get(r)!.steps.at(-1) ?? -1)) : undefined;
  if (cached && since !== undefined && since >= 0) {
    const fresh = await api.getSeries(exp, metric, since);
    for (const f of fresh) {
      const c = cached.get(f.run);
      if (!c) {
        cached.set(f.run, copy(f));
        continue;
      }
      const last = c.steps.at(-1) ?? -Infinity;
      for (let i = 0; i < f.steps.length; i++) {
        if (f.steps[i] <= last) continue;
        c.steps.push(f.steps[i]);
        c.values.push(f.values[i]);
        c.times.push(f.times?.[i] ?? Date.now() / 1000);
      }
    }
    seriesCache.evict(key);
    return cached;
  }
  const list = await api.getSeries(exp, metric);
  const map = new Map(list.map((s) => [s.run, copy(s)]));
  seriesCache.set(key, map);
  return map;
}

// Resolved configs do not change once a run exists, so one fetch per run serves every grouping.
const resolvedCache = new LruMap<string, Promise<unknown>>(RESOLVED_CACHE_RUNS);

export function resolvedOf(runId: string): Promise<unknown> {
  let p = resolvedCache.get(runId);
  if (!p) {
    const fetched = api.getRun(runId).then((r) => r.resolved);
    fetched.catch(() => resolvedCache.get(runId) === fetched && resolvedCache.delete(runId));
    resolvedCache.set(runId, fetched);
    p = fetched;
  }
  return p;
}
