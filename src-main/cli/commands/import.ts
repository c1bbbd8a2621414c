// `creditlab import tensorboard LOGDIR | csv FILE`: runs trained elsewhere become a read-only experiment
// that list/show/compare/export treat like any other. Exit 0 when every file was read, 1 when
// something was left out (each named), 2 on bad arguments.
import { RunStore } from '@creditlab/store';
import { GroupError, ImportSourceError } from '@creditlab/importers';
import type { ImportRequest } from '@creditlab/api';
import { UsageError, parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { table } from './common';
import { planImport, previewImport, runImport } from '../../host/import-service';

const USAGE = 'usage: creditlab import tensorboard LOGDIR | csv FILE [--name NAME] [--group REGEX] [--dry-run] [--json] [--workspace DIR]';

export async function importCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, { workspace: 'string', name: 'string', group: 'string', json: 'boolean', 'dry-run': 'boolean' });
  const [kind, path] = positional;
  if (positional.length !== 2 || (kind !== 'tensorboard' && kind !== 'csv')) throw new UsageError(USAGE);
  const req: ImportRequest = { kind, path, group: flags.group as string | undefined, name: flags.name as string | undefined };
  if (req.name !== undefined && /[\u0000-\u001f\u007f]/.test(req.name)) throw new UsageError('--name must not hold control characters');
  // Without --dry-run runs are written while later ones are still being read; the workspace is opened
  // at the first run, so a source with nothing to import leaves it untouched.
  let store: RunStore | null = null;
  try {
    let plan;
    let result = null;
    try {
      if (flags['dry-run']) plan = await planImport(req);
      else ({ plan, result } = await runImport(req, () => (store ??= RunStore.open(flags.workspace as string | undefined))));
    } catch (e) {
      if (e instanceof GroupError) throw new UsageError(e.message);
      if (e instanceof ImportSourceError) {
        io.err(e.message);
        return EXIT.usage;
      }
      throw e;
    }
    const preview = previewImport(plan);
    const skipped = preview.problems.some((p) => p.skipped);
    if (flags['dry-run']) {
      if (flags.json) io.out(JSON.stringify(preview));
      else printPreview(preview, io);
      return skipped ? EXIT.failed : EXIT.ok;
    }
    if (!result) {
      if (!flags.json) printPreview(preview, io);
      io.err(`no run with scalars found in ${path}; nothing imported`);
      return EXIT.failed;
    }
    if (flags.json) io.out(JSON.stringify({ ...result, arms: preview.arms, metrics: preview.metrics }));
    else {
      printPreview(preview, io);
      io.out(
        `${result.created ? 'imported into new' : 'added to'} experiment ${result.experimentId}: ${result.runsAdded} new run(s), ${result.runsExtended} extended, ${result.pointsAdded} new point(s)` +
          (result.pointsKnown ? `, ${result.pointsKnown} already there` : ''),
      );
      io.out(`next: creditlab compare ${result.experimentId} --metric ${preview.metrics[0] ?? 'METRIC'} --at last --stat iqm`);
    }
    return skipped ? EXIT.failed : EXIT.ok;
  } finally {
    (store as RunStore | null)?.close();
  }
}

function printPreview(p: ReturnType<typeof previewImport>, io: CliIO): void {
  io.out(`${p.source.kind} ${p.source.path}: ${p.runs.length} run(s), ${p.points} point(s)`);
  const rows = [['ARM', 'SEEDS']];
  for (const a of p.arms) rows.push([a.name, a.seeds.join(' ')]);
  for (const l of table(rows)) io.out(`  ${l}`);
  io.out(`  metrics: ${p.metrics.join(', ') || '(none)'}`);
  for (const pr of p.problems) io.err(`${pr.skipped ? 'skipped' : 'note'}: ${pr.path}: ${pr.message}`);
}
