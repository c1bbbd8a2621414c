// Decodes the scalar subset of TensorBoard `Event` records (the schema in tensorboard-proto.ts) straight
// from the wire with protobufjs's Reader: wall time, step, and each summary value's tag with its v1
// `simple_value` or v2 rank-0 tensor. Nothing is allocated per event: one Reader walks the whole file,
// nested messages are visited by byte range, and a tag's bytes are looked up (not decoded) once seen.
// Fields outside that subset are skipped by wire type. The generated decoder of the same schema is the
// reference it is tested against (test/event-scalars.test.ts).
import protobuf from 'protobufjs';
import type { Points } from './plan';

const { Reader } = protobuf;
type Reader = protobuf.Reader;

// Wire types.
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** A record whose bytes are not an Event of the schema (its CRC held, so it was written that way). */
export class MalformedEventError extends Error {}

/** int64 varint as a number (two's complement; beyond 2^53 it rounds, as Long#toNumber does). */
function readInt64(r: Reader): number {
  const buf = r.buf;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let b = 0;
  let shift = 0;
  for (; shift < 28; shift += 7) {
    if (pos >= r.len) throw new MalformedEventError('varint runs past the end of its message');
    b = buf[pos++];
    lo |= (b & 127) << shift;
    if (b < 128) {
      r.pos = pos;
      return lo >>> 0;
    }
  }
  if (pos >= r.len) throw new MalformedEventError('varint runs past the end of its message');
  b = buf[pos++];
  lo |= (b & 15) << 28;
  hi = (b & 127) >> 4;
  for (shift = 3; b >= 128; shift += 7) {
    if (shift > 31) throw new MalformedEventError('varint longer than 10 bytes');
    if (pos >= r.len) throw new MalformedEventError('varint runs past the end of its message');
    b = buf[pos++];
    hi |= (b & 127) << shift;
  }
  r.pos = pos;
  return (hi | 0) * 4294967296 + (lo >>> 0);
}

/** Length of a length-delimited field; the reader is left at its first byte. */
function enter(r: Reader): number {
  const n = r.uint32();
  const end = r.pos + n;
  if (end > r.len) throw new MalformedEventError('a field runs past the end of its message');
  return end;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

// First element of a repeated numeric TensorProto field, packed or not (later elements are read only
// to check the message is well formed).
const NONE = Symbol('none');
type First = number | typeof NONE;

function firstFixed(r: Reader, wire: number, size: 4 | 8, have: First): First {
  if (wire === (size === 4 ? I32 : I64)) {
    const v = size === 4 ? r.float() : r.double();
    return have === NONE ? v : have;
  }
  if (wire !== LEN) throw new MalformedEventError('numeric field with a wrong wire type');
  const end = enter(r);
  if ((end - r.pos) % size) throw new MalformedEventError('packed field of a partial element');
  let out = have;
  if (out === NONE && r.pos < end) out = size === 4 ? r.float() : r.double();
  r.pos = end;
  return out;
}

function firstVarint(r: Reader, wire: number, read: (r: Reader) => number, have: First): First {
  if (wire === VARINT) {
    const v = read(r);
    return have === NONE ? v : have;
  }
  if (wire !== LEN) throw new MalformedEventError('numeric field with a wrong wire type');
  const end = enter(r);
  const len = r.len;
  r.len = end;
  let out = have;
  while (r.pos < end) {
    const v = read(r);
    if (out === NONE) out = v;
  }
  r.len = len;
  return out;
}

const int32 = (r: Reader) => r.int32();

// Little-endian floats are read from a copy of their bytes, so a misaligned tensor_content costs no view.
const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/** The number a rank-0 numeric TensorProto in `[start, end)` holds, or null when it is not one. */
function tensorScalar(r: Reader, start: number, end: number): number | null {
  const len = r.len;
  r.pos = start;
  r.len = end;
  let dtype = 0;
  let ranked = false;
  let cs = -1;
  let ce = -1;
  let f32: First = NONE;
  let f64: First = NONE;
  let i32: First = NONE;
  let i64: First = NONE;
  let f16: First = NONE;
  while (r.pos < end) {
    const tag = r.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wire !== VARINT) throw new MalformedEventError('dtype with a wrong wire type');
        dtype = r.int32();
        break;
      case 2: {
        // TensorShapeProto: any `dim` makes it rank >= 1. A repeated shape field replaces the previous one.
        if (wire !== LEN) throw new MalformedEventError('tensor_shape with a wrong wire type');
        const e = enter(r);
        r.len = e;
        ranked = false;
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 2 && (t & 7) === LEN) ranked = true;
          r.skipType(t & 7, 1, t >>> 3);
        }
        r.len = end;
        break;
      }
      case 4:
        if (wire !== LEN) throw new MalformedEventError('tensor_content with a wrong wire type');
        ce = enter(r);
        cs = r.pos;
        r.pos = ce;
        break;
      case 5:
        f32 = firstFixed(r, wire, 4, f32);
        break;
      case 6:
        f64 = firstFixed(r, wire, 8, f64);
        break;
      case 7:
        i32 = firstVarint(r, wire, int32, i32);
        break;
      case 10:
        i64 = firstVarint(r, wire, readInt64, i64);
        break;
      case 13:
        f16 = firstVarint(r, wire, int32, f16);
        break;
      default:
        r.skipType(wire, 0, tag >>> 3);
    }
  }
  r.len = len;
  if (ranked) return null;
  const n = ce - cs;
  const b = r.buf;
  // tensor_content is little-endian packed values; when it is empty the typed repeated field holds them.
  switch (dtype) {
    case 1:
      if (n >= 4) {
        for (let k = 0; k < 4; k++) scratch[k] = b[cs + k];
        return scratchView.getFloat32(0, true);
      }
      return f32 === NONE ? null : f32;
    case 2:
      if (n >= 8) {
        for (let k = 0; k < 8; k++) scratch[k] = b[cs + k];
        return scratchView.getFloat64(0, true);
      }
      return f64 === NONE ? null : f64;
    case 3:
      if (n >= 4) return b[cs] | (b[cs + 1] << 8) | (b[cs + 2] << 16) | (b[cs + 3] << 24);
      return i32 === NONE ? null : i32;
    case 9:
      if (n >= 8) return (b[cs + 4] | (b[cs + 5] << 8) | (b[cs + 6] << 16) | (b[cs + 7] << 24)) * 4294967296 + ((b[cs] | (b[cs + 1] << 8) | (b[cs + 2] << 16) | (b[cs + 3] << 24)) >>> 0);
      return i64 === NONE ? null : i64;
    case 19:
      if (n >= 2) return halfToFloat(b[cs] | (b[cs + 1] << 8));
      return f16 === NONE ? null : halfToFloat(f16);
    default:
      return null;
  }
}

/** `SummaryMetadata.plugin_data.plugin_name` in `[start, end)`, '' when absent. */
function pluginName(r: Reader, start: number, end: number): string {
  const len = r.len;
  r.pos = start;
  r.len = end;
  let ps = -1;
  let pe = -1;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) {
      pe = enter(r);
      ps = r.pos;
      r.pos = pe;
    } else r.skipType(tag & 7, 0, tag >>> 3);
  }
  let name = '';
  if (ps >= 0) {
    r.pos = ps;
    r.len = pe;
    while (r.pos < pe) {
      const tag = r.tag();
      if (tag === ((1 << 3) | LEN)) name = r.stringVerify();
      else r.skipType(tag & 7, 0, tag >>> 3);
    }
  }
  r.len = len;
  return name;
}

interface TagState {
  tag: string;
  /** The tag's plugin, from the first value that named one (TensorFlow 2 names it only once). */
  plugin: string | undefined;
  points: Points | null;
}

interface TagEntry {
  bytes: Uint8Array;
  state: TagState;
  /** The entry that followed this one last time: writers log the same tags in the same order every step. */
  next: TagEntry | null;
}

// Hot paths avoid closures: tsx compiles with esbuild's keepNames, which names each closure as it is made.
function sameBytes(t: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (t.length !== end - start) return false;
  for (let i = 0; i < t.length; i++) if (t[i] !== b[start + i]) return false;
  return true;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * The scalars of one event file's records, by tag. Tags are recognised by their bytes: each distinct
 * byte string is decoded (and checked to be UTF-8, as proto3 requires) once per file.
 */
export class ScalarDecoder {
  private readonly r: Reader;
  private readonly byHash = new Map<number, TagEntry[]>();
  private readonly byTag = new Map<string, TagState>();
  private last: TagEntry | null = null;

  constructor(private readonly buf: Uint8Array) {
    this.r = Reader.create(buf);
  }

  /** Every tag with at least one point, in the order first seen. */
  metrics(): Map<string, Points> {
    const out = new Map<string, Points>();
    for (const [tag, s] of this.byTag) if (s.points) out.set(tag, s.points);
    return out;
  }

  /** Decodes the Event in `buf[start, end)`; throws MalformedEventError (or protobufjs's RangeError/Error). */
  event(start: number, end: number): void {
    const r = this.r;
    r.pos = start;
    r.len = end;
    let wall = 0;
    let step = 0;
    let ss = -1;
    let se = -1;
    while (r.pos < end) {
      const tag = r.tag();
      const wire = tag & 7;
      switch (tag >>> 3) {
        case 1:
          if (wire !== I64) throw new MalformedEventError('wall_time with a wrong wire type');
          wall = r.double();
          break;
        case 2:
          if (wire !== VARINT) throw new MalformedEventError('step with a wrong wire type');
          step = readInt64(r);
          break;
        case 3:
          // file_version: the other member of the `what` oneof; the last one present wins.
          if (wire !== LEN) throw new MalformedEventError('file_version with a wrong wire type');
          r.pos = enter(r);
          ss = se = -1;
          break;
        case 5:
          if (wire !== LEN) throw new MalformedEventError('summary with a wrong wire type');
          se = enter(r);
          ss = r.pos;
          r.pos = se;
          break;
        default:
          r.skipType(wire, 0, tag >>> 3);
      }
    }
    if (ss >= 0) this.summary(ss, se, step, wall);
  }

  private summary(start: number, end: number, step: number, wall: number): void {
    const r = this.r;
    r.pos = start;
    r.len = end;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === ((1 << 3) | LEN)) {
        const ve = enter(r);
        this.value(r.pos, ve, step, wall);
        r.pos = ve;
        r.len = end;
      } else r.skipType(tag & 7, 0, tag >>> 3);
    }
  }

  private value(start: number, end: number, step: number, wall: number): void {
    const r = this.r;
    r.len = end;
    let ts = start;
    let te = start;
    let kind = 0;
    let simple = 0;
    let xs = -1;
    let xe = -1;
    let ms = -1;
    let me = -1;
    while (r.pos < end) {
      const tag = r.tag();
      const wire = tag & 7;
      switch (tag >>> 3) {
        case 1:
          if (wire !== LEN) throw new MalformedEventError('tag with a wrong wire type');
          te = enter(r);
          ts = r.pos;
          r.pos = te;
          break;
        case 2:
          if (wire !== I32) throw new MalformedEventError('simple_value with a wrong wire type');
          simple = r.float();
          kind = 2;
          break;
        case 8:
          if (wire !== LEN) throw new MalformedEventError('tensor with a wrong wire type');
          xe = enter(r);
          xs = r.pos;
          r.pos = xe;
          kind = 8;
          break;
        case 9:
          if (wire !== LEN) throw new MalformedEventError('metadata with a wrong wire type');
          me = enter(r);
          ms = r.pos;
          r.pos = me;
          break;
        default:
          r.skipType(wire, 0, tag >>> 3);
      }
    }
    const state = this.lookup(ts, te);
    if (ms >= 0) {
      const plugin = pluginName(r, ms, me);
      if (plugin) state.plugin = plugin;
    }
    let x: number | null = null;
    if (kind === 2) x = simple;
    else if (kind === 8 && (state.plugin === undefined || state.plugin === 'scalars')) x = tensorScalar(r, xs, xe);
    if (x === null) return;
    let p = state.points;
    if (!p) p = state.points = { steps: [], values: [], walls: [] };
    p.steps.push(step);
    p.values.push(x);
    p.walls.push(wall);
  }

  private lookup(start: number, end: number): TagState {
    const b = this.buf;
    const prev = this.last;
    const guess = prev ? prev.next : null;
    if (guess && sameBytes(guess.bytes, b, start, end)) return (this.last = guess).state;
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    let bucket = this.byHash.get(h);
    if (bucket)
      for (const e of bucket)
        if (sameBytes(e.bytes, b, start, end)) {
          if (prev) prev.next = e;
          return (this.last = e).state;
        }
    let tag: string;
    try {
      tag = strict.decode(b.subarray(start, end));
    } catch {
      throw new MalformedEventError('a tag is not valid UTF-8');
    }
    // Strict UTF-8 decoding is one-to-one, so each tag string has exactly one entry.
    const state: TagState = { tag, plugin: undefined, points: null };
    this.byTag.set(tag, state);
    const entry: TagEntry = { bytes: b.slice(start, end), state, next: null };
    if (!bucket) this.byHash.set(h, (bucket = []));
    bucket.push(entry);
    if (prev) prev.next = entry;
    this.last = entry;
    return state;
  }
}
