// Grouping runs by a config key: dotted paths into a run's resolved config (`algo.learningRate`,
// `reward.shaping`), and the keys whose value differs between runs (the ones worth grouping by).

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** `algo.learningRate` in the run's config; falls back to the resolved run itself (`seed`, `budget.steps`). */
export function configValue(resolved: unknown, path: string): unknown {
  const get = (root: unknown) => {
    let cur = root;
    for (const k of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || !(k in cur)) return undefined;
      cur = (cur as Record<string, unknown>)[k];
    }
    return cur;
  };
  const inConfig = isObj(resolved) ? get(resolved.config) : undefined;
  return inConfig !== undefined ? inConfig : get(resolved);
}

export function formatConfigValue(v: unknown): string {
  if (v === undefined) return 'unset';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 48 ? s.slice(0, 45) + '…' : s;
}

/** Leaf paths of a config; arrays count as one value (`reward.shaping` compares as a whole). */
function leaves(v: unknown, prefix: string, out: Map<string, string>): void {
  if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
    // The object itself is a groupable key too (`reward` as a whole).
    if (prefix) out.set(prefix, JSON.stringify(v));
  } else if (prefix) out.set(prefix, JSON.stringify(v));
}

/** Config keys with more than one distinct value across the given resolved runs, leaves first. */
export function varyingKeys(resolved: unknown[]): string[] {
  const values = new Map<string, Set<string>>();
  const keys = new Set<string>();
  for (const r of resolved) {
    const m = new Map<string, string>();
    leaves(isObj(r) ? r.config : undefined, '', m);
    for (const k of m.keys()) keys.add(k);
    for (const k of keys) {
      let set = values.get(k);
      if (!set) values.set(k, (set = new Set()));
      set.add(m.get(k) ?? 'undefined');
    }
  }
  // A key missing from earlier runs must count as "unset" there too.
  for (const k of keys) if (resolved.some((r) => !isObj(r) || configValue(r, k) === undefined)) values.get(k)!.add('undefined');
  const varying = [...keys].filter((k) => values.get(k)!.size > 1 && !k.startsWith('reward.source'));
  // The most specific keys first: `algo.learningRate` says more than `algo`, which varies because of it.
  const isContainer = (k: string) => varying.some((x) => x.startsWith(k + '.'));
  return varying.sort((a, b) => Number(isContainer(a)) - Number(isContainer(b)) || a.localeCompare(b));
}
