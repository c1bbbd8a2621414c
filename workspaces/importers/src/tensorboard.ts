// Reads TensorBoard logs: every folder holding `events.out.tfevents.*` files is a run; their scalar
// summaries (v1 `simple_value` and v2 rank-0 tensors of the scalars plugin) become metrics with their
// steps and wall times. A file with a damaged or incomplete record is left out whole and reported: a
// prefix of a run would make its "last" value silently wrong.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import protobuf from 'protobufjs';
import { readRecords } from './tfrecord';
import { TENSORBOARD_PROTO } from './tensorboard-proto';
import { assignArmsAndSeeds, compileGroup, pushPoint, type ImportPlan, type ImportProblem, type PlannedRun, type Points } from './plan';

const root = protobuf.parse(TENSORBOARD_PROTO, { keepCase: false }).root;
export const EventMessage = root.lookupType('creditlab.tb.Event');

const EVENT_FILE = /^events\.out\.tfevents\./;

interface TensorMsg {
  dtype?: number;
  tensorShape?: { dim?: unknown[] };
  tensorContent?: Uint8Array;
  floatVal?: number[];
  doubleVal?: number[];
  intVal?: number[];
  int64Val?: (number | { toNumber(): number })[];
  halfVal?: number[];
}
interface ValueMsg {
  tag: string;
  value?: 'simpleValue' | 'tensor';
  simpleValue?: number;
  tensor?: TensorMsg;
  metadata?: { pluginData?: { pluginName?: string } };
}
interface EventMsg {
  wallTime: number;
  step: number | { toNumber(): number };
  what?: 'fileVersion' | 'summary';
  summary?: { value?: ValueMsg[] };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** The number a rank-0 numeric tensor holds, or null when it is not one. */
export function scalarOfTensor(t: TensorMsg): number | null {
  if (t.tensorShape?.dim && t.tensorShape.dim.length > 0) return null;
  const c = t.tensorContent;
  const view = c && c.length ? new DataView(c.buffer, c.byteOffset, c.byteLength) : null;
  switch (t.dtype) {
    case 1:
      return view && c!.length >= 4 ? view.getFloat32(0, true) : t.floatVal?.length ? t.floatVal[0] : null;
    case 2:
      return view && c!.length >= 8 ? view.getFloat64(0, true) : t.doubleVal?.length ? t.doubleVal[0] : null;
    case 3:
      return view && c!.length >= 4 ? view.getInt32(0, true) : t.intVal?.length ? t.intVal[0] : null;
    case 9: {
      if (view && c!.length >= 8) return Number(view.getBigInt64(0, true));
      const v = t.int64Val?.[0];
      return v === undefined ? null : typeof v === 'number' ? v : v.toNumber();
    }
    case 19:
      return view && c!.length >= 2 ? halfToFloat(view.getUint16(0, true)) : t.halfVal?.length ? halfToFloat(t.halfVal[0]) : null;
    default:
      return null;
  }
}

const num = (v: number | { toNumber(): number }) => (typeof v === 'number' ? v : v.toNumber());

/**
 * Decodes one event file's scalars into `metrics`. `plugins` remembers each tag's plugin across the
 * file: TensorFlow 2 writes a tag's metadata only with its first value.
 */
export function decodeEvents(buf: Uint8Array, metrics: Map<string, Points>): { records: number; problem: string | null } {
  const scan = readRecords(buf);
  const plugins = new Map<string, string>();
  for (const rec of scan.records) {
    const ev = EventMessage.decode(rec) as unknown as EventMsg;
    if (ev.what !== 'summary' || !ev.summary?.value) continue;
    const step = num(ev.step);
    for (const v of ev.summary.value) {
      const plugin = v.metadata?.pluginData?.pluginName;
      if (plugin) plugins.set(v.tag, plugin);
      if (v.value === 'simpleValue') pushPoint(metrics, v.tag, step, v.simpleValue!, ev.wallTime);
      else if (v.value === 'tensor') {
        const p = plugins.get(v.tag);
        if (p !== undefined && p !== 'scalars') continue;
        const x = scalarOfTensor(v.tensor!);
        if (x !== null) pushPoint(metrics, v.tag, step, x, ev.wallTime);
      }
    }
  }
  const p = scan.problem;
  const problem = p
    ? p.reason === 'truncated'
      ? `incomplete record at byte ${p.offset} of ${buf.length} (truncated, or still being written)`
      : `record at byte ${p.offset} fails its ${p.reason === 'length-crc' ? 'length' : 'data'} CRC-32C (corrupt)`
    : null;
  return { records: scan.records.length, problem };
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
      for (const [tag, p] of mine) for (let i = 0; i < p.steps.length; i++) pushPoint(metrics, tag, p.steps[i], p.values[i], p.walls[i]);
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
