// Exact, JSON-safe snapshots of plain training state (envs, generators, normalisers, counters) and
// their restoration in place, so a resumed run continues bit for bit where its checkpoint was taken.
// Objects are walked through their own fields: an env class's private state (its generator, its step
// counter) is captured without every class having to list it. Typed arrays go as base64 of their bytes
// and non-finite numbers and −0 are tagged, because JSON would otherwise change them.
//
// Restoring writes into the existing objects (same classes, same shared references, e.g. a frozen
// normaliser view that inherits from the live one); fields the snapshot lacks are left alone.

type Snap = null | boolean | string | number | Snap[] | { [k: string]: Snap };

const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[TypedName]>;

function typedName(x: unknown): TypedName | null {
  if (!ArrayBuffer.isView(x) || x instanceof DataView) return null;
  const name = x.constructor.name as TypedName;
  return name in TYPED ? name : null;
}

function bytesToBase64(x: Typed): string {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
}

function base64ToTyped(name: TypedName, b64: string): Typed {
  const bytes = Buffer.from(b64, 'base64');
  const C = TYPED[name];
  const out = new C(bytes.byteLength / C.BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function num(x: number): Snap {
  if (Number.isFinite(x) && !Object.is(x, -0)) return x;
  return { $num: Object.is(x, -0) ? '-0' : String(x) };
}

/** A JSON-safe copy of `value`. Functions are skipped; a Map becomes its entries; cycles are an error. */
export function snapshot(value: unknown, seen = new Set<object>()): Snap {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return num(value);
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (typeof value !== 'object') return null;
  const tn = typedName(value);
  if (tn) return { $typed: tn, b64: bytesToBase64(value as Typed) };
  if (seen.has(value)) throw new Error('snapshot: a cycle in the state (an object reachable from itself)');
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => snapshot(v, seen));
    if (value instanceof Map) return { $map: [...value.entries()].map(([k, v]) => [snapshot(k, seen), snapshot(v, seen)]) };
    if (value instanceof Set) return { $set: [...value].map((v) => snapshot(v, seen)) };
    const out: Record<string, Snap> = {};
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (typeof v === 'function') continue;
      out[k] = snapshot(v, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The value a snapshot stands for, as fresh objects (plain objects for class instances). */
export function fromSnapshot(s: Snap): unknown {
  if (s === null || typeof s !== 'object') return s;
  if (Array.isArray(s)) return s.map(fromSnapshot);
  if ('$num' in s) return Number(s.$num);
  if ('$bigint' in s) return BigInt(s.$bigint as string);
  if ('$typed' in s) return base64ToTyped(s.$typed as TypedName, s.b64 as string);
  if ('$map' in s) return new Map((s.$map as Snap[][]).map(([k, v]) => [fromSnapshot(k), fromSnapshot(v)]));
  if ('$set' in s) return new Set((s.$set as Snap[]).map(fromSnapshot));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) out[k] = fromSnapshot(v);
  return out;
}

/**
 * Writes a snapshot back into `target` in place and returns the value to store where `target` was
 * (the same object when it could be restored in place). Typed arrays of the same type and length are
 * overwritten, arrays and objects are restored element by element into what is there.
 */
export function restoreInto<T>(target: T, s: Snap): T {
  if (s === null || typeof s !== 'object') return s as T;
  if (Array.isArray(s)) {
    if (!Array.isArray(target)) return fromSnapshot(s) as T;
    target.length = s.length;
    for (let i = 0; i < s.length; i++) target[i] = restoreInto(target[i], s[i]);
    return target;
  }
  if ('$typed' in s) {
    const v = base64ToTyped(s.$typed as TypedName, s.b64 as string);
    if (typedName(target) === s.$typed && (target as Typed).length === v.length) {
      (target as Typed).set(v as never);
      return target;
    }
    return v as T;
  }
  if ('$num' in s || '$bigint' in s || '$map' in s || '$set' in s) {
    if (target instanceof Map && '$map' in s) {
      target.clear();
      for (const [k, v] of (s.$map as Snap[][])) target.set(fromSnapshot(k), fromSnapshot(v));
      return target;
    }
    return fromSnapshot(s) as T;
  }
  if (target === null || typeof target !== 'object' || ArrayBuffer.isView(target)) return fromSnapshot(s) as T;
  const obj = target as Record<string, unknown>;
  for (const [k, v] of Object.entries(s)) {
    const restored = restoreInto(obj[k], v);
    if (restored !== obj[k]) obj[k] = restored;
  }
  return target;
}

export type { Snap as Snapshot };
