// `creditlab validate SPEC.json`: exit 0, or 2 with every error and its JSON path on stderr.
import { resolveExperiment, SpecValidationError } from '@creditlab/spec';
import { rewardFileReader } from '../../host/host';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { loadSpec, printSpecErrors } from './common';

export async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, { set: 'multi' });
  if (positional.length !== 1) {
    io.err('usage: creditlab validate SPEC.json');
    return EXIT.usage;
  }
  try {
    const { spec, specDir } = loadSpec(positional[0], (flags.set as string[]) ?? []);
    const { spec: s, runs } = resolveExperiment(spec, { readRewardFile: rewardFileReader(specDir) });
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
