// `creditlab slurm doctor`: whether experiments can be sent to the Slurm cluster from this machine.
import { defaultWorkspace } from '@creditlab/store';
import { slurmDoctor, type DoctorCheck } from '@creditlab/runner';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';

const USAGE = 'usage: creditlab slurm doctor [--workspace DIR] [--slurm-partition P] [--json]';

export async function slurmCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
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
