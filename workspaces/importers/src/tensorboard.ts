// Reads TensorBoard logs: every folder holding `events.out.tfevents.*` files is a run; their scalar
// summaries (v1 `simple_value` and v2 rank-0 tensors of the scalars plugin) become metrics with their
// steps and wall times. A file with a damaged or incomplete record is left out whole and reported: a
// prefix of a run would make its "last" value silently wrong.
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import protobuf from 'protobufjs';
import { scanRecords } from './tfrecord';
import { TENSORBOARD_PROTO } from './tensorboard-proto';
import { ScalarDecoder } from './event-scalars';
import { appendPoints, assignArmsAndSeeds, compileGroup, keepsItsSeed, wantedOf, type ImportPlan, type ImportProblem, type ImportSource, type Named, type PlannedRun, type Points, type Series } from './plan';
import { readFolders } from './decode-pool';

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

/** One run folder read: its scalars (null when it holds none), the files used, and what was left out. */
export interface FolderRead {
  metrics: Map<string, Series> | null;
  files: string[];
  problems: ImportProblem[];
}

/** Reads one run folder's event files (paths relative to the log folder `dir` in what it reports). */
export function readRunFolder(dir: string, folder: string, files: readonly string[]): FolderRead {
  const key = relative(dir, folder).split(sep).join('/');
  const metrics = new Map<string, Points>();
  const used: string[] = [];
  const problems: ImportProblem[] = [];
  for (const file of files) {
    const rel = relative(dir, file).split(sep).join('/');
    const mine = new Map<string, Points>();
    const { problem } = decodeEvents(readFileSync(file), mine);
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
    return { metrics: null, files: used, problems };
  }
  return { metrics, files: used, problems };
}

/**
 * Reads a TensorBoard log folder into a plan. With `onRun`, each run is also handed over as soon as its
 * arm and seed are final, in the plan's order, while later folders are still being read (the store
 * writes it meanwhile); the plan returned at the end is the same either way. Large logs are decoded
 * by a worker thread and this one together (see decode-pool.ts).
 */
export async function planTensorboard(logdir: string, opts: { group?: string; decodeWorker?: boolean | 'all' } = {}, onRun?: (run: PlannedRun, source: ImportSource) => void): Promise<ImportPlan> {
  const dir = resolve(logdir);
  const group = opts.group ? compileGroup(opts.group) : null;
  const source: ImportSource = { kind: 'tensorboard', path: dir, ...(opts.group ? { group: opts.group } : {}) };
  let folders: Map<string, string[]>;
  try {
    folders = await findRunFolders(dir);
  } catch (e) {
    throw new ImportSourceError(`cannot read ${logdir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const order = [...folders.keys()].sort();
  const named: Named[] = order.map((folder) => {
    const key = relative(dir, folder).split(sep).join('/');
    const parts = key ? key.split('/') : [];
    return { key, arm: parts[0] ?? basename(dir), name: parts.slice(1).join('/') };
  });
  // What each folder's name asks for is known before any file is read; whether it is a run is not.
  const wanted = named.map((n) => wantedOf(n, group, []));
  const reads: (FolderRead | undefined)[] = new Array(order.length);
  const present: (boolean | undefined)[] = new Array(order.length);
  let next = 0;
  const handOver = () => {
    if (!onRun) return;
    for (; next < order.length; next++) {
      const r = reads[next];
      if (!r) return;
      if (!r.metrics || !wanted[next]) continue;
      if (!keepsItsSeed(wanted, present, next)) return;
      const w = wanted[next]!;
      onRun({ key: w.key, arm: w.arm, seed: w.seed!, metrics: r.metrics, files: r.files }, source);
    }
  };
  await readFolders(
    dir,
    order.map((f) => ({ folder: f, files: folders.get(f)! })),
    (i, r) => {
      reads[i] = r;
      present[i] = r.metrics !== null;
      handOver();
    },
    {
      worker: opts.decodeWorker,
      // Nothing more can be handed over before the end: the next run's seed depends on the rest.
      stalled: () => !onRun || (next < order.length && reads[next] !== undefined && Boolean(reads[next]!.metrics) && wanted[next] !== null && !keepsItsSeed(wanted, present, next)),
    },
  );
  const problems: ImportProblem[] = reads.flatMap((r) => r!.problems);
  const found = order.map((_, i) => i).filter((i) => reads[i]!.metrics);
  const assigned = assignArmsAndSeeds(
    found.map((i) => named[i]),
    group,
    problems,
  );
  const runs: PlannedRun[] = [];
  const rest: PlannedRun[] = [];
  for (const i of found) {
    const a = assigned.get(named[i].key);
    if (!a) continue;
    const run = { key: named[i].key, arm: a.arm, seed: a.seed, metrics: reads[i]!.metrics!, files: reads[i]!.files };
    runs.push(run);
    // Runs before `next` were handed over already, with an assignment final by construction.
    if (i >= next) rest.push(run);
    else if (onRun && (wanted[i]?.arm !== a.arm || wanted[i]?.seed !== a.seed)) throw new Error(`internal: run ${run.key} was handed over as ${wanted[i]?.arm}/${wanted[i]?.seed}, planned as ${a.arm}/${a.seed}`);
  }
  if (onRun) for (const run of rest) onRun(run, source);
  return { source, runs, problems };
}
