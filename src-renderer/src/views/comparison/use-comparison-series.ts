// The comparison's data: the open experiment's series of one metric (fetched, then grown by live points),
// the series of any experiments added to it, and the runs' resolved configs when grouping needs them.
// `version` changes whenever the data did; the series themselves are read through `sources()`.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ExperimentDetail, Series as ApiSeries } from '@creditlab/api';
import { api } from '../../api';
import { varyingKeys } from '../../lib/config-path';
import { onMetrics } from '../../lib/live';
import type { Source } from './grouping';
import { loadSeries, resolvedOf } from './series-cache';

/** Live points redraw at most this often: bootstrapping on every batch would only queue work. */
const LIVE_REDRAW_MS = 1000;

export interface ComparisonSeries {
  loading: boolean;
  version: number;
  /** The open experiment first, then the added ones that have loaded, in the order they were added. */
  sources(): Source[];
  /** The same for another metric (for exporting every metric's figure). */
  sourcesFor(metric: string): Promise<Source[]>;
  resolved: Map<string, unknown>;
  /** Config keys whose values differ between the runs: the grouping suggestions. */
  keySuggestions: string[];
}

export function useComparisonSeries(experiment: ExperimentDetail, metric: string, extraIds: string[], needConfigs: boolean): ComparisonSeries {
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [resolved, setResolved] = useState(() => new Map<string, unknown>());
  const series = useRef(new Map<string, ApiSeries>());
  const extraSources = useRef(new Map<string, Source>());
  const experimentRef = useRef(experiment);
  experimentRef.current = experiment;
  const runIdsRef = useRef<string[]>([]);
  runIdsRef.current = experiment.runs.map((r) => r.id);

  // Full fetch when the metric changes (or only the points since, when cached); live points are appended in between.
  useEffect(() => {
    if (!metric) {
      setLoading(false);
      return;
    }
    let live = true;
    setLoading(true);
    loadSeries(experiment.id, metric, runIdsRef.current).then(
      (map) => {
        if (!live) return;
        series.current = map;
        setLoading(false);
        setVersion((v) => v + 1);
      },
      () => live && setLoading(false),
    );
    return () => {
      live = false;
    };
  }, [experiment.id, metric]);

  // Other experiments' series are fetched per metric; live points then arrive through the listener below.
  const extraKey = extraIds.join(',');
  useEffect(() => {
    if (!metric) return;
    let live = true;
    const dropped = [...extraSources.current.keys()].filter((id) => !extraIds.includes(id));
    for (const id of dropped) extraSources.current.delete(id);
    if (extraIds.length === 0) {
      if (dropped.length) setVersion((v) => v + 1);
      return;
    }
    void Promise.all(
      extraIds.map(async (id) => {
        const exp = await api.getExperiment(id);
        const map = exp.metrics.includes(metric) ? await loadSeries(id, metric, exp.runs.map((r) => r.id)) : new Map<string, ApiSeries>();
        if (live) extraSources.current.set(id, { exp, series: map });
      }),
    )
      .catch(() => undefined)
      .finally(() => live && setVersion((v) => v + 1));
    return () => {
      live = false;
    };
    // extraKey stands for extraIds: a new array with the same ids must not refetch.
  }, [extraKey, metric]);

  // Resolved configs are needed to group by a key and to suggest the keys that differ between runs.
  useEffect(() => {
    if (!needConfigs) return;
    let live = true;
    const ids = [experimentRef.current, ...[...extraSources.current.values()].map((x) => x.exp)].flatMap((e) => e.runs.map((r) => r.id));
    void Promise.all(ids.map(async (id) => [id, await resolvedOf(id).catch(() => undefined)] as const)).then((pairs) => {
      if (!live) return;
      const next = pairs.filter(([, r]) => r !== undefined);
      // Same runs as before: keep the map, or every live tick would regroup (and re-bootstrap) twice.
      setResolved((prev) => (next.length === prev.size && next.every(([id]) => prev.has(id)) ? prev : new Map(next)));
    });
    return () => {
      live = false;
    };
  }, [needConfigs, extraKey, version, experiment.runs.length]);
  const keySuggestions = useMemo(() => varyingKeys([...resolved.values()]), [resolved]);

  const runInfo = useMemo(() => new Map(experiment.runs.map((r) => [r.id, r])), [experiment.runs]);
  useEffect(() => {
    let pending = false;
    const off = onMetrics((run, points, exp) => {
      // Added experiments that are still running grow live too.
      const extra = exp === experiment.id ? null : extraSources.current.get(exp);
      if (exp !== experiment.id && !extra) return;
      // Until the metric switch has refetched it, an added experiment still holds the previous metric's (cached) series.
      const held = extra?.series.values().next().value;
      if (held && held.metric !== metric) return;
      const info = extra ? extra.exp.runs.find((r) => r.id === run) : runInfo.get(run);
      if (!info) return;
      const target = extra ? extra.series : series.current;
      let s = target.get(run);
      const now = Date.now() / 1000;
      let touched = false;
      for (const p of points) {
        if (p.metric !== metric) continue;
        if (!s) {
          s = { run, arm: info.arm, seed: info.seed, metric, steps: [], values: [], times: [] };
          target.set(run, s);
        }
        // A point the incremental fetch already brought in must not be appended twice.
        if (s.steps.length && p.step <= s.steps[s.steps.length - 1]) continue;
        s.steps.push(p.step);
        s.values.push(p.value);
        s.times.push(now);
        touched = true;
      }
      if (!touched || pending) return;
      pending = true;
      setTimeout(() => {
        pending = false;
        setVersion((v) => v + 1);
      }, LIVE_REDRAW_MS);
    });
    return off;
  }, [metric, runInfo, experiment.id]);

  const sources = useCallback(
    (): Source[] => [
      { exp: experimentRef.current, series: series.current },
      ...extraIds.flatMap((id) => {
        const x = extraSources.current.get(id);
        return x ? [x] : [];
      }),
    ],
    // extraKey stands for extraIds: a new array with the same ids is the same set of sources.
    [extraKey],
  );

  const sourcesFor = useCallback(
    async (m: string): Promise<Source[]> => {
      const [main, ...extras] = sources();
      return [
        { exp: main.exp, series: await loadSeries(main.exp.id, m, runIdsRef.current) },
        ...(await Promise.all(extras.map(async (x) => ({ exp: x.exp, series: x.exp.metrics.includes(m) ? await loadSeries(x.exp.id, m, x.exp.runs.map((r) => r.id)) : new Map<string, ApiSeries>() })))),
      ];
    },
    [sources],
  );

  return { loading, version, sources, sourcesFor, resolved, keySuggestions };
}
