// `creditlab worker RUN.json --run-dir DIR`: one resolved run in this process, the same code path
// as a local worker thread. Events are appended to DIR/events.jsonl (one line per batch, fsynced),
// which the host ingests; this is what a cluster task (Slurm array element) runs.
import { readFileSync, openSync, writeSync, fsyncSync, closeSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { executeRun } from '@creditlab/runner';
import type { ResolvedRun } from '@creditlab/spec';
import { UsageError, parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';

export async function workerCommand(argv: string[], io: CliIO): Promise<number> {
  const { positional, flags } = parseArgs(argv, { 'run-dir': 'string', 'trainer-module': 'string' });
  if (positional.length !== 1) throw new UsageError('usage: creditlab worker RUN.json [--run-dir DIR]');
  const run = JSON.parse(readFileSync(positional[0], 'utf8')) as ResolvedRun;
  if (run.schema !== 'creditlab.run/1') throw new UsageError(`${positional[0]} is not a resolved run (schema ${JSON.stringify(run.schema)})`);
  const runDir = resolve((flags['run-dir'] as string | undefined) ?? '.');
  mkdirSync(runDir, { recursive: true });
  const fd = openSync(join(runDir, 'events.jsonl'), 'a');
  const cancelFile = join(runDir, 'cancel');
  let lastCheck = 0;
  let cancelled = false;
  let outcome = 'failed' as 'done' | 'failed';
  // Plugins and the fake-Slurm tests swap the trainer; a bare path is made a file URL for import().
  const tm = flags['trainer-module'] as string | undefined;
  const trainerModule = tm === undefined ? undefined : /^[a-z][a-z0-9+.-]+:/i.test(tm) ? tm : pathToFileURL(resolve(tm)).href;
  await executeRun({
    run,
    runDir,
    trainerModule,
    // The host renews this run's lease from these; CREDITLAB_HEARTBEAT_MS shortens it for tests.
    heartbeatMs: Number(process.env.CREDITLAB_HEARTBEAT_MS) > 0 ? Number(process.env.CREDITLAB_HEARTBEAT_MS) : 5000,
    emit: (e) => {
      writeSync(fd, JSON.stringify({ t: Date.now(), ...e }) + '\n');
      // A batch is durable before the next one is produced: the host may ingest at any moment.
      if (e.type === 'metrics' || e.type === 'done' || e.type === 'failed') fsyncSync(fd);
      if (e.type === 'done') outcome = 'done';
      if (e.type === 'failed') io.err(`run failed: ${e.message}`);
    },
    cancelled: () => {
      const t = Date.now();
      if (!cancelled && t - lastCheck > 1000) {
        lastCheck = t;
        cancelled = existsSync(cancelFile);
      }
      return cancelled;
    },
  });
  closeSync(fd);
  return outcome === 'done' ? EXIT.ok : EXIT.failed;
}
