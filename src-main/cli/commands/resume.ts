// `creditlab resume RUN|EXPERIMENT`: continue interrupted runs from their last checkpoints on the local
// worker pool, as the same runs (same ids), and wait for them to end.
import { Host } from '../../host/host';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { endLine } from './run';

export async function resumeCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, { workspace: 'string', workers: 'number', json: 'boolean', backend: 'string' });
  if (positional.length !== 1) {
    io.err('usage: creditlab resume RUN|EXPERIMENT [--workspace DIR] [--workers N] [--json]');
    return EXIT.usage;
  }
  const workers = flags.workers as number | undefined;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
    io.err('--workers: expected a whole number >= 1');
    return EXIT.usage;
  }
  if (flags.backend) process.env.CREDITLAB_BACKEND = String(flags.backend);
  const json = Boolean(flags.json);
  const host = new Host({ workspace: flags.workspace as string | undefined, workers });
  let interrupts = 0;
  let ids: string[] = [];
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    io.err('\ncancelling… (Ctrl-C again to quit now)');
    for (const id of ids) void host.cancelRun(id);
  };
  try {
    const { result, done } = host.resumeRuns(positional[0]);
    ids = [...result.resumed.map((r) => r.run), ...result.restarted.map((r) => r.run)];
    if (!json) {
      for (const r of result.resumed) io.out(`run ${r.run}: resuming after step ${r.fromStep}`);
      for (const r of result.restarted) io.out(`run ${r.run}: starting over from step 0 — ${r.reason}`);
      for (const r of result.skipped) io.out(`run ${r.run}: not resumed — ${r.reason}`);
      if (ids.length === 0) io.out('nothing to resume: no interrupted run here');
    }
    process.on('SIGINT', onSigint);
    await done;
    process.off('SIGINT', onSigint);
    const runs = ids.map((id) => host.store.getRunSummary(id));
    if (json) io.out(JSON.stringify({ ...result, runs: runs.map((r) => ({ id: r.id, arm: r.arm, seed: r.seed, status: r.status, final: r.final, ...(r.error ? { error: r.error } : {}) })) }));
    else for (const r of runs) io.out(endLine(r));
    return runs.every((r) => r.status === 'finished') ? EXIT.ok : EXIT.failed;
  } finally {
    await host.close();
  }
}
