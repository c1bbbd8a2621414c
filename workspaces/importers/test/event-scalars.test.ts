// The wire-level scalar decoder against protobufjs's generated decoder of the same schema: on the
// tensorboardX fixtures, on random valid events (every summary form, packed and unpacked repeated
// fields, fields outside the schema), and on damaged bytes whose CRCs still hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import CRC32C from 'crc-32/crc32c';
import { TENSORBOARD_PROTO } from '../src/tensorboard-proto';
import { EventMessage, crc32c, decodeEvents, frameRecord, readRecords, type Points } from '../src/index';

// ---- the reference: protobufjs's full decode of each record, then the importer's documented rules ----

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

const num = (v: number | { toNumber(): number }) => (typeof v === 'number' ? v : v.toNumber());

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function scalarOfTensor(t: TensorMsg): number | null {
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
      return v === undefined ? null : num(v);
    }
    case 19:
      return view && c!.length >= 2 ? halfToFloat(view.getUint16(0, true)) : t.halfVal?.length ? halfToFloat(t.halfVal[0]) : null;
    default:
      return null;
  }
}

function referenceDecode(file: Uint8Array): { metrics: Map<string, Points>; records: number; problem: boolean } {
  const scan = readRecords(file);
  const metrics = new Map<string, Points>();
  const plugins = new Map<string, string>();
  const push = (tag: string, step: number, value: number, wall: number) => {
    let p = metrics.get(tag);
    if (!p) metrics.set(tag, (p = { steps: [], values: [], walls: [] }));
    p.steps.push(step);
    p.values.push(value);
    p.walls.push(wall);
  };
  for (const rec of scan.records) {
    const ev = EventMessage.decode(rec) as unknown as EventMsg;
    if (ev.what !== 'summary' || !ev.summary?.value) continue;
    const step = num(ev.step);
    for (const v of ev.summary.value) {
      const plugin = v.metadata?.pluginData?.pluginName;
      if (plugin) plugins.set(v.tag, plugin);
      if (v.value === 'simpleValue') push(v.tag, step, v.simpleValue!, ev.wallTime);
      else if (v.value === 'tensor') {
        const p = plugins.get(v.tag);
        if (p !== undefined && p !== 'scalars') continue;
        const x = scalarOfTensor(v.tensor!);
        if (x !== null) push(v.tag, step, x, ev.wallTime);
      }
    }
  }
  return { metrics, records: scan.records.length, problem: scan.problem !== null };
}

function fast(file: Uint8Array) {
  const metrics = new Map<string, Points>();
  const r = decodeEvents(file, metrics);
  return { metrics, records: r.records, problem: r.problem };
}

// ---- fixtures ----

function eventFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? eventFiles(p) : /^events\.out\.tfevents\./.test(n) ? [p] : [];
  });
}

test('tensorboardX fixtures: the same scalars, steps and wall times as the generated decoder (the truncated file up to its cut)', () => {
  const files = eventFiles(new URL('./fixtures/tb/', import.meta.url).pathname);
  assert.equal(files.length, 11);
  let points = 0;
  for (const f of files) {
    const buf = readFileSync(f);
    const ref = referenceDecode(buf);
    const got = fast(buf);
    assert.deepStrictEqual(got.metrics, ref.metrics, f);
    assert.equal(got.records, ref.records, f);
    assert.equal(got.problem !== null, ref.problem, f);
    for (const p of got.metrics.values()) points += p.steps.length;
  }
  assert.ok(points > 500, `${points} points`);
});

// ---- random valid events ----

// A writer's schema: the reader's, plus fields the reader does not know (the rest of TensorBoard's
// Event and Summary.Value), and every repeated number unpacked when asked.
function writerSchema(packed: boolean) {
  let src = TENSORBOARD_PROTO.replace('package creditlab.tb;', 'package writer.tb;')
    .replace('string file_version = 3;', 'string file_version = 3;\n    bytes graph_def = 4;\n    LogMessage log_message = 6;')
    .replace('int64 step = 2;', 'int64 step = 2;\n  bytes source_metadata = 10;\n  fixed32 unknown_i32 = 99;')
    .replace('TensorProto tensor = 8;', 'TensorProto tensor = 8;\n      bytes histo = 5;')
    .replace('SummaryMetadata metadata = 9;', 'SummaryMetadata metadata = 9;\n    string node_name = 7;')
    .replace('bytes content = 2;', 'bytes content = 2;\n    sint64 version = 3;');
  src += '\nmessage LogMessage {\n  int32 level = 1;\n  string message = 2;\n}\n';
  if (!packed) src = src.replace(/repeated (float|double|int32|int64) (\w+) = (\d+);/g, 'repeated $1 $2 = $3 [packed = false];');
  return protobuf.parse(src, { keepCase: false }).root.lookupType('writer.tb.Event');
}
const WRITERS = [writerSchema(true), writerSchema(false)];

/** Small deterministic generator (mulberry32), so a failure names a reproducible seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}

const TAGS = ['loss', 'charts/episodic_return', '', 'ümlaut/τ', 'a'.repeat(200), 'x/y/z', '🙂 reward'];
const PLUGINS = [undefined, 'scalars', 'histograms', 'text', ''];

function randomDouble(g: ReturnType<typeof rng>): number {
  switch (g.int(8)) {
    case 0:
      return 0;
    case 1:
      return -0;
    case 2:
      return g.pick([Infinity, -Infinity, NaN, Number.MAX_VALUE, Number.MIN_VALUE, -1e-310]);
    case 3: {
      const b = new Uint8Array(8);
      for (let i = 0; i < 8; i++) b[i] = g.int(256);
      return new DataView(b.buffer).getFloat64(0, true);
    }
    default:
      return (g.next() - 0.5) * 10 ** (g.int(20) - 8);
  }
}

function randomStep(g: ReturnType<typeof rng>): number | string {
  switch (g.int(5)) {
    case 0:
      return g.int(100);
    case 1:
      return -g.int(1e6) - 1;
    case 2:
      return g.pick(['9007199254740993', '-9223372036854775808', '9223372036854775807', '4294967296', '-4294967297']);
    default:
      return g.int(2 ** 31) * g.int(4);
  }
}

function randomTensor(g: ReturnType<typeof rng>): object {
  const dtype = g.pick([1, 2, 3, 9, 19, 7, 0]);
  const t: Record<string, unknown> = { dtype };
  if (g.int(4) === 0) t.tensorShape = { dim: g.int(2) ? [{ size: 3 }] : [] };
  const n = g.int(3);
  const content = g.int(2) === 0;
  const bytes = (k: number) => Uint8Array.from({ length: k }, () => g.int(256));
  if (content) t.tensorContent = bytes(g.pick([0, 1, 2, 3, 4, 8, 12]));
  if (g.int(3)) t.floatVal = Array.from({ length: n }, () => Math.fround(randomDouble(g)));
  if (g.int(3)) t.doubleVal = Array.from({ length: n }, () => randomDouble(g));
  if (g.int(3)) t.intVal = Array.from({ length: n }, () => g.int(2 ** 32) - 2 ** 31);
  if (g.int(3)) t.int64Val = Array.from({ length: n }, () => randomStep(g));
  if (g.int(3)) t.halfVal = Array.from({ length: n }, () => g.int(65536));
  return t;
}

function randomEvent(g: ReturnType<typeof rng>): object {
  const ev: Record<string, unknown> = { wallTime: randomDouble(g), step: randomStep(g) };
  if (g.int(4) === 0) ev.sourceMetadata = new Uint8Array([1, 2, 3]);
  if (g.int(4) === 0) ev.unknownI32 = g.int(1000);
  switch (g.int(6)) {
    case 0:
      ev.fileVersion = 'brain.Event:2';
      return ev;
    case 1:
      ev.logMessage = { level: 2, message: 'hello' };
      return ev;
    case 2:
      ev.graphDef = new Uint8Array(g.int(50));
      return ev;
  }
  const values = Array.from({ length: g.int(4) }, () => {
    const v: Record<string, unknown> = { tag: g.pick(TAGS) };
    const plugin = g.pick(PLUGINS);
    if (plugin !== undefined) v.metadata = { pluginData: { pluginName: plugin, content: new Uint8Array(g.int(5)), version: -3 } };
    if (g.int(5) === 0) v.nodeName = 'node';
    const kind = g.int(5);
    if (kind < 2) v.simpleValue = Math.fround(randomDouble(g));
    else if (kind < 4) v.tensor = randomTensor(g);
    else if (g.int(2)) v.histo = new Uint8Array([9, 9]);
    return v;
  });
  ev.summary = { value: values };
  return ev;
}

test('random valid events: identical to the generated decoder (1,000 files, packed and unpacked, unknown fields)', () => {
  let points = 0;
  for (let seed = 1; seed <= 1000; seed++) {
    const g = rng(seed);
    const writer = WRITERS[seed % 2];
    const recs = Array.from({ length: 1 + g.int(12) }, () => frameRecord(writer.encode(writer.fromObject(randomEvent(g))).finish()));
    const file = new Uint8Array(recs.reduce((n, r) => n + r.length, 0));
    recs.reduce((o, r) => (file.set(r, o), o + r.length), 0);
    const ref = referenceDecode(file);
    const got = fast(file);
    assert.equal(got.problem, null, `seed ${seed}`);
    assert.equal(got.records, ref.records, `seed ${seed}`);
    // deepStrictEqual compares numbers with Object.is: NaN equals NaN, and -0 differs from 0.
    assert.deepStrictEqual(got.metrics, ref.metrics, `seed ${seed}`);
    for (const p of got.metrics.values()) points += p.steps.length;
  }
  assert.ok(points > 1500, `${points} points`);
});

// ---- damaged bytes behind valid CRCs ----

test('records that are not Events (valid CRCs) leave the file out with a message, never an exception', () => {
  const ok = frameRecord(EventMessage.encode(EventMessage.fromObject({ wallTime: 1, step: 1, summary: { value: [{ tag: 'x', simpleValue: 1 }] } })).finish());
  const cases: [string, number[]][] = [
    ['a varint cut by the end of the record', [0x10, 0xff]],
    ['a length running past the record', [0x2a, 0x05, 0x0a]],
    ['wire type 7', [0x0f]],
    ['field number 0', [0x00, 0x01]],
    ['a tag that is not UTF-8', [0x2a, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0xc3, 0x28]],
    ['step sent as a length-delimited field', [0x12, 0x01, 0x00]],
  ];
  for (const [what, bytes] of cases) {
    const file = new Uint8Array([...ok, ...frameRecord(Uint8Array.from(bytes)), ...ok]);
    const metrics = new Map<string, Points>();
    const r = decodeEvents(file, metrics);
    assert.match(r.problem ?? '', new RegExp(`^record at byte ${ok.length} is not a valid Event \\(`), what);
    assert.equal(r.records, 1, what);
  }
  // Random bytes: a problem or a decode, but never a throw.
  const g = rng(7);
  for (let i = 0; i < 3000; i++) {
    const junk = Uint8Array.from({ length: 1 + g.int(40) }, () => g.int(256));
    assert.doesNotThrow(() => decodeEvents(frameRecord(junk), new Map()));
  }
});

test('CRC-32C over any byte range equals the crc-32 package on that range', () => {
  const g = rng(3);
  const buf = Uint8Array.from({ length: 4096 }, () => g.int(256));
  for (let i = 0; i < 500; i++) {
    const start = g.int(200);
    const end = start + g.pick([0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, g.int(3800)]);
    assert.equal(crc32c(buf, start, end), CRC32C.buf(buf.subarray(start, end)) >>> 0, `[${start}, ${end})`);
  }
});
