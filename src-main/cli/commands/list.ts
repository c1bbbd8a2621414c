// `creditlab list`: experiments in the workspace, newest first.
import { RunStore } from '@creditlab/store';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';
import { table } from './common';

export async function listCommand(argv: string[], io: CliIO): Promise<number> {
  const { flags } = parseArgs(argv, { workspace: 'string', json: 'boolean' });
  const store = RunStore.open(flags.workspace as string | undefined);
  try {
    const exps = store.listExperiments();
    if (flags.json) {
      io.out(JSON.stringify(exps));
      return EXIT.ok;
    }
    if (exps.length === 0) {
      io.out(`no experiments in ${store.root}`);
      return EXIT.ok;
    }
    const rows = [['ID', 'NAME', 'STATUS', 'RUNS', 'CREATED']];
    for (const e of exps) {
      const c = e.runCounts;
      const total = Object.values(c).reduce((a, b) => a + b, 0);
      const parts = Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
      rows.push([e.id, e.name, e.status, `${total} (${parts.join(', ')})`, e.createdAt.replace('T', ' ').slice(0, 19)]);
    }
    for (const l of table(rows)) io.out(l);
    return EXIT.ok;
  } finally {
    store.close();
  }
}
