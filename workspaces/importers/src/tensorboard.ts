// Reads TensorBoard logs: every folder holding `events.out.tfevents.*` files is a run; their scalar
// summaries (v1 `simple_value` and v2 rank-0 tensors of the scalars plugin) become metrics with their
// steps and wall times. A file with a damaged or incomplete record is left out whole and reported: a
// prefix of a run would make its "last" value silently wrong.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import protobuf from 'protobufjs';
import { scanRecords } from './tfrecord';
import { TENSORBOARD_PROTO } from './tensorboard-proto';
import { ScalarDecoder } from './event-scalars';
import { appendPoints, assignArmsAndSeeds, compileGroup, type ImportPlan, type ImportProblem, type PlannedRun, type Points } from './plan';

// The schema's generated codec: test fixtures and the benchmark write events with it, and the tests
// hold the fast decoder to its decode.
const root = protobuf.parse(TENSORBOARD_PROTO, { keepCase: false }).root;
export const EventMessage = root.lookupType('creditlab.tb.Event');

const EVENT_FILE = /^events\.out\.tfevents\./;

/**
 * Decodes one event file's scalars into `metrics` (tag → points in file order). Reading stops at the
 * first record that is incomplete, fails a CRC or is not an Event; `problem` then says which.
 */
export function decodeEvents(buf: Uint8Array, metrics: Map<string, Points>): { records: number; problem: string | null } {
  const dec = new ScalarDecoder(buf);
  let records = 0;
  let bad: string | null = null;
  const framing = scanRecords(buf, (start, end, offset) => {
    try {
      dec.event(start, end);
    } catch (e) {
      // Its CRC held, so the bytes were written this way: the file is not an event file of this schema.
      bad = `record at byte ${offset} is not a valid Event (${(e as Error).message})`;
      return false;
    }
    records++;
    return true;
  });
  for (const [tag, p] of dec.metrics()) appendPoints(metrics, tag, p);
  const p = framing;
  const problem =
    bad ??
    (p
      ? p.reason === 'truncated'
        ? `incomplete record at byte ${p.offset} of ${buf.length} (truncated, or still being written)`
        : `record at byte ${p.offset} fails its ${p.reason === 'length-crc' ? 'length' : 'data'} CRC-32C (corrupt)`
      : null);
  return { records, problem };
}

/** Folders under `dir` (itself included) that hold event files, with those files sorted by name. */
async function findRunFolders(dir: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    const entries = await readdir(d, { withFileTypes: true });
    const files = entries.filter((e) => e.isFile() && EVENT_FILE.test(e.name)).map((e) => e.name).sort();
    if (files.length) out.set(d, files.map((f) => join(d, f)));
    // Directory symlinks are not followed: a link back up the tree would never end.
    for (const e of entries) if (e.isDirectory()) stack.push(join(d, e.name));
  }
  return out;
}

export class ImportSourceError extends Error {}

export async function planTensorboard(logdir: string, opts: { group?: string } = {}): Promise<ImportPlan> {
  const dir = resolve(logdir);
  const group = opts.group ? compileGroup(opts.group) : null;
  let folders: Map<string, string[]>;
  try {
    folders = await findRunFolders(dir);
  } catch (e) {
    throw new ImportSourceError(`cannot read ${logdir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const problems: ImportProblem[] = [];
  const found: { key: string; metrics: Map<string, Points>; files: string[] }[] = [];
  for (const folder of [...folders.keys()].sort()) {
    const key = relative(dir, folder).split(sep).join('/');
    const metrics = new Map<string, Points>();
    const used: string[] = [];
    for (const file of folders.get(folder)!) {
      const rel = relative(dir, file).split(sep).join('/');
      const mine = new Map<string, Points>();
      const { problem } = decodeEvents(await readFile(file), mine);
      if (problem) {
        problems.push({ path: rel, message: `${problem}; file left out`, skipped: true });
        continue;
      }
      // A run's files are concatenated in name order (the order TensorBoard writers create them).
      for (const [tag, p] of mine) appendPoints(metrics, tag, p);
      used.push(rel);
    }
    if (metrics.size === 0) {
      if (used.length) problems.push({ path: key || '.', message: 'no scalar summaries; not a run', skipped: false });
      continue;
    }
    found.push({ key, metrics, files: used });
  }
  const assigned = assignArmsAndSeeds(
    found.map((f) => {
      const parts = f.key ? f.key.split('/') : [];
      return { key: f.key, arm: parts[0] ?? basename(dir), name: parts.slice(1).join('/') };
    }),
    group,
    problems,
  );
  const runs: PlannedRun[] = [];
  for (const f of found) {
    const a = assigned.get(f.key);
    if (a) runs.push({ key: f.key, arm: a.arm, seed: a.seed, metrics: f.metrics, files: f.files });
  }
  return { source: { kind: 'tensorboard', path: dir, ...(opts.group ? { group: opts.group } : {}) }, runs, problems };
}
