// Content hashes for resolved runs. Pure JS (no node:crypto) so the renderer can compute them too.

/** Deeper values are refused with a clear error instead of overflowing the stack. */
export const MAX_STRINGIFY_DEPTH = 1000;

/** JSON with object keys sorted, so equal values always serialise (and hash) the same. */
export function stableStringify(value: unknown, depth = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (depth >= MAX_STRINGIFY_DEPTH) throw new Error(`stableStringify: value nested deeper than ${MAX_STRINGIFY_DEPTH} levels`);
  if (Array.isArray(value)) return '[' + value.map((v) => stableStringify(v, depth + 1)).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + stableStringify(obj[k], depth + 1)).join(',') + '}';
}

/** 128-bit non-cryptographic hash (four cyrb-style lanes), as 32 hex digits. */
export function hash128(text: string): string {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57, h3 = 0x9e3779b9, h4 = 0x85ebca6b;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
    h3 = Math.imul(h3 ^ c, 2246822507);
    h4 = Math.imul(h4 ^ c, 3266489909);
  }
  const mix = (a: number, b: number) => Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  const out = [mix(h1, h2), mix(h2, h3), mix(h3, h4), mix(h4, h1)];
  return out.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
}

export function hashValue(value: unknown): string {
  return hash128(stableStringify(value));
}
