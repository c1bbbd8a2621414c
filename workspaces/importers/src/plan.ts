// What an importer found, before anything is written: runs with their arm, seed and scalar series,
// and every file or line that could not be used. The store writes a plan; the UI previews one.
import type { ImportPreview } from '@creditlab/api';

export type ImportKind = 'tensorboard' | 'csv' | 'wandb-csv';

export interface ImportSource {
  kind: ImportKind;
  /** Absolute path of the log folder or CSV file. */
  path: string;
  /** The `--group` regular expression, when one was given. */
  group?: string;
}

export interface Points {
  steps: number[];
  values: number[];
  /** Wall time of each point in seconds since the epoch; NaN where the source has none. */
  walls: number[];
}

/**
 * A run's series as the store reads them: Points, or the Float64Arrays a folder decoded on the worker
 * thread arrives as (decode-pool.ts; not copied back into arrays).
 */
export interface Series {
  steps: number[] | Float64Array;
  values: number[] | Float64Array;
  walls: number[] | Float64Array;
}

export interface PlannedRun {
  /** Stable identity inside the source (a folder path relative to the log folder, or a CSV run name). */
  key: string;
  arm: string;
  seed: number;
  metrics: Map<string, Series>;
  files: string[];
}

export interface ImportProblem {
  path: string;
  message: string;
  /** True when data was left out because of it (the command then exits 1). */
  skipped: boolean;
}

export interface ImportPlan {
  source: ImportSource;
  runs: PlannedRun[];
  problems: ImportProblem[];
}

export type { ImportPreview };

export function previewOf(plan: ImportPlan): ImportPreview {
  const arms = new Map<string, number[]>();
  const metrics = new Set<string>();
  let points = 0;
  const runs = plan.runs.map((r) => {
    (arms.get(r.arm) ?? arms.set(r.arm, []).get(r.arm)!).push(r.seed);
    let n = 0;
    for (const [m, p] of r.metrics) {
      metrics.add(m);
      n += p.steps.length;
    }
    points += n;
    return { key: r.key, arm: r.arm, seed: r.seed, metrics: r.metrics.size, points: n };
  });
  return {
    source: plan.source,
    arms: [...arms].map(([name, seeds]) => ({ name, seeds: [...seeds].sort((a, b) => a - b) })),
    runs,
    metrics: [...metrics].sort(),
    points,
    problems: plan.problems,
  };
}

export function pushPoint(metrics: Map<string, Points>, metric: string, step: number, value: number, wall: number): void {
  let p = metrics.get(metric);
  if (!p) metrics.set(metric, (p = { steps: [], values: [], walls: [] }));
  p.steps.push(step);
  p.values.push(value);
  p.walls.push(wall);
}

/** Appends `more` to the metric's points (taking `more` itself when the metric is new). */
export function appendPoints(metrics: Map<string, Points>, metric: string, more: Points): void {
  const p = metrics.get(metric);
  if (!p) {
    metrics.set(metric, more);
    return;
  }
  for (let i = 0; i < more.steps.length; i++) {
    p.steps.push(more.steps[i]);
    p.values.push(more.values[i]);
    p.walls.push(more.walls[i]);
  }
}

// Control characters never reach names shown in tables and terminals.
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '').trim();

export class GroupError extends Error {}

/** Compiles `--group`: it must name an `arm` group; a `seed` group is optional. */
export function compileGroup(source: string): RegExp {
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (e) {
    throw new GroupError(`--group is not a valid regular expression: ${(e as Error).message}`);
  }
  if (!/\(\?<arm>/.test(source)) throw new GroupError('--group needs a named group (?<arm>…); (?<seed>…) is optional');
  return re;
}

export interface Named {
  key: string;
  /** What the default rule reads the arm from, and the run name whose trailing integer is the seed. */
  arm: string;
  name: string;
}

/** What one run's name asks for, before other runs are known: its arm and seed (null: numbered later). */
export interface Wanted {
  key: string;
  arm: string;
  seed: number | null;
}

/**
 * The arm and seed a run's name asks for (the first half of assignArmsAndSeeds); null when `group` does not
 * match. Problems with the name itself are pushed to `problems`.
 */
export function wantedOf(n: Named, group: RegExp | null, problems: ImportProblem[]): Wanted | null {
  if (group) {
    const m = group.exec(n.key);
    const arm = m?.groups?.arm !== undefined ? clean(m.groups.arm) : '';
    if (!m || !arm) {
      problems.push({ path: n.key, message: `does not match --group ${group.source} (no arm); left out`, skipped: true });
      return null;
    }
    const s = m.groups?.seed;
    const seed = s !== undefined && /^\d+$/.test(s) ? Number(s) : null;
    if (s !== undefined && seed === null) problems.push({ path: n.key, message: `seed group matched "${s}", not an integer; numbered instead`, skipped: false });
    return { key: n.key, arm, seed };
  }
  const t = /(\d+)$/.exec(n.name);
  return { key: n.key, arm: clean(n.arm) || 'imported', seed: t ? Number(t[1]) : null };
}

/**
 * Whether the run at `i` of `wanted` (in source order) keeps the seed it asks for, whichever of the
 * other runs turn out to be runs: a safe-integer seed that no earlier run still in question (`present`
 * not false) asks for in the same arm. Such a run's assignment is final as soon as it is known to be a
 * run, so it can be written before the rest of the source is read.
 */
export function keepsItsSeed(wanted: readonly (Wanted | null)[], present: readonly (boolean | undefined)[], i: number): boolean {
  const w = wanted[i];
  if (!w || w.seed === null || !Number.isSafeInteger(w.seed)) return false;
  for (let j = 0; j < i; j++) {
    const o = wanted[j];
    if (o && present[j] !== false && o.arm === w.arm && o.seed === w.seed) return false;
  }
  return true;
}

/**
 * Gives each run its arm and seed. With a group expression, its named groups decide (runs it does not
 * match are reported and left out); otherwise `named.arm` is the arm and the run name's trailing
 * integer the seed, else the next unused index in that arm. A seed already taken in an arm moves to the
 * next unused one, and the plan says so: paired comparisons match runs by seed.
 */
export function assignArmsAndSeeds(named: Named[], group: RegExp | null, problems: ImportProblem[]): Map<string, { arm: string; seed: number }> {
  const out = new Map<string, { arm: string; seed: number }>();
  const wanted: Wanted[] = [];
  for (const n of named) {
    const w = wantedOf(n, group, problems);
    if (w) wanted.push(w);
  }
  const used = new Map<string, Set<number>>();
  const taken = (arm: string) => used.get(arm) ?? used.set(arm, new Set()).get(arm)!;
  const later: typeof wanted = [];
  for (const w of wanted) {
    if (w.seed !== null && Number.isSafeInteger(w.seed) && !taken(w.arm).has(w.seed)) {
      taken(w.arm).add(w.seed);
      out.set(w.key, { arm: w.arm, seed: w.seed });
    } else {
      if (w.seed !== null) problems.push({ path: w.key, message: `seed ${w.seed} is already used in arm "${w.arm}"; numbered instead`, skipped: false });
      later.push(w);
    }
  }
  for (const w of later) {
    const s = taken(w.arm);
    let seed = 0;
    while (s.has(seed)) seed++;
    s.add(seed);
    out.set(w.key, { arm: w.arm, seed });
  }
  return out;
}
