// `creditlab export EXPERIMENT --format csv|json --out FILE`: long format, one row per logged point.
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { RunStore, exportCsvLines, exportJson } from '@creditlab/store';
import { csvRow } from '@creditlab/common';
import { aggregateCurves, bandPointZeroWidthNote, DEFAULT_CI, DEFAULT_REPS, isStatName, parseSmoothing, percentileIntervalLabel, STAT_NAMES, zeroWidthSpanAt, type StatName } from '@creditlab/stats';
import { UsageError, parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { resolveRef } from './common';

export async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    workspace: 'string',
    format: 'string',
    out: 'string',
    aggregate: 'boolean',
    metric: 'string',
    stat: 'string',
    smooth: 'string',
    ci: 'number',
    reps: 'number',
    seed: 'number',
    points: 'number',
    grid: 'string',
    threshold: 'number',
  });
  if (positional.length !== 1 || !flags.out) {
    throw new UsageError('usage: creditlab export EXPERIMENT --format csv|json --out FILE [--aggregate --metric M [--stat iqm] [--smooth ema:0.6] [--ci 0.95] [--reps 2000] [--seed S] [--points 200] [--grid union|uniform]]');
  }
  if (!flags.aggregate && flags.metric) throw new UsageError('--metric goes with --aggregate (the plain export has every metric)');
  const format = (flags.format as string | undefined) ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format: expected csv or json, got ${JSON.stringify(format)}`);
  const store = RunStore.open(flags.workspace as string | undefined);
  try {
    const ref = resolveRef(store, positional[0], io);
    if (!ref) return EXIT.usage;
    if (ref.kind !== 'experiment') throw new UsageError(`${positional[0]} is a run; export takes an experiment id`);
    const out = String(flags.out);
    if (flags.aggregate) return exportAggregate(store, ref.id, out, format, flags, io);
    if (format === 'json') writeFileSync(out, exportJson(store, ref.id));
    else {
      const ws = createWriteStream(out);
      let rows = -1;
      for (const line of exportCsvLines(store, ref.id)) {
        rows++;
        if (!ws.write(line + '\n')) await once(ws, 'drain');
      }
      ws.end();
      await once(ws, 'finish');
      io.out(`wrote ${rows} row(s) to ${out}`);
    }
    return EXIT.ok;
  } finally {
    store.close();
  }
}

/**
 * Aggregated curves per arm (the UI's comparison plot, as data): step, arm, estimate, ci_low, ci_high, n,
 * how the interval was made, and why it has zero width where it has (JSON `ci_note`; in the CSV, after
 * the description, so the columns stay the same).
 */
function exportAggregate(store: RunStore, experimentId: string, out: string, format: string, flags: Record<string, unknown>, io: CliIO): number {
  const metric = flags.metric as string | undefined;
  if (!metric) throw new UsageError('--aggregate needs --metric M');
  const stat = (flags.stat as string | undefined) ?? 'iqm';
  if (!isStatName(stat)) throw new UsageError(`--stat: expected one of ${STAT_NAMES.join(', ')}, got ${JSON.stringify(stat)}`);
  const grid = (flags.grid as string | undefined) ?? 'union';
  if (grid !== 'union' && grid !== 'uniform') throw new UsageError(`--grid: expected union or uniform, got ${JSON.stringify(grid)}`);
  let smooth;
  try {
    smooth = parseSmoothing((flags.smooth as string | undefined) ?? 'none');
  } catch (e) {
    throw new UsageError(`--smooth: ${(e as Error).message}`);
  }
  const series = store.series(experimentId, metric);
  if (series.every((s) => s.steps.length === 0)) {
    io.err(`no run of ${experimentId} logged "${metric}"; metrics: ${store.experimentMetricNames(experimentId).join(', ')}`);
    return EXIT.usage;
  }
  const arms = [...new Set(series.map((s) => s.arm))];
  const rows: { step: number; arm: string; estimate: number; ci_low: number; ci_high: number; n: number; ci_note: string | null }[] = [];
  for (const arm of arms) {
    const c = aggregateCurves(
      series.filter((s) => s.arm === arm && s.steps.length > 0),
      {
        stat: stat as StatName,
        grid,
        smooth,
        points: flags.points as number | undefined,
        ci: flags.ci as number | undefined,
        reps: flags.reps as number | undefined,
        seed: flags.seed as number | undefined,
        threshold: flags.threshold as number | undefined,
      },
    );
    c.steps.forEach((step, i) => {
      const zero = zeroWidthSpanAt(c, i);
      rows.push({ step, arm, estimate: c.estimate[i], ci_low: c.low[i], ci_high: c.high[i], n: c.n[i], ci_note: zero && bandPointZeroWidthNote(zero, flags.threshold as number | undefined) });
    });
  }
  const num = (v: number) => (Number.isFinite(v) ? String(v) : 'NaN');
  // Every interval says how it was made and over how many runs (a percentile bootstrap undercovers at small n).
  const how = (n: number) => percentileIntervalLabel(n, (flags.ci as number | undefined) ?? DEFAULT_CI, (flags.reps as number | undefined) ?? DEFAULT_REPS);
  if (format === 'json') writeFileSync(out, JSON.stringify({ experiment: experimentId, metric, stat, smooth: flags.smooth ?? 'none', rows: rows.map((r) => ({ ...r, estimate: Number.isFinite(r.estimate) ? r.estimate : null, ci_low: Number.isFinite(r.ci_low) ? r.ci_low : null, ci_high: Number.isFinite(r.ci_high) ? r.ci_high : null, ci_method: how(r.n) })) }));
  else
    writeFileSync(
      out,
      ['step,arm,estimate,ci_low,ci_high,n,ci_method', ...rows.map((r) => csvRow([r.step, r.arm, num(r.estimate), num(r.ci_low), num(r.ci_high), r.n, r.ci_note ? `${how(r.n)}; ${r.ci_note}` : how(r.n)]))].join('\n') + '\n',
    );
  io.out(`wrote ${rows.length} aggregated point(s) for ${arms.length} arm(s) to ${out}`);
  return EXIT.ok;
}
