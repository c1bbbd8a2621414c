// `creditlab export EXPERIMENT --format csv|json --out FILE`: long format, one row per logged point.
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { RunStore, exportCsvLines, exportJson } from '@creditlab/store';
import { UsageError, parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';

export async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, { workspace: 'string', format: 'string', out: 'string' });
  if (positional.length !== 1 || !flags.out) throw new UsageError('usage: creditlab export EXPERIMENT --format csv|json --out FILE');
  const format = (flags.format as string | undefined) ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format: expected csv or json, got ${JSON.stringify(format)}`);
  const store = RunStore.open(flags.workspace as string | undefined);
  try {
    let ref;
    try {
      ref = store.resolveId(positional[0]);
    } catch (e) {
      io.err((e as Error).message);
      return EXIT.usage;
    }
    if (ref.kind !== 'experiment') throw new UsageError(`${positional[0]} is a run; export takes an experiment id`);
    const out = String(flags.out);
    if (format === 'json') writeFileSync(out, exportJson(store, ref.id));
    else {
      const ws = createWriteStream(out);
      let rows = -1;
      for (const line of exportCsvLines(store, ref.id)) {
        rows++;
        if (!ws.write(line + '\n')) await once(ws, 'drain');
      }
      ws.end();
      await once(ws, 'finish');
      io.out(`wrote ${rows} row(s) to ${out}`);
    }
    return EXIT.ok;
  } finally {
    store.close();
  }
}
