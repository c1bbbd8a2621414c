// Runs the reward-hacking rule over an experiment's runs, refreshed as runs end (and slowly while live).
import { useEffect, useMemo, useState } from 'react';
import type { RunSummary, Series } from '@creditlab/api';
import { api } from '../api';
import { detectHacking, hackingPair, type HackingVerdict } from '@creditlab/stats';

const LIVE_REFRESH_MS = 10_000;

export interface HackingState {
  pair: { proxy: string; truth: string } | null;
  byRun: ReadonlyMap<string, HackingVerdict>;
}

export function useHacking(experimentId: string, metrics: readonly string[], runs: readonly RunSummary[]): HackingState {
  const pair = useMemo(() => hackingPair(metrics), [metrics]);
  const ended = runs.filter((r) => r.status !== 'running' && r.status !== 'queued').length;
  const live = runs.some((r) => r.status === 'running');
  const [byRun, setByRun] = useState<ReadonlyMap<string, HackingVerdict>>(new Map());
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setTick((n) => n + 1), LIVE_REFRESH_MS);
    return () => clearInterval(t);
  }, [live]);

  useEffect(() => {
    if (!pair) {
      setByRun(new Map());
      return;
    }
    let alive = true;
    Promise.all([api.getSeries(experimentId, pair.proxy), api.getSeries(experimentId, pair.truth)]).then(
      ([proxy, truth]) => {
        if (!alive) return;
        const t = new Map<string, Series>(truth.map((s) => [s.run, s]));
        const out = new Map<string, HackingVerdict>();
        for (const p of proxy) {
          const tr = t.get(p.run);
          const v = tr ? detectHacking(p, tr, pair) : null;
          if (v) out.set(p.run, v);
        }
        setByRun(out);
      },
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [experimentId, pair, ended, tick]);

  return { pair, byRun };
}
