// `creditlab show ID`: an experiment (its runs) or a run (status, config, failure reason).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descriptionParts } from '@creditlab/common';
import { ENVIRONMENT_FILE } from '@creditlab/runner';
import { RunStore } from '@creditlab/store';
import { detectHacking, explainVerdict, hackingPair, hackingReport, type HackingRow } from '@creditlab/stats';
import { UsageError, parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { fmtDuration, fmtNum, resolveRef, table } from './common';

export async function showCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, { workspace: 'string', json: 'boolean' });
  if (positional.length !== 1) throw new UsageError('usage: creditlab show ID [--json]');
  const store = RunStore.open(flags.workspace as string | undefined);
  try {
    const ref = resolveRef(store, positional[0], io);
    if (!ref) return EXIT.usage;
    if (ref.kind === 'experiment') {
      const summary = store.getExperimentSummary(ref.id);
      const runs = store.listRuns(ref.id);
      // The same reward-hacking rule as the workbench's alarm (workspaces/stats/src/hacking.ts).
      const pair = hackingPair(store.experimentMetricNames(ref.id));
      const hacking: HackingRow[] = pair ? hackingReport(pair, store.series(ref.id, pair.proxy), store.series(ref.id, pair.truth)) : [];
      if (flags.json) {
        io.out(JSON.stringify({ ...summary, spec: store.getSpec(ref.id), runs, hacking }));
        return EXIT.ok;
      }
      io.out(`experiment ${summary.id}  ${summary.name}  [${summary.status}]`);
      if (summary.description) {
        // Paragraphs apart; the figures a script printed from committed data indented as a block.
        for (const part of descriptionParts(summary.description)) io.out(`${part.kind === 'figures' ? '  ' : ''}${part.text}\n`);
      }
      const rows = [['RUN', 'ARM', 'SEED', 'STATUS', 'PROGRESS', 'COMPUTE', 'BACKEND', 'RETURN', 'NOTE']];
      for (const r of runs) {
        const dur = r.startedAt ? ((r.endedAt ? Date.parse(r.endedAt) : Date.now()) - Date.parse(r.startedAt)) / 1000 : null;
        rows.push([r.externalId ? `${r.id} (slurm ${r.externalId})` : r.id, r.arm, String(r.seed), r.status, `${Math.round((100 * r.progress) / Math.max(1, r.total))}% ${fmtDuration(dur)}`, r.compute ?? '-', r.backend ?? '-', fmtNum(r.final['charts/episodic_return']), r.error ? r.error.slice(0, 80) : '']);
      }
      for (const l of table(rows)) io.out(l);
      if (pair) {
        const proxy = new Map(store.series(ref.id, pair.proxy).map((s) => [s.run, s]));
        const truth = new Map(store.series(ref.id, pair.truth).map((s) => [s.run, s]));
        for (const h of hacking.filter((x) => x.flagged)) {
          const v = detectHacking(proxy.get(h.run)!, truth.get(h.run)!, pair)!;
          io.out(`⚠ possible reward hacking in ${h.run} (${h.arm}, seed ${h.seed}): ${explainVerdict(v, false)}`);
        }
      }
      return EXIT.ok;
    }
    const run = store.getRunSummary(ref.id);
    const resolved = store.getResolved(ref.id);
    if (flags.json) {
      io.out(JSON.stringify({ ...run, resolved, environment: readEnvironment(store.runDir(ref.id)), runDir: store.runDir(ref.id) }));
      return EXIT.ok;
    }
    io.out(`run ${run.id}  experiment ${run.experimentId}  arm ${run.arm}  seed ${run.seed}  [${run.status}]`);
    io.out(`progress ${run.progress}/${run.total}  compute ${run.compute ?? '-'}  backend ${run.backend ?? '-'}${run.sandbox ? `  sandbox ${run.sandbox}` : ''}  executor ${run.executor}${run.externalId ? ` (${run.externalId})` : ''}`);
    if (run.error) io.out(`failure: ${run.error}${run.errorLine ? ` (reward code line ${run.errorLine})` : ''}`);
    io.out(`folder: ${store.runDir(ref.id)}`);
    const environment = readEnvironment(store.runDir(ref.id));
    if (environment) {
      const e = environment as { python?: string; gymnasium?: string; numpy?: string; mujoco?: string; executable?: string };
      io.out(`environment: Python ${e.python} (${e.executable}), gymnasium ${e.gymnasium ?? '-'}, numpy ${e.numpy ?? '-'}${e.mujoco ? `, mujoco ${e.mujoco}` : ''}`);
    }
    io.out('final metrics:');
    for (const [k, v] of Object.entries(run.final)) io.out(`  ${k} = ${fmtNum(v)}`);
    io.out('config:');
    io.out(JSON.stringify(resolved.config, null, 2).replace(/^/gm, '  '));
    return EXIT.ok;
  } finally {
    store.close();
  }
}

/** The environment record a Gymnasium run's worker wrote at start (null for native envs and older runs). */
function readEnvironment(runDir: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(join(runDir, ENVIRONMENT_FILE), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
