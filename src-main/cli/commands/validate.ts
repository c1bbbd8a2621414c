// `creditlab validate SPEC.json`: exit 0, or 2 with every error and its JSON path on stderr.
import { join } from 'node:path';
import { resolveExperiment, SpecValidationError } from '@creditlab/spec';
import { defaultWorkspace } from '@creditlab/store';
import { gymFieldCheck } from '../../host/gym-fields';
import { preloadRewardFiles } from '../../host/reward-files';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { loadSpec, printSpecErrors } from './common';

export async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, { set: 'multi', workspace: 'string' });
  if (positional.length !== 1) {
    io.err('usage: creditlab validate SPEC.json');
    return EXIT.usage;
  }
  try {
    const { spec, specDir } = loadSpec(positional[0], (flags.set as string[]) ?? []);
    const workspace = (flags.workspace as string | undefined) ?? defaultWorkspace();
    const read = await preloadRewardFiles(spec, { specDir, roots: [workspace] });
    const { spec: s, runs } = resolveExperiment(spec, { readRewardFile: read });
    // Gymnasium envs: the fields the shaping reads, asked of the env's own Python.
    const fields = await gymFieldCheck(spec, join(workspace, 'cache'));
    if (fields.errors.length) throw new SpecValidationError(fields.errors);
    for (const u of fields.unchecked) io.err(`warning: the info fields of ${u.env} were not checked: ${u.reason.split('\n')[0]}`);
    io.out(`${positional[0]}: valid — ${s.arms.length} arm(s) × ${s.seeds.length} seed(s) = ${runs.length} run(s)`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof SpecValidationError) {
      printSpecErrors(io, e, positional[0]);
      return EXIT.usage;
    }
    throw e;
  }
}
