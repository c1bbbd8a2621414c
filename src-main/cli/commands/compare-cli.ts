// `creditlab compare`: the statistics package over the workspace's stored series.
import { RunStore } from '@creditlab/store';
import { parseArgs } from '../args';
import type { CliIO } from '../io';
import { compareCommand } from './compare';

export async function compareCli(argv: string[], io: CliIO): Promise<number> {
  // --workspace is ours; everything else belongs to compareCommand.
  const i = argv.findIndex((a) => a === '--workspace' || a.startsWith('--workspace='));
  let workspace: string | undefined;
  let rest = argv;
  if (i >= 0) {
    const { flags } = parseArgs(argv.slice(i, argv[i].includes('=') ? i + 1 : i + 2), { workspace: 'string' });
    workspace = flags.workspace as string;
    rest = [...argv.slice(0, i), ...argv.slice(argv[i].includes('=') ? i + 1 : i + 2)];
  }
  const store = RunStore.open(workspace);
  try {
    return await compareCommand(rest, io, {
      async series(experiment, metric) {
        const ref = store.resolveId(experiment);
        if (ref.kind !== 'experiment') throw new Error(`${experiment} is a run; compare takes an experiment id`);
        return store.series(ref.id, metric);
      },
    });
  } finally {
    store.close();
  }
}
