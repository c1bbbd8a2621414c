// The statistics behind a comparison: per-group aggregate curves with their bootstrap band, per-seed
// lines, and the final-score tables. Pure and DOM-free: the stats worker runs it, and so can anything
// that wants the same numbers synchronously (tests, the benchmark's reference check).
//
// The work is a generator that yields between units (one group's curve, one group's unsmoothed
// curve, the score tables), so the worker can notice a cancellation between them.
import {
  aggregateCurves,
  armImprovement,
  armInterval,
  armZeroWidthNote,
  DEFAULT_REPS,
  extractScore,
  improvementZeroWidthNote,
  pairedVs,
  pairedZeroWidthNote,
  smoothSeries,
  type ArmInterval,
  type AggregatedCurve,
  type ArmDifference,
  type IntervalEstimate,
  type Series,
  type StatName,
} from '@creditlab/stats';

export type Band = 'ci' | 'none';
export type XAxis = 'step' | 'time';

/** Bootstrap replicates for curve bands (per grid point); the final-score tables use the CLI's default. */
export const CURVE_REPS = 500;
export const SCORE_REPS = DEFAULT_REPS;
export const POI_REPS = DEFAULT_REPS;
/** Per-seed lines are thinned to about this many points (see decimate); the aggregate is computed on the full data. */
export const MAX_LINE_POINTS = 800;

/** One run's points, as typed arrays so that posting them to the worker is a copy, not a walk. */
export interface RunInput {
  run: string;
  seed: number;
  /** Run start, seconds since the epoch; only read for the wall-time axis. */
  startedAt: number | null;
  steps: Float64Array;
  values: Float64Array;
  /** Wall-clock time of each point; sent only for the wall-time axis. */
  times: Float64Array | null;
}

export interface GroupInput {
  label: string;
  color: string;
  /** The runs' compute paths for the legend ("fused", "tfjs", "fused+tfjs"); absent when none is recorded. */
  compute?: string;
  runs: RunInput[];
}

export interface CurveSettings {
  stat: StatName;
  band: Band;
  smoothing: number;
  xAxis: XAxis;
}

export interface StatsRequest {
  groups: GroupInput[];
  curve: CurveSettings;
  /** Smoothed, thinned per-seed lines for the plot. */
  seedLines: boolean;
  /** Final-score, probability-of-improvement and paired tables; null skips them (the compact live plot). */
  scores: { paired: boolean; vs: string | null } | null;
}

export interface SeedLine {
  seed: number;
  x: number[];
  y: number[];
}

export interface GroupCurves {
  arm: string;
  color: string;
  /** Seeds of the runs in this group, ascending. */
  seeds: number[];
  /** Passed through from GroupInput. */
  compute?: string;
  curve: AggregatedCurve | null;
  /** The unsmoothed aggregate, drawn faintly under a smoothed curve. */
  raw: AggregatedCurve | null;
  lines: SeedLine[];
  error?: string;
}

export interface ScoreEstimate {
  arm: string;
  color: string;
  values: number[];
  /** NaN bounds for a single run (no interval); `method` says how the interval was made. */
  ci: ArmInterval;
  /** Why the interval has zero width, when it has: the words `creditlab compare` prints. */
  zeroWidth?: string;
}

export interface PairedRow {
  arm: string;
  color: string;
  d: ArmDifference | null;
  error?: string;
  /** Why the difference's interval has zero width, when it has. */
  zeroWidth?: string;
}

export interface ScoreTables {
  est: ScoreEstimate[];
  /** P(a run of x beats a run of y); `zeroWidth` says why its interval has zero width, when it has. */
  poi: { x: string; y: string; r: IntervalEstimate; zeroWidth?: string }[];
  paired: PairedRow[];
  vs: string | null;
}

export interface StatsResult {
  curves: GroupCurves[];
  scores: ScoreTables;
}

export const NO_SCORES: ScoreTables = { est: [], poi: [], paired: [], vs: null };

interface PreparedRun extends Series {
  seed: number;
}

/**
 * The series against seconds since the run's start. Points of one host batch share a timestamp, so the
 * time of each point is interpolated between batch anchors by step; x stays strictly increasing.
 */
export function toWallTime(steps: ArrayLike<number>, times: ArrayLike<number>, startedAt: number | null): number[] {
  const t0 = startedAt ?? (times.length ? times[0] : 0);
  const anchorSteps: number[] = [];
  const anchorTimes: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    const t = times[i];
    if (t === undefined) continue;
    if (anchorTimes.length && anchorTimes[anchorTimes.length - 1] === t) anchorSteps[anchorSteps.length - 1] = steps[i];
    else {
      anchorSteps.push(steps[i]);
      anchorTimes.push(t);
    }
  }
  const x: number[] = [];
  let k = 0;
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i];
    while (k < anchorSteps.length - 1 && anchorSteps[k] < st) k++;
    let t: number;
    if (anchorSteps.length === 0) t = t0;
    else if (k === 0 || anchorSteps[k] === anchorSteps[k - 1]) t = anchorTimes[k];
    else {
      const f = (st - anchorSteps[k - 1]) / (anchorSteps[k] - anchorSteps[k - 1]);
      t = anchorTimes[k - 1] + Math.max(0, Math.min(1, f)) * (anchorTimes[k] - anchorTimes[k - 1]);
    }
    const v = Math.max(0, t - t0);
    x.push(x.length && v <= x[x.length - 1] ? x[x.length - 1] + 1e-6 : v);
  }
  return x;
}

/**
 * A line of at most about `max` points that draws like the full one at screen resolution: the x range
 * is cut into max/2 equal buckets and each keeps its lowest and highest point, in their order, so a
 * one-point spike or collapse in a long run stays visible (every k-th point would drop it). A bucket
 * holding a missing value keeps one, so the line breaks there as the full line does. The first and last
 * points are always kept. The aggregate curves use every point; this is only what a seed line draws.
 */
export function decimate(steps: number[], values: number[], max: number): { x: number[]; y: number[] } {
  const n = steps.length;
  if (n <= max) return { x: steps, y: values };
  const buckets = Math.max(1, Math.floor(max / 2));
  const x0 = steps[0];
  const width = (steps[n - 1] - x0) / buckets;
  const keep: number[] = [0];
  let i = 1;
  for (let b = 0; b < buckets && i < n - 1; b++) {
    const end = b === buckets - 1 || !(width > 0) ? Infinity : x0 + (b + 1) * width;
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (; i < n - 1 && steps[i] < end; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) {
        if (gap < 0) gap = i;
      } else {
        if (lo < 0 || v < values[lo]) lo = i;
        if (hi < 0 || v > values[hi]) hi = i;
      }
    }
    for (const k of [lo, hi, gap].filter((k) => k >= 0).sort((a, b) => a - b)) if (k !== keep[keep.length - 1]) keep.push(k);
  }
  keep.push(n - 1);
  return { x: keep.map((k) => steps[k]), y: keep.map((k) => values[k]) };
}

function prepare(r: RunInput, xAxis: XAxis): PreparedRun {
  const values = Array.from(r.values);
  const steps = xAxis === 'time' && r.times ? toWallTime(r.steps, r.times, r.startedAt) : Array.from(r.steps);
  return { seed: r.seed, steps, values };
}

function seedScores(runs: readonly PreparedRun[]): { seed: number; value: number }[] {
  return runs.flatMap((r) => {
    const v = extractScore(r, 'last');
    return Number.isFinite(v) ? [{ seed: r.seed, value: v }] : [];
  });
}

/** The computation as units of work; the generator's return value is the result. */
export function* comparisonStatsSteps(req: StatsRequest): Generator<void, StatsResult, void> {
  const { stat, band, smoothing, xAxis } = req.curve;
  const smooth = smoothing > 0 ? ({ kind: 'ema', weight: smoothing } as const) : ({ kind: 'none' } as const);
  const prepared = req.groups.map((g) => [...g.runs].sort((a, b) => a.seed - b.seed).map((r) => prepare(r, xAxis)));
  const curves: GroupCurves[] = [];
  for (const [i, g] of req.groups.entries()) {
    const runs = prepared[i];
    const out: GroupCurves = { arm: g.label, color: g.color, seeds: runs.map((r) => r.seed), ...(g.compute ? { compute: g.compute } : {}), curve: null, raw: null, lines: [] };
    curves.push(out);
    if (runs.length === 0) continue;
    if (req.seedLines) {
      out.lines = runs.map((r) => {
        const s = smoothing > 0 ? smoothSeries(r, smooth) : r;
        return { seed: r.seed, ...decimate(s.steps, s.values, MAX_LINE_POINTS) };
      });
    }
    try {
      out.curve = aggregateCurves(runs, { stat, smooth, reps: band === 'ci' ? CURVE_REPS : 1, ci: 0.95, seed: 0 });
      if (smoothing > 0) {
        yield;
        out.raw = aggregateCurves(runs, { stat, reps: 1, seed: 0 });
      }
    } catch (e) {
      out.curve = null;
      out.raw = null;
      out.error = (e as Error).message;
    }
    yield;
  }
  const scores = req.scores ? scoreTables(curves, prepared, stat, req.scores) : NO_SCORES;
  return { curves, scores };
}

function scoreTables(curves: GroupCurves[], prepared: PreparedRun[][], stat: StatName, opts: { paired: boolean; vs: string | null }): ScoreTables {
  const perArm = curves
    .map((a, i) => ({ arm: a.arm, color: a.color, values: prepared[i].map((r) => extractScore(r, 'last')).filter(Number.isFinite) }))
    .filter((a) => a.values.length > 0);
  // The same functions and options as `creditlab compare --at last --stat S [--vs ARM]`, so the digits are the CLI's.
  // A zero-width interval carries the note `compare` prints for it.
  const zero = (note: string | null) => (note === null ? {} : { zeroWidth: note });
  const est = perArm.map((a) => {
    const ci = armInterval(a.arm, a.values, stat, { reps: SCORE_REPS, seed: 0 });
    return { ...a, ci, ...zero(armZeroWidthNote(a.values, stat, ci.ci)) };
  });
  const poi: ScoreTables['poi'] = [];
  if (perArm.length >= 2 && perArm.length <= 6) {
    for (const x of perArm)
      for (const y of perArm) {
        if (x.arm === y.arm) continue;
        const r = armImprovement(x.arm, x.values, y.arm, y.values, { reps: POI_REPS, seed: 0 });
        poi.push({ x: x.arm, y: y.arm, r, ...zero(improvementZeroWidthNote(x.arm, x.values, y.arm, y.values, r.ci)) });
      }
  }
  // Seed-matched differences against one group: the same function and options as
  // `creditlab compare --at last --stat S --vs ARM --paired`, so the numbers are the CLI's.
  const vsIndex = opts.paired && curves.length > 0 ? Math.max(0, curves.findIndex((a) => a.arm === opts.vs)) : -1;
  const paired: PairedRow[] = [];
  if (vsIndex >= 0) {
    const vs = curves[vsIndex];
    const vsScores = seedScores(prepared[vsIndex]);
    curves.forEach((a, i) => {
      if (i === vsIndex) return;
      try {
        const scores = seedScores(prepared[i]);
        const d = pairedVs(a.arm, scores, vs.arm, vsScores, stat, { reps: SCORE_REPS, seed: 0 });
        paired.push({ arm: a.arm, color: a.color, d, ...zero(pairedZeroWidthNote(scores, vsScores, stat, d.ci)) });
      } catch (e) {
        paired.push({ arm: a.arm, color: a.color, d: null, error: e instanceof Error ? e.message : String(e) });
      }
    });
  }
  return { est, poi, paired, vs: vsIndex >= 0 ? curves[vsIndex].arm : null };
}

/** The same computation in one go, on the calling thread. */
export function computeComparisonStats(req: StatsRequest): StatsResult {
  const steps = comparisonStatsSteps(req);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
