// Zero-width intervals, and the words `creditlab compare` and the workbench's comparison view both show
// for them. A percentile bootstrap gives an interval of zero width when every resample yields one value:
// all runs scored the same, every run of one arm beat every run of the other (so P(X > Y) is `1 [1, 1]`),
// or every run reached γ (an optimality gap of 0 in every resample); a Student t interval has zero width
// when the paired differences are all equal. The interval then only repeats that the runs showed no
// spread; read without a note, `1 [1, 1]` at three runs looks like a certainty it is not. A curve's
// pointwise band closes the same way wherever all runs have one value (aggregateCurves lists where).
import type { StatName } from './aggregate';
import type { BandZeroWidthCause, ZeroWidthSpan } from './curves';
import { pairBySeed, type SeedScore } from './paired';

const NOT_CERTAINTY = 'an interval cannot show variation the runs did not show, so this is not certainty';

const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;

/** Bounds that exist and are the same number. Absent bounds (NaN, or null in JSON output) are no interval at all, not a zero-width one. */
export function isZeroWidth(ci: readonly [number | null, number | null]): boolean {
  const [lo, hi] = ci;
  return lo !== null && hi !== null && Number.isFinite(lo) && lo === hi;
}

const allEqual = (xs: readonly number[]) => xs.every((x) => x === xs[0]);

/**
 * Why the interval of `stat` over one arm's run scores has zero width, or null when it has width (or no
 * interval: one run). `threshold` is the optimality gap's γ.
 */
export function armZeroWidthNote(scores: readonly number[], stat: StatName, ci: readonly [number | null, number | null], threshold = 1): string | null {
  if (scores.length < 2 || !isZeroWidth(ci)) return null;
  const n = scores.length;
  if (allEqual(scores)) return `zero-width interval: all ${runs(n)} scored the same, so every resample gives the same value; ${NOT_CERTAINTY}`;
  if (stat === 'optimality-gap' && scores.every((x) => x >= threshold))
    return `zero-width interval: all ${runs(n)} reached γ=${threshold}, so no run falls short and every resample's gap is 0; ${NOT_CERTAINTY}`;
  return `zero-width interval: every resample of the ${runs(n)} gives the same value; ${NOT_CERTAINTY}`;
}

/**
 * Why the interval of P(a run of `arm` beats a run of `vs`) has zero width, or null when it has width.
 * The words are the same for (arm, vs) and (vs, arm), so a table showing both directions can give the
 * two cells one footnote.
 */
export function improvementZeroWidthNote(arm: string, scores: readonly number[], vs: string, vsScores: readonly number[], ci: readonly [number | null, number | null]): string | null {
  if (scores.length === 0 || vsScores.length === 0 || !isZeroWidth(ci)) return null;
  const beatsAll = (xs: readonly number[], ys: readonly number[]) => Math.min(...xs) > Math.max(...ys);
  const [win, winN, lose, loseN] = beatsAll(scores, vsScores)
    ? [arm, scores.length, vs, vsScores.length]
    : beatsAll(vsScores, scores)
      ? [vs, vsScores.length, arm, scores.length]
      : [null, 0, null, 0];
  if (win !== null)
    return `zero-width interval: every run of ${win} (${runs(winN)}) scored above every run of ${lose} (${runs(loseN)}), so every resample gives the same probability; ${NOT_CERTAINTY}`;
  // Order-independent naming: the same words for both directions.
  const [p, q] = [arm, vs].sort();
  if (allEqual([...scores, ...vsScores])) return `zero-width interval: every run of ${p} and ${q} scored the same, so every resample gives ½; ${NOT_CERTAINTY}`;
  return `zero-width interval: every resample of the runs of ${p} and ${q} gives the same probability; ${NOT_CERTAINTY}`;
}

/**
 * Why the interval of `arm` − `vs` matched by seed (as `pairedVs` makes it from these scores) has zero
 * width, or null when it has width. `threshold` is the optimality gap's γ, whose differences are of the
 * runs' shortfalls below it.
 */
export function pairedZeroWidthNote(
  armScores: readonly SeedScore[],
  vsScores: readonly SeedScore[],
  stat: StatName,
  ci: readonly [number | null, number | null],
  threshold = 1,
): string | null {
  if (!isZeroWidth(ci)) return null;
  const { pairs } = pairBySeed(armScores, vsScores);
  const short = (x: number) => threshold - Math.min(x, threshold);
  const diffs = pairs.map((p) => (stat === 'optimality-gap' ? short(p.a) - short(p.b) : p.diff));
  const what = stat === 'optimality-gap' ? `differences of the shortfall below γ=${threshold}` : 'differences';
  if (allEqual(diffs)) return `zero-width interval: all ${diffs.length} per-seed ${what} are equal, so the interval has no spread to show; ${NOT_CERTAINTY}`;
  return `zero-width interval: every resample of the ${diffs.length} per-seed ${what} gives the same value; ${NOT_CERTAINTY}`;
}

/** Why the band has zero width at one grid point (a row of an exported curve), by its span's cause. */
export function bandPointZeroWidthNote(span: Pick<ZeroWidthSpan, 'n' | 'cause'>, threshold = 1): string {
  return `zero-width band: ${bandCause(span.cause, span.n, threshold)} here; ${NOT_CERTAINTY}`;
}

function bandCause(cause: BandZeroWidthCause, n: number, threshold: number): string {
  if (cause === 'all-equal') return `all ${runs(n)} have the same value`;
  if (cause === 'all-reached') return `all ${runs(n)} are at or above γ=${threshold}, so every resample's gap is 0`;
  return `every resample of the ${runs(n)} gives the same value`;
}

/** Ranges of each cause listed before "and K more". */
const MAX_RANGES = 4;

/**
 * One line for a curve's zero-width stretches, e.g. "baseline: the band has zero width at env steps
 * 9000–10000 (all 5 runs have the same value there); …not certainty", or null when there are none.
 * `unit` names the x axis; `format` writes an x value.
 */
export function bandZeroWidthNote(
  arm: string,
  spans: readonly ZeroWidthSpan[],
  opts: { unit?: string; threshold?: number; format?: (x: number) => string } = {},
): string | null {
  if (spans.length === 0) return null;
  const format = opts.format ?? ((x: number) => String(x));
  const byWhy = new Map<string, string[]>();
  for (const z of spans) {
    const why = bandCause(z.cause, z.n, opts.threshold ?? 1);
    const ranges = byWhy.get(why) ?? [];
    byWhy.set(why, ranges);
    ranges.push(z.from === z.to ? format(z.from) : `${format(z.from)}–${format(z.to)}`);
  }
  const parts = [...byWhy].map(([why, ranges]) => {
    const listed = ranges.slice(0, MAX_RANGES).join(', ');
    const more = ranges.length > MAX_RANGES ? ` and ${ranges.length - MAX_RANGES} more range${ranges.length - MAX_RANGES === 1 ? '' : 's'}` : '';
    return `${listed}${more} (${why} there)`;
  });
  return `${arm}: the band has zero width at ${opts.unit ? `${opts.unit} ` : ''}${parts.join('; at ')}; ${NOT_CERTAINTY}`;
}
