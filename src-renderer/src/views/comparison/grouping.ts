// Which runs form which curve: groups are the arms (in the spec's order, so they keep their colours), or
// the values of one key of the runs' resolved configs (sorted by value). Runs from other experiments
// are labelled "experiment/arm". The output is the statistics worker's request.
import type { ExperimentDetail, Series as ApiSeries } from '@creditlab/api';
import { armColor } from '../../lib/colors';
import { configValue, formatConfigValue } from '../../lib/config-path';
import { computeLabel } from '../../lib/format';
import type { CurveSettings, GroupInput, StatsRequest } from './comparison-stats';

/** One experiment's runs on the plot: the open one (live) or one added from elsewhere. */
export interface Source {
  exp: ExperimentDetail;
  series: Map<string, ApiSeries>;
}

export interface Grouping {
  /** "arm", or a dotted path into each run's resolved config. */
  by: string;
  /** Runs come from several experiments: arms are labelled "experiment/arm". */
  multi: boolean;
  resolved: Map<string, unknown>;
}

function groupValue(s: ApiSeries, exp: ExperimentDetail, g: Grouping): { label: string; value: unknown } {
  if (g.by === 'arm') return { label: g.multi ? `${exp.name}/${s.arm}` : s.arm, value: null };
  if (!g.resolved.has(s.run)) return { label: '(config loading)', value: null };
  const value = configValue(g.resolved.get(s.run), g.by);
  return { label: `${g.by}=${formatConfigValue(value)}`, value };
}

/** The groups with their runs' points, copied into typed arrays (times only for the wall-time axis). */
export function groupRuns(sources: readonly Source[], g: Grouping, xAxis: CurveSettings['xAxis']): GroupInput[] {
  const order: string[] = [];
  const valueOf = new Map<string, unknown>();
  const members = new Map<string, GroupInput['runs']>();
  const computeOf = new Map<string, string | null>();
  for (const src of sources) {
    if (g.by === 'arm') for (const a of src.exp.arms) order.push(g.multi ? `${src.exp.name}/${a}` : a);
    const started = new Map(src.exp.runs.map((r) => [r.id, r.startedAt]));
    for (const r of src.exp.runs) computeOf.set(r.id, r.compute);
    for (const s of src.series.values()) {
      if (s.steps.length === 0) continue;
      const { label, value } = groupValue(s, src.exp, g);
      if (!members.has(label)) members.set(label, []);
      if (!order.includes(label)) order.push(label);
      valueOf.set(label, value);
      const at = started.get(s.run);
      members.get(label)!.push({
        run: s.run,
        seed: s.seed,
        startedAt: at ? Date.parse(at) / 1000 : null,
        steps: Float64Array.from(s.steps),
        values: Float64Array.from(s.values),
        times: xAxis === 'time' ? Float64Array.from(s.times) : null,
      });
    }
  }
  if (g.by !== 'arm') {
    const numeric = order.every((l) => typeof valueOf.get(l) === 'number');
    order.sort((a, b) => (numeric ? (valueOf.get(a) as number) - (valueOf.get(b) as number) : a.localeCompare(b)));
  }
  return order.map((label) => {
    const runs = members.get(label) ?? [];
    const compute = computeLabel(runs.map((r) => ({ compute: computeOf.get(r.run) })));
    return { label, color: armColor(order, label), runs, ...(compute ? { compute } : {}) };
  });
}

export interface RequestOptions {
  curve: CurveSettings;
  seedLines: boolean;
  /** Null: no score tables (the compact live plot). */
  scores: { paired: boolean; vs: string | null } | null;
}

export function statsRequest(sources: readonly Source[], g: Grouping, o: RequestOptions): StatsRequest {
  return { groups: groupRuns(sources, g, o.curve.xAxis), curve: o.curve, seedLines: o.seedLines, scores: o.scores };
}
