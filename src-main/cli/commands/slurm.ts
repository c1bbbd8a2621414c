// `creditlab slurm doctor`: whether experiments can be sent to the Slurm cluster from this machine.
// `creditlab slurm attach`: reads in what Slurm tasks logged while no process watched them, and watches
// the ones still going until they end, in place of the `creditlab run` that submitted them.
import type { RunSummary } from '@creditlab/api';
import { defaultWorkspace } from '@creditlab/store';
import { SlurmExecutor, slurmDoctor, type DoctorCheck } from '@creditlab/runner';
import { Host } from '../../host/host';
import { readWorkspaceConfig } from '../../host/workspace-config';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { endLine } from './run';

const USAGE = `usage: creditlab slurm doctor [--workspace DIR] [--slurm-partition P] [--json]
       creditlab slurm attach [EXPERIMENT|RUN] [--workspace DIR] [--once] [--json]`;

export async function slurmCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'attach') return attachCommand(rest, io);
  if (sub !== 'doctor') {
    io.err(sub ? `creditlab slurm: unknown subcommand "${sub}"\n${USAGE}` : USAGE);
    return EXIT.usage;
  }
  const { positional, flags } = parseArgs(rest, { workspace: 'string', 'slurm-partition': 'string', partition: 'string', json: 'boolean' });
  if (positional.length) {
    io.err(USAGE);
    return EXIT.usage;
  }
  const workspace = (flags.workspace as string | undefined) ?? defaultWorkspace();
  const partition = (flags['slurm-partition'] ?? flags.partition) as string | undefined;
  const report = await slurmDoctor({ workspace, partition });
  if (flags.json) {
    io.out(JSON.stringify(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  }
  const mark: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };
  for (const c of report.checks) {
    const line = `${mark[c.status]}  ${c.id.padEnd(11)} ${c.summary}`;
    if (c.status === 'ok') io.out(line);
    else io.err(line);
    if (c.hint && c.status !== 'ok') io.err(`      ${''.padEnd(11)} → ${c.hint}`);
  }
  const warns = report.checks.filter((c) => c.status === 'warn').length;
  if (report.ok) io.out(`Slurm is usable from here${warns ? ` (${warns} warning${warns > 1 ? 's' : ''})` : ''}: creditlab run SPEC.json --executor slurm`);
  else io.err('Slurm is not usable from here; fix the FAIL lines above.');
  return report.ok ? EXIT.ok : EXIT.failed;
}

const OPEN = new Set(['queued', 'running']);

/**
 * Every Slurm run of the experiment or run named (default: every Slurm run of the workspace not known to
 * have ended) is read in from its events file where the index left off, its end recorded from the
 * events (finished, failed, cancelled). Without --once the runs still queued or running, and the
 * interrupted ones whose task Slurm may still know, are watched until they end, as the submitting
 * `creditlab run` would have; with --once nothing asks Slurm and the command returns at once.
 */
async function attachCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, { workspace: 'string', once: 'boolean', json: 'boolean' });
  if (positional.length > 1) {
    io.err(USAGE);
    return EXIT.usage;
  }
  const workspace = (flags.workspace as string | undefined) ?? defaultWorkspace();
  const once = Boolean(flags.once);
  const json = Boolean(flags.json);
  // Polling intervals and requeue handling as the workspace's own Slurm settings say; nothing is submitted.
  const executor = once ? undefined : new SlurmExecutor({ ...(readWorkspaceConfig(workspace).executor?.slurm ?? {}) });
  // Not the host's own start-up reading and watching: this command reports on, and watches, the runs asked about.
  const host = new Host({ workspace, workers: 1, executor, reattach: false });
  try {
    const id = positional[0];
    const targets = id === undefined ? host.store.openSlurmRuns() : slurmRunsOf(host, id);
    if (targets.length === 0) {
      if (json) io.out(JSON.stringify({ runs: [] }));
      else io.out(id === undefined ? 'no Slurm run to attach to in this workspace' : `${id}: no Slurm run there`);
      return id === undefined ? EXIT.ok : EXIT.failed;
    }
    const read = new Map(host.catchUpSlurm(targets).map((r) => [r.run, r.events]));
    const status = (rid: string) => host.store.getRunSummary(rid).status;
    if (!once) {
      const said = new Set<string>();
      const tried = new Set<string>();
      const skipped = new Set<string>();
      const sigint = () => {
        io.err('\nstopped watching; the tasks go on on the cluster (run this command again to watch them)');
        stop();
      };
      let stop = () => {};
      const stopped = new Promise<void>((r) => (stop = r));
      process.on('SIGINT', sigint);
      try {
        for (;;) {
          // Held by a live process (the submitting creditlab run): left to it, taken over if it stops.
          const pending = targets.filter((rid) => !skipped.has(rid) && (OPEN.has(status(rid)) || (status(rid) === 'interrupted' && !tried.has(rid))));
          if (pending.length === 0) break;
          const { attached, heldElsewhere, unwatchable } = host.attachSlurm(pending.filter((rid) => !tried.has(rid)));
          for (const rid of attached) tried.add(rid);
          for (const rid of unwatchable) skipped.add(rid);
          if (!json) {
            for (const rid of attached) io.out(`run ${rid}: watching ${host.store.getRunSummary(rid).externalId ?? 'its Slurm task'}`);
            for (const [rid, h] of heldElsewhere) {
              if (said.has(rid)) continue;
              said.add(rid);
              const [place, pid] = h.owner.split(':');
              io.out(`run ${rid}: pid ${pid} on ${place.split('/')[0]} watches it (its lease runs until ${new Date(h.until).toISOString()}); taken over if that stops`);
            }
          }
          if ((await nextChange(host, stopped, 5000)) === 'stop') break;
        }
      } finally {
        process.off('SIGINT', sigint);
      }
    }
    const runs = targets.map((rid) => host.store.getRunSummary(rid));
    if (json) io.out(JSON.stringify({ runs: runs.map((r) => ({ id: r.id, arm: r.arm, seed: r.seed, status: r.status, events: read.get(r.id) ?? 0, final: r.final, ...(r.error ? { error: r.error } : {}) })) }));
    else for (const r of runs) io.out(attachLine(r, read.get(r.id) ?? 0, once));
    return runs.every((r) => r.status === 'finished' || (once && OPEN.has(r.status))) ? EXIT.ok : EXIT.failed;
  } finally {
    await host.close();
  }
}

function slurmRunsOf(host: Host, id: string): string[] {
  const t = host.store.resolveId(id);
  const runs = t.kind === 'experiment' ? host.store.listRuns(t.id) : [host.store.getRunSummary(t.id)];
  return runs.filter((r) => r.executor === 'slurm').map((r) => r.id);
}

function attachLine(r: RunSummary, events: number, once: boolean): string {
  const read = events ? ` (read ${events} event${events > 1 ? 's' : ''} from its events file)` : '';
  if (once && OPEN.has(r.status)) return `run ${r.id} ${r.arm} seed ${r.seed}: ${r.status}${read}; its task is still going (without --once this command watches it)`;
  if (once && r.status === 'interrupted') return `${endLine(r)}${read}; its events record no end (without --once this command asks Slurm how its task ended)`;
  return endLine(r) + read;
}

/** Until a run changes (through this host), `stopped` resolves, or `ms` passed: the loop looks again. */
function nextChange(host: Host, stopped: Promise<void>, ms: number): Promise<'change' | 'stop' | 'tick'> {
  return new Promise((resolve) => {
    const done = (why: 'change' | 'stop' | 'tick') => {
      off();
      clearTimeout(timer);
      resolve(why);
    };
    const off = host.subscribe((e) => {
      if (e.type === 'run') done('change');
    });
    const timer = setTimeout(() => done('tick'), ms);
    void stopped.then(() => done('stop'));
  });
}
