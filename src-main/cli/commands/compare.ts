// `creditlab compare`: one row per arm with an aggregate over its seeds and a stratified-bootstrap
// interval, following Agarwal et al., "Deep RL at the Edge of the Statistical Precipice", NeurIPS 2021,
// arXiv:2108.13264: report intervals, prefer IQM, and say P(X > Y) rather than "X won". With
// `--vs ARM --paired`, each arm also gets the statistic of its per-seed differences from ARM with an
// interval fit for a few seeds (workspaces/stats/src/paired.ts).
import {
  armImprovement,
  armInterval,
  armZeroWidthNote,
  DEFAULT_CI,
  DEFAULT_REPS,
  extractScore,
  formatAt,
  formatSmoothing,
  improvementZeroWidthNote,
  isCensored,
  isStatName,
  pairedVs,
  pairedZeroWidthNote,
  parseAt,
  parseSmoothing,
  smoothSeries,
  SMALL_N,
  STAT_NAMES,
  StatsInputError,
  type IntervalEstimate,
  type ScoreAt,
  type SeriesSource,
  type Smoothing,
  type StatName,
} from '@creditlab/stats';
import { EXIT, type CliIO } from '../io';

export const COMPARE_USAGE = [
  'usage: creditlab compare EXPERIMENT --metric M [--at last|mean-last:K|max|auc]',
  '         [--stat mean|median|iqm|optimality-gap] [--threshold G] [--ci 0.95] [--reps 2000]',
  '         [--seed S] [--smooth ema:0.6|avg:K|none] [--vs ARM [--paired]] [--json]',
].join('\n');

interface CompareArgs {
  experiment: string;
  metric: string;
  at: ScoreAt;
  stat: StatName;
  threshold: number;
  thresholdGiven: boolean;
  ci: number;
  reps: number;
  seed: number;
  smooth: Smoothing;
  vs?: string;
  paired: boolean;
  json: boolean;
}

class UsageError extends Error {}

const VALUE_FLAGS = ['metric', 'at', 'stat', 'threshold', 'ci', 'reps', 'seed', 'smooth', 'vs'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

function parseArgs(argv: string[]): CompareArgs | 'help' {
  const values = new Map<ValueFlag, string>();
  const positional: string[] = [];
  let json = false;
  let paired = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--json') {
      json = true;
      continue;
    }
    if (a === '--paired') {
      paired = true;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      if (!(VALUE_FLAGS as readonly string[]).includes(name)) throw new UsageError(`unknown flag --${name}`);
      const flag = name as ValueFlag;
      let value: string | undefined;
      if (eq >= 0) value = a.slice(eq + 1);
      // The next token is taken even if it starts with '-', so `--threshold -5` works.
      else if (i + 1 < argv.length) value = argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${flag} needs a value`);
      if (values.has(flag)) throw new UsageError(`--${flag} given more than once`);
      values.set(flag, value);
      continue;
    }
    positional.push(a);
  }
  if (positional.length === 0) throw new UsageError('missing EXPERIMENT');
  if (positional.length > 1) throw new UsageError(`expected one EXPERIMENT, got ${positional.map((p) => `"${p}"`).join(', ')}`);
  const metric = values.get('metric');
  if (!metric) throw new UsageError('--metric is required');

  const num = (flag: ValueFlag, fallback: number, check: (x: number) => boolean, need: string): number => {
    const raw = values.get(flag);
    if (raw === undefined) return fallback;
    const x = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${flag} must be ${need}, got "${raw}"`);
    return x;
  };
  const withFlag = <T>(flag: ValueFlag, parse: () => T): T => {
    try {
      return parse();
    } catch (e) {
      if (e instanceof StatsInputError) throw new UsageError(`--${flag}: ${e.message}`);
      throw e;
    }
  };

  const statRaw = values.get('stat') ?? 'iqm';
  if (!isStatName(statRaw)) throw new UsageError(`--stat must be one of ${STAT_NAMES.join(', ')}, got "${statRaw}"`);
  if (paired && !values.has('vs')) throw new UsageError('--paired needs --vs ARM (the arm every other arm is differenced against, seed by seed)');
  return {
    experiment: positional[0],
    metric,
    at: withFlag('at', () => parseAt(values.get('at') ?? 'last')),
    stat: statRaw,
    threshold: num('threshold', 1, () => true, 'a number'),
    thresholdGiven: values.has('threshold'),
    ci: num('ci', DEFAULT_CI, (x) => x > 0 && x < 1, 'a coverage in (0, 1), e.g. 0.95'),
    reps: num('reps', DEFAULT_REPS, (x) => Number.isSafeInteger(x) && x >= 1 && x <= 1_000_000, 'an integer in [1, 1000000]'),
    seed: num('seed', 0, (x) => Number.isSafeInteger(x), 'an integer'),
    smooth: withFlag('smooth', () => parseSmoothing(values.get('smooth') ?? 'none')),
    vs: values.get('vs'),
    paired,
    json,
  };
}

/**
 * `ci_note`, on every interval of the JSON output: why the interval has zero width (the words of the
 * `compare: note:` line, from @creditlab/stats interval-notes), or null when it has width or there is
 * no interval. A zero-width interval repeats that the runs showed no spread; it is not certainty.
 */
type CiNote = string | null;

interface PairedResult {
  vs: string;
  estimate: number | null;
  ci: [number | null, number | null];
  ci_note: CiNote;
  /** Number of seed pairs. */
  n: number;
  method: string;
  seeds: number[];
  /** Seeds that ran in only one of the two arms (or whose score was not finite): not in the pairs. */
  unmatched: Record<string, number[]>;
}

interface ArmResult {
  arm: string;
  n: number;
  estimate: number | null;
  ci: [number | null, number | null];
  ci_method: string | null;
  ci_note: CiNote;
  seeds: number[];
  /** With --at first-above:X, the seeds whose runs never reached X (scored at their last logged step). */
  censored?: number[];
  p_improvement?: { estimate: number | null; ci: [number | null, number | null]; ci_note: CiNote } | null;
  difference?: PairedResult | null;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const fromEstimate = (e: IntervalEstimate | null) => ({
  estimate: e ? finiteOrNull(e.estimate) : null,
  ci: (e ? [finiteOrNull(e.ci[0]), finiteOrNull(e.ci[1])] : [null, null]) as [number | null, number | null],
});

function fmt(x: number | null): string {
  if (x === null) return '-';
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(3) : x.toFixed(4);
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  // First column (arm names) left-aligned, numbers right-aligned so decimal points line up.
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

export async function compareCommand(argv: string[], io: CliIO, source: SeriesSource): Promise<number> {
  let args: CompareArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`compare: ${e.message}`);
    io.err(COMPARE_USAGE);
    return EXIT.usage;
  }
  if (args === 'help') {
    io.out(COMPARE_USAGE);
    return EXIT.ok;
  }

  if (args.thresholdGiven && args.stat !== 'optimality-gap') io.err('compare: note: --threshold only affects --stat optimality-gap');

  let series;
  try {
    series = await source.series(args.experiment, args.metric);
  } catch (e) {
    // The store reports an unknown experiment by throwing; that is bad input, not a failed run.
    io.err(`compare: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.usage;
  }
  if (series.length === 0) {
    io.err(`compare: no runs of experiment "${args.experiment}" logged metric "${args.metric}" (check EXPERIMENT and --metric)`);
    return EXIT.usage;
  }

  // Arms keep the order the source lists them in (the spec's order), not alphabetical.
  const byArm = new Map<string, number[]>();
  const seedsOf = new Map<string, { seed: number; value: number }[]>();
  const censoredOf = new Map<string, number[]>();
  const short: string[] = [];
  const dropped: string[] = [];
  for (const s of series) {
    if (!byArm.has(s.arm)) {
      byArm.set(s.arm, []);
      seedsOf.set(s.arm, []);
    }
    let score: number;
    try {
      const smoothed = smoothSeries(s, args.smooth);
      score = extractScore(smoothed, args.at);
      if (Number.isFinite(score) && isCensored(smoothed, args.at)) censoredOf.set(s.arm, [...(censoredOf.get(s.arm) ?? []), s.seed]);
      if (args.at.kind === 'mean-last' && smoothed.values.length > 0 && smoothed.values.length < args.at.k) short.push(`${s.run} (${s.arm}, seed ${s.seed}: ${smoothed.values.length})`);
    } catch (e) {
      if (!(e instanceof StatsInputError)) throw e;
      io.err(`compare: run ${s.run}: ${e.message}`);
      return EXIT.usage;
    }
    if (Number.isFinite(score)) {
      byArm.get(s.arm)!.push(score);
      seedsOf.get(s.arm)!.push({ seed: s.seed, value: score });
    } else dropped.push(`${s.run} (${s.arm}, seed ${s.seed})`);
  }
  // Dropping a diverged run flatters its arm, so say so loudly rather than silently.
  if (dropped.length > 0) io.err(`compare: warning: ${dropped.length} run(s) have no finite "${args.metric}" value and were left out: ${dropped.join(', ')}`);
  if (args.vs !== undefined && !byArm.has(args.vs)) {
    io.err(`compare: --vs: unknown arm "${args.vs}" (arms: ${[...byArm.keys()].join(', ')})`);
    return EXIT.usage;
  }

  const opts = { ci: args.ci, reps: args.reps, seed: args.seed, threshold: args.threshold };
  const vsScores = args.vs !== undefined ? byArm.get(args.vs)! : undefined;
  const results: ArmResult[] = [];
  for (const [arm, scores] of byArm) {
    // The view's final-score table calls the same two functions with the same options.
    const est = scores.length > 0 ? armInterval(arm, scores, args.stat, opts) : null;
    const seeds = seedsOf.get(arm)!.map((x) => x.seed);
    const interval = fromEstimate(est);
    const row: ArmResult = { arm, n: scores.length, ...interval, ci_method: est ? est.method : null, ci_note: armZeroWidthNote(scores, args.stat, interval.ci, args.threshold), seeds };
    if (args.at.kind === 'first-above') row.censored = censoredOf.get(arm) ?? [];
    if (vsScores !== undefined) {
      if (arm === args.vs) row.p_improvement = null;
      else {
        const p =
          scores.length > 0 && vsScores.length > 0 ? armImprovement(arm, scores, args.vs!, vsScores, opts) : null;
        const pi = fromEstimate(p);
        row.p_improvement = { ...pi, ci_note: improvementZeroWidthNote(arm, scores, args.vs!, vsScores, pi.ci) };
      }
    }
    if (args.paired) {
      if (arm === args.vs) row.difference = null;
      else {
        let d;
        try {
          d = pairedVs(arm, seedsOf.get(arm)!, args.vs!, seedsOf.get(args.vs!)!, args.stat, { ci: args.ci, reps: args.reps, seed: args.seed, threshold: args.threshold });
        } catch (e) {
          if (!(e instanceof StatsInputError)) throw e;
          io.err(`compare: --paired: ${e.message}`);
          return EXIT.usage;
        }
        const di = fromEstimate(d);
        row.difference = { ...d, ...di, ci_note: pairedZeroWidthNote(seedsOf.get(arm)!, seedsOf.get(args.vs!)!, args.stat, di.ci, args.threshold) };
        const left = Object.entries(d.unmatched).filter(([, xs]) => xs.length > 0);
        if (left.length)
          io.err(`compare: --paired: ${arm} − ${args.vs} pairs ${d.n} seed(s); unmatched, left out of the difference: ${left.map(([a, xs]) => `${a} seed(s) ${xs.join(', ')}`).join('; ')}`);
      }
    }
    results.push(row);
  }

  const at = formatAt(args.at);
  if (args.json) {
    const out: Record<string, unknown> = {
      metric: args.metric,
      at,
      stat: args.stat,
      ...(args.stat === 'optimality-gap' ? { threshold: args.threshold } : {}),
      ci_level: args.ci,
      reps: args.reps,
      seed: args.seed,
      smooth: formatSmoothing(args.smooth),
      ...(args.vs !== undefined ? { vs: args.vs } : {}),
      ...(args.paired ? { paired: true } : {}),
      arms: results,
    };
    io.out(JSON.stringify(out));
    return EXIT.ok;
  }

  const pct = `${+(args.ci * 100).toFixed(2)}%`;
  const statLabel = args.stat === 'optimality-gap' ? `optimality-gap (γ=${args.threshold}, lower is better)` : args.stat;
  io.out(
    `${args.experiment}  metric=${args.metric}  at=${at}  smooth=${formatSmoothing(args.smooth)}  ` +
      `stat=${statLabel}  intervals: ${pct} percentile bootstrap over each arm's runs (${args.reps} resamples, seed ${args.seed})`,
  );
  const header = ['arm', 'n', args.stat, 'ci_low', 'ci_high'];
  if (args.vs !== undefined) header.push(`P(>${args.vs})`, 'ci_low', 'ci_high');
  const rows = [header];
  for (const r of results) {
    const row = [r.arm, String(r.n), fmt(r.estimate), fmt(r.ci[0]), fmt(r.ci[1])];
    if (args.vs !== undefined) {
      const p = r.p_improvement;
      row.push(...(p ? [fmt(p.estimate), fmt(p.ci[0]), fmt(p.ci[1])] : ['-', '-', '-']));
    }
    rows.push(row);
  }
  for (const line of table(rows)) io.out(line);
  if (args.vs !== undefined)
    io.out(`P(>${args.vs}): probability that a run of the arm beats a run of ${args.vs} (ties count ½), ${pct} percentile bootstrap resampling both arms' runs independently`);
  if (args.paired) {
    io.out('');
    io.out(
      `paired differences (arm − ${args.vs}, matched by seed): ` +
        (args.stat === 'optimality-gap' ? `difference of optimality gaps, the mean of the per-seed differences of the shortfall below γ=${args.threshold}` : `${args.stat} of the per-seed differences`),
    );
    const prow = [['arm', 'pairs', `Δ${args.stat}`, 'ci_low', 'ci_high', 'interval']];
    for (const r of results) if (r.difference) prow.push([r.arm, String(r.difference.n), fmt(r.difference.estimate), fmt(r.difference.ci[0]), fmt(r.difference.ci[1]), r.difference.method]);
    for (const line of table(prow)) io.out(line);
  }
  const small = results.filter((r) => r.n > 1 && r.n < SMALL_N);
  if (small.length > 0)
    io.err(
      `compare: note: ${small.map((r) => `${r.arm} n=${r.n}`).join(', ')}: a percentile bootstrap over fewer than ${SMALL_N} runs undercovers ` +
        `(its ${pct} interval covers less often than ${pct}, the more so the fewer the runs)` +
        (args.paired ? '' : '; for arms sharing seeds, --vs ARM --paired gives seed-matched differences with a Student t (mean, optimality gap) or BCa (median, IQM) interval'),
    );
  // A zero-width interval (every resample the same) is a property of the runs the bootstrap saw, not
  // certainty; the view's tables footnote the same words (@creditlab/stats interval-notes), and the
  // JSON carries them as each interval's ci_note.
  for (const r of results) {
    const notes: [string, CiNote][] = [[`${r.arm} ${args.stat}`, r.ci_note]];
    if (r.p_improvement) notes.push([`${r.arm} P(>${args.vs})`, r.p_improvement.ci_note]);
    if (r.difference) notes.push([`${r.arm} − ${args.vs} (paired Δ${args.stat})`, r.difference.ci_note]);
    for (const [what, note] of notes) if (note) io.err(`compare: note: ${what}: ${note}`);
  }
  const single = results.filter((r) => r.n === 1);
  if (single.length > 0) io.err(`compare: note: ${single.map((r) => r.arm).join(', ')}: one run, so no interval (shown as -)`);
  if (args.stat === 'iqm') {
    const untrimmed = results.filter((r) => r.n > 0 && r.n < 4);
    if (untrimmed.length > 0)
      io.err(`compare: note: ${untrimmed.map((r) => `${r.arm} n=${r.n}`).join(', ')}: the IQM of fewer than 4 runs trims nothing (it cuts ⌊n/4⌋ runs from each end), so it is their mean`);
  }
  if (args.at.kind === 'mean-last' && short.length > 0)
    io.err(`compare: note: ${short.length} run(s) logged fewer than ${args.at.k} finite values of "${args.metric}" and are scored on the mean of what they have: ${short.join(', ')}`);
  if (args.at.kind === 'first-above') {
    const cens = results.filter((r) => r.censored && r.censored.length > 0);
    if (cens.length > 0)
      io.err(
        `compare: note: ${cens.map((r) => `${r.arm} ${r.censored!.length} of ${r.n} (seed${r.censored!.length > 1 ? 's' : ''} ${r.censored!.join(', ')})`).join('; ')} ` +
          `never reached ${args.at.threshold}: each such run scores its last logged step, a lower bound on its true steps, so these arms' statistics and intervals are lower bounds too`,
      );
  }
  return EXIT.ok;
}
