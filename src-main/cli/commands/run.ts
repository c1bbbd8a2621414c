// `creditlab run SPEC.json`: resolve, run arms × seeds on the local worker pool, report.
import { SpecValidationError, validateExperiment } from '@creditlab/spec';
import { SlurmExecutor, validateSlurmOptions, type SlurmOptions } from '@creditlab/runner';
import type { RunSummary } from '@creditlab/api';
import { assertGymFields } from '../../host/gym-fields';
import { Host } from '../../host/host';
import { readWorkspaceConfig } from '../../host/workspace-config';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { fmtDuration, loadSpec, printSpecErrors } from './common';

export async function runCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    workspace: 'string',
    workers: 'number',
    set: 'multi',
    json: 'boolean',
    backend: 'string',
    executor: 'string',
    'slurm-partition': 'string',
    'slurm-time': 'string',
    'slurm-cpus': 'number',
    'slurm-mem': 'string',
    'slurm-account': 'string',
    'slurm-max-concurrent': 'number',
    'slurm-requeue': 'boolean',
  });
  if (positional.length !== 1) {
    io.err('usage: creditlab run SPEC.json [--workspace DIR] [--workers N] [--set key.path=value ...] [--json]');
    return EXIT.usage;
  }
  const workers = flags.workers as number | undefined;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
    io.err('--workers: expected a whole number >= 1');
    return EXIT.usage;
  }
  if (flags.backend) process.env.CREDITLAB_BACKEND = String(flags.backend);
  if (flags.executor !== undefined && flags.executor !== 'local' && flags.executor !== 'slurm') {
    io.err(`--executor: expected local or slurm, got ${JSON.stringify(flags.executor)}`);
    return EXIT.usage;
  }
  let launched;
  let host: Host | null = null;
  try {
    const { spec, specDir } = loadSpec(positional[0], (flags.set as string[]) ?? []);
    // Flags win over the spec, the spec over the workspace's config.json.
    const fromSpec = validateExperiment(spec).spec.executor;
    const fromWorkspace = readWorkspaceConfig((flags.workspace as string | undefined) ?? undefined).executor;
    const useSlurm = (flags.executor ?? fromSpec?.type ?? fromWorkspace?.type ?? 'local') === 'slurm';
    let executor: SlurmExecutor | undefined;
    if (useSlurm) {
      const so = { ...(fromWorkspace?.slurm ?? {}), ...(fromSpec?.slurm ?? {}) };
      const slurm: SlurmOptions = {
        partition: (flags['slurm-partition'] as string | undefined) ?? so.partition,
        time: (flags['slurm-time'] as string | undefined) ?? so.time,
        cpus: (flags['slurm-cpus'] as number | undefined) ?? so.cpus,
        mem: (flags['slurm-mem'] as string | undefined) ?? so.mem,
        account: (flags['slurm-account'] as string | undefined) ?? so.account,
        maxConcurrent: (flags['slurm-max-concurrent'] as number | undefined) ?? so.maxConcurrent,
        requeue: Boolean(flags['slurm-requeue']),
        backend: flags.backend as string | undefined,
      };
      const errs = validateSlurmOptions(slurm);
      if (errs.length) {
        for (const e of errs) io.err(e);
        return EXIT.usage;
      }
      executor = new SlurmExecutor(slurm);
    }
    host = new Host({ workspace: flags.workspace as string | undefined, workers, executor });
    const readRewardFile = await host.preloadRewardFiles(spec, specDir);
    await assertGymFields(spec, host.cacheDir);
    launched = host.launch(spec, { specDir, readRewardFile });
  } catch (e) {
    host?.store.close();
    if (e instanceof SpecValidationError) {
      printSpecErrors(io, e, positional[0]);
      return EXIT.usage;
    }
    throw e;
  }
  const h = host!;
  const { experimentId, runIds } = launched;
  const json = Boolean(flags.json);
  const where = h.executor.name === 'slurm' ? 'as one Slurm job array' : `on ${h.workers} worker(s)`;
  if (!json) io.out(`experiment ${experimentId}: ${runIds.length} run(s) ${where}; workspace ${h.store.root}`);

  // Ctrl-C cancels the runs (each stops at its next safe point), a second Ctrl-C exits at once.
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    io.err('\ncancelling… (Ctrl-C again to quit now)');
    void h.cancelExperiment(experimentId);
  };
  process.on('SIGINT', onSigint);

  const live = io.isTTY && !json;
  let drawn = 0;
  const draw = () => {
    const runs = h.store.listRuns(experimentId);
    const lines = runs.map((r) => progressLine(r));
    if (drawn) process.stdout.write(`\x1b[${drawn}A`);
    for (const l of lines) process.stdout.write(`\x1b[2K${l}\n`);
    drawn = lines.length;
  };
  const reported = new Set<string>();
  const unsubscribe = h.subscribe((e) => {
    if (e.type !== 'run' || live || json) return;
    const r = e.run;
    if (['finished', 'failed', 'cancelled'].includes(r.status) && !reported.has(r.id)) {
      reported.add(r.id);
      io.out(endLine(r));
    }
  });
  const timer = live ? setInterval(draw, 500) : null;
  await launched.done;
  if (timer) clearInterval(timer);
  if (live) draw();
  unsubscribe();
  process.off('SIGINT', onSigint);

  const runs = h.store.listRuns(experimentId);
  for (const r of runs) if (!live && !json && !reported.has(r.id)) io.out(endLine(r));
  await h.close();
  const failed = runs.filter((r) => r.status !== 'finished');
  if (json) {
    io.out(JSON.stringify({ experiment: experimentId, runs: runs.map((r) => ({ id: r.id, arm: r.arm, seed: r.seed, status: r.status, final: r.final, ...(r.error ? { error: r.error } : {}) })) }));
  } else {
    const headline = headlineMetrics(runs);
    for (const line of armSummary(runs, headline)) io.out(line);
    io.out(`${runs.length - failed.length}/${runs.length} run(s) finished. Compare: creditlab compare ${experimentId} --metric ${headline[0] ?? 'charts/episodic_return'}`);
  }
  return failed.length ? EXIT.failed : EXIT.ok;
}

function progressLine(r: RunSummary): string {
  const frac = r.total > 0 ? Math.min(1, r.progress / r.total) : 0;
  const width = 24;
  const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '·');
  const sps = r.sps ? `${Math.round(r.sps)} steps/s` : '';
  const eta = r.status === 'running' ? `ETA ${fmtDuration(r.etaSeconds)}` : r.status;
  return `${r.arm.padEnd(16).slice(0, 16)} seed ${String(r.seed).padEnd(4)} ${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${sps.padEnd(16)} ${eta}${r.error ? '  ' + r.error.slice(0, 60) : ''}`;
}

export function endLine(r: RunSummary): string {
  const ret = r.final['charts/episodic_return'];
  const extra = ret !== undefined ? ` episodic_return=${ret.toFixed(1)}` : '';
  return `run ${r.id} ${r.arm} seed ${r.seed}: ${r.status}${extra}${r.error ? ` — ${r.error}${r.errorLine ? ` (reward line ${r.errorLine})` : ''}` : ''}`;
}

/** The metrics a researcher looks at first, in this order, among those the runs logged. */
const HEADLINE = ['charts/episodic_return', 'eval/accuracy', 'eval/steps_per_solution', 'eval/repeat_fraction', 'eval/credit_auroc', 'objective/kl'];

function headlineMetrics(runs: RunSummary[]): string[] {
  const logged = new Set(runs.flatMap((r) => Object.keys(r.final)));
  return HEADLINE.filter((m) => logged.has(m));
}

/**
 * Per arm: the mean over its finished seeds of each headline metric's last logged value (what
 * `creditlab compare --at last --stat mean` reports, without the interval).
 */
export function armSummary(runs: RunSummary[], metrics: string[]): string[] {
  if (!metrics.length) return [];
  const arms = [...new Set(runs.map((r) => r.arm))];
  const width = Math.max(4, ...arms.map((a) => a.length));
  const head = ['arm'.padEnd(width), 'seeds', ...metrics.map((m) => m.padStart(Math.max(10, m.length)))].join('  ');
  const lines = ['', `last logged value, mean over seeds:`, head];
  for (const arm of arms) {
    const done = runs.filter((r) => r.arm === arm && r.status === 'finished');
    const cells = metrics.map((m) => {
      const vals = done.map((r) => r.final[m]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      const text = vals.length ? (vals.reduce((a, b) => a + b, 0) / vals.length).toFixed(Math.abs(vals[0]) >= 100 ? 1 : 3) : '-';
      return text.padStart(Math.max(10, m.length));
    });
    lines.push([arm.padEnd(width), String(done.length).padStart(5), ...cells].join('  '));
  }
  lines.push('');
  return lines;
}
