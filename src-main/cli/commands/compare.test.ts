// `creditlab compare` against an in-memory SeriesSource (stats after arXiv:2108.13264).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import type { RunSeries, SeriesSource } from '@creditlab/stats';
import { armImprovement, armInterval, armZeroWidthNote, pairedVs } from '@creditlab/stats';
import type { CliIO } from '../io';
import { compareCommand } from './compare';

function memoryIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

// Arm "shaped" learns to ~10, "baseline" to ~5; seeds log at different cadences, one baseline run diverges.
function makeRuns(): RunSeries[] {
  const rng = new Rng(2024);
  const runs: RunSeries[] = [];
  for (const [arm, target] of [['baseline', 5], ['shaped', 10]] as const) {
    for (let seed = 0; seed < 6; seed++) {
      const every = 10 + seed;
      const steps = Array.from({ length: 20 }, (_, i) => i * every);
      const values = steps.map((s, i) => (target * i) / 19 + rng.normal() * 0.5 + 0 * s);
      runs.push({ run: `${arm}-${seed}`, arm, seed, steps, values });
    }
  }
  runs.push({ run: 'baseline-6', arm: 'baseline', seed: 6, steps: [0, 10], values: [NaN, NaN] });
  return runs;
}

const RUNS = makeRuns();
const source: SeriesSource = {
  async series(experiment, metric) {
    if (experiment !== 'exp1') throw new Error(`unknown experiment "${experiment}"`);
    return metric === 'return' ? RUNS.map((r) => ({ ...r })) : [];
  },
};

async function run(argv: string[]) {
  const io = memoryIO();
  const code = await compareCommand(argv, io, source);
  return { code, io, json: () => JSON.parse(io.stdout[io.stdout.length - 1]) };
}

test('table: one aligned row per arm with estimate, CI and n', async () => {
  const { code, io } = await run(['exp1', '--metric', 'return']);
  assert.equal(code, 0);
  const [title, header, ...rows] = io.stdout;
  assert.match(title, /stat=iqm/);
  assert.match(title, /95% percentile bootstrap/);
  assert.doesNotMatch(title, /95% CI/);
  assert.match(header, /^arm\s+n\s+iqm\s+ci_low\s+ci_high$/);
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^baseline\s+6\s/);
  assert.match(rows[1], /^shaped\s+6\s/);
  // Aligned: every line of the table has the same length.
  assert.equal(new Set([header, ...rows].map((l) => l.length)).size, 1);
  assert.match(io.stderr.join('\n'), /1 run\(s\) have no finite "return" value.*baseline-6/);
});

test('--json: last line carries metric, at, stat and arms with n, estimate, ci', async () => {
  const { code, json, io } = await run(['exp1', '--metric', 'return', '--json', '--at', 'mean-last:3', '--stat', 'mean']);
  assert.equal(code, 0);
  assert.equal(io.stdout.length, 1);
  const j = json();
  assert.equal(j.metric, 'return');
  assert.equal(j.at, 'mean-last:3');
  assert.equal(j.stat, 'mean');
  assert.deepEqual(j.arms.map((a: { arm: string }) => a.arm), ['baseline', 'shaped']);
  for (const a of j.arms) {
    assert.equal(a.n, 6);
    assert.ok(a.ci[0] <= a.estimate && a.estimate <= a.ci[1]);
  }
  assert.ok(j.arms[0].estimate > 4 && j.arms[0].estimate < 6);
  assert.ok(j.arms[1].estimate > 9 && j.arms[1].estimate < 11);
  assert.equal(j.vs, undefined);
});

test('--vs adds P(arm > baseline) with a CI', async () => {
  const { code, json, io } = await run(['exp1', '--metric=return', '--vs', 'baseline', '--json', '--reps', '500']);
  assert.equal(code, 0);
  const j = json();
  assert.equal(j.vs, 'baseline');
  assert.equal(j.arms[0].p_improvement, null);
  const p = j.arms[1].p_improvement;
  assert.equal(p.estimate, 1);
  assert.ok(p.ci[0] <= 1 && p.ci[1] === 1);
  const t = await run(['exp1', '--metric', 'return', '--vs', 'baseline']);
  assert.match(t.io.stdout[1], /P\(>baseline\)/);
  assert.ok(t.io.stdout.some((l) => /^P\(>baseline\): probability that a run of the arm beats a run of baseline .*resampling both arms' runs independently$/.test(l)));
  assert.ok(io.stdout.length === 1);
});

test('seeded: same seed reproduces the output, another seed moves the CI but not the estimate', async () => {
  const a = (await run(['exp1', '--metric', 'return', '--json', '--seed', '7', '--reps', '300'])).json();
  const b = (await run(['exp1', '--metric', 'return', '--json', '--seed', '7', '--reps', '300'])).json();
  const c = (await run(['exp1', '--metric', 'return', '--json', '--seed', '8', '--reps', '300'])).json();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.arms[0].ci, c.arms[0].ci);
  assert.equal(a.arms[0].estimate, c.arms[0].estimate);
});

test('--smooth and --at change the per-run score', async () => {
  const raw = (await run(['exp1', '--metric', 'return', '--json', '--stat', 'mean'])).json();
  const sm = (await run(['exp1', '--metric', 'return', '--json', '--stat', 'mean', '--smooth', 'ema:0.9'])).json();
  const auc = (await run(['exp1', '--metric', 'return', '--json', '--stat', 'mean', '--at', 'auc'])).json();
  // A rising curve: EMA lags behind the last value, and the AUC (curve average) is about half of it.
  assert.ok(sm.arms[1].estimate < raw.arms[1].estimate);
  assert.ok(Math.abs(auc.arms[1].estimate - raw.arms[1].estimate / 2) < 1);
  assert.equal(sm.smooth, 'ema:0.9');
});

test('optimality gap honours --threshold', async () => {
  const j = (await run(['exp1', '--metric', 'return', '--json', '--stat', 'optimality-gap', '--threshold', '100'])).json();
  assert.equal(j.threshold, 100);
  assert.ok(j.arms[1].estimate > 85 && j.arms[1].estimate < 95);
});

test('bad arguments exit 2 with a message naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['exp1'], /--metric is required/],
    [['--metric', 'return'], /missing EXPERIMENT/],
    [['exp1', 'exp2', '--metric', 'return'], /one EXPERIMENT/],
    [['exp1', '--metric', 'return', '--bogus', '1'], /unknown flag --bogus/],
    [['exp1', '--metric', 'return', '--at', 'final'], /--at: .*last, mean-last:K/],
    [['exp1', '--metric', 'return', '--at', 'mean-last:0'], /--at: .*>= 1/],
    [['exp1', '--metric', 'return', '--stat', 'mode'], /--stat must be one of mean, median, iqm, optimality-gap/],
    [['exp1', '--metric', 'return', '--ci', '95'], /--ci must be a coverage in \(0, 1\)/],
    [['exp1', '--metric', 'return', '--reps', '2.5'], /--reps must be an integer/],
    [['exp1', '--metric', 'return', '--seed', 'abc'], /--seed must be an integer/],
    [['exp1', '--metric', 'return', '--smooth', 'ema:2'], /--smooth: .*\[0, 1\)/],
    [['exp1', '--metric', 'return', '--threshold', 'x'], /--threshold must be a number/],
    [['exp1', '--metric'], /--metric needs a value/],
    [['exp1', '--metric', 'return', '--metric', 'loss'], /--metric given more than once/],
    [['exp1', '--metric', 'return', '--vs', 'nope'], /--vs: unknown arm "nope" \(arms: baseline, shaped\)/],
  ];
  for (const [argv, msg] of cases) {
    const { code, io } = await run(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(io.stderr.join('\n'), msg, argv.join(' '));
    assert.equal(io.stdout.length, 0);
  }
});

test('unknown experiment or metric exits 2', async () => {
  const e = await run(['nope', '--metric', 'return']);
  assert.equal(e.code, 2);
  assert.match(e.io.stderr.join('\n'), /unknown experiment "nope"/);
  const m = await run(['exp1', '--metric', 'loss']);
  assert.equal(m.code, 2);
  assert.match(m.io.stderr.join('\n'), /metric "loss"/);
});

test('--help prints usage and exits 0', async () => {
  const { code, io } = await run(['--help']);
  assert.equal(code, 0);
  assert.match(io.stdout.join('\n'), /usage: creditlab compare/);
});

test('--paired: per-seed differences against --vs, seeds only one arm has are reported, not dropped silently', async () => {
  const { code, json, io } = await run(['exp1', '--metric', 'return', '--vs', 'baseline', '--paired', '--stat', 'mean', '--at', 'last', '--json']);
  assert.equal(code, 0, io.stderr.join('\n'));
  const j = json();
  assert.equal(j.paired, true);
  assert.equal(j.arms[0].difference, null);
  const d = j.arms[1].difference;
  const last = (arm: string, seed: number) => RUNS.find((r) => r.arm === arm && r.seed === seed)!.values.at(-1)!;
  const diffs = [0, 1, 2, 3, 4, 5].map((s) => last('shaped', s) - last('baseline', s));
  assert.equal(d.vs, 'baseline');
  assert.equal(d.n, 6);
  assert.deepEqual(d.seeds, [0, 1, 2, 3, 4, 5]);
  assert.ok(Math.abs(d.estimate - diffs.reduce((a, b) => a + b, 0) / 6) < 1e-12);
  assert.match(d.method, /Student t/);
  // baseline seed 6 diverged (no finite score): it is listed as unmatched and named on stderr.
  assert.deepEqual(d.unmatched, { shaped: [], baseline: [] });
  assert.match(j.arms[1].ci_method, /percentile bootstrap .*n=6 \(undercovers at small n\)/);

  const iqm = (await run(['exp1', '--metric', 'return', '--vs', 'shaped', '--paired', '--json', '--reps', '300'])).json();
  assert.match(iqm.arms[0].difference.method, /BCa bootstrap \(300 resamples\) of the iqm of n=6/);
  assert.ok(iqm.arms[0].difference.estimate < 0);
});

test('--paired: unmatched seeds and bad usage', async () => {
  const only = RUNS.filter((r) => !(r.arm === 'shaped' && r.seed === 2));
  only.push({ run: 'shaped-9', arm: 'shaped', seed: 9, steps: [0, 1], values: [1, 2] });
  const src: SeriesSource = { series: async () => only.map((r) => ({ ...r })) };
  const io = memoryIO();
  assert.equal(await compareCommand(['e', '--metric', 'return', '--vs', 'baseline', '--paired', '--json', '--reps', '200'], io, src), 0);
  const d = JSON.parse(io.stdout.at(-1)!).arms[1].difference;
  assert.equal(d.n, 5);
  assert.deepEqual(d.unmatched, { shaped: [9], baseline: [2] });
  assert.match(io.stderr.join('\n'), /shaped − baseline pairs 5 seed\(s\); unmatched.*shaped seed\(s\) 9; baseline seed\(s\) 2/);
  const bad = await run(['exp1', '--metric', 'return', '--paired']);
  assert.equal(bad.code, 2);
  assert.match(bad.io.stderr.join('\n'), /--paired needs --vs/);
  const text = await run(['exp1', '--metric', 'return', '--vs', 'baseline', '--paired', '--reps', '200']);
  assert.ok(text.io.stdout.some((l) => /^paired differences \(arm − baseline, matched by seed\)/.test(l)));
  assert.ok(text.io.stdout.some((l) => /^shaped\s+6\s.*BCa bootstrap/.test(l)));
});

// Pairing must follow the seed, not the order runs arrive in. Arm b's runs are listed in reverse seed
// order and b's per-seed values are strongly correlated with a's, so a pairing by position (or none)
// gives a different median, a far wider interval and a different n: each assertion below fails then.
test('--paired: equals per-seed differences computed independently, whatever order the runs arrive in', async () => {
  const a = [0.1, 0.9, 0.3, 0.7, 0.5]; // seeds 0..4
  const gain = [0.05, 0.02, 0.08, 0.01, 0.04]; // b − a by seed
  const rows: RunSeries[] = [
    ...a.map((v, seed) => ({ run: `a-${seed}`, arm: 'a', seed, steps: [0, 1], values: [0, v] })),
    ...a.map((v, seed) => ({ run: `b-${seed}`, arm: 'b', seed, steps: [0, 1], values: [0, v + gain[seed]] })).reverse(),
  ];
  const src: SeriesSource = { series: async () => rows.map((r) => ({ ...r })) };
  const go = async (stat: string) => {
    const io = memoryIO();
    assert.equal(await compareCommand(['e', '--metric', 'm', '--at', 'last', '--stat', stat, '--vs', 'a', '--paired', '--json', '--reps', '500'], io, src), 0, io.stderr.join('\n'));
    return JSON.parse(io.stdout.at(-1)!).arms.find((x: { arm: string }) => x.arm === 'b').difference;
  };
  // Independent: differences by seed, mean, sample sd, t(0.975; 4) = 2.7764451051977934 (scipy.stats.t.ppf).
  const n = gain.length;
  const m = gain.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(gain.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
  const h = (2.7764451051977934 * sd) / Math.sqrt(n);
  const mean = await go('mean');
  assert.equal(mean.n, 5);
  assert.ok(Math.abs(mean.estimate - m) < 1e-12, `estimate ${mean.estimate} vs ${m}`);
  assert.ok(Math.abs(mean.ci[0] - (m - h)) < 1e-12 && Math.abs(mean.ci[1] - (m + h)) < 1e-12, `ci ${mean.ci} vs ${[m - h, m + h]}`);
  // The median of the per-seed differences is 0.04; pairing b's runs with a's by position would give another.
  const med = await go('median');
  assert.ok(Math.abs(med.estimate - 0.04) < 1e-12, `median of differences ${med.estimate}`);
  const byPosition = a.map((v, i) => a[n - 1 - i] + gain[n - 1 - i] - v).sort((x, y) => x - y)[2];
  assert.ok(Math.abs(byPosition - 0.04) > 0.01, 'the fixture must tell a pairing by position from one by seed');
  // And the interval is the one of the true differences (all in [0.01, 0.08]), not of mismatched ones.
  assert.ok(med.ci[0] >= 0.01 - 1e-12 && med.ci[1] <= 0.08 + 1e-12, `median ci ${med.ci}`);
});

// Runs of a threshold question: "slow" reaches 0.9 on seeds 0 and 1 only; seed 2 never does.
const THRESHOLD_RUNS: RunSeries[] = [
  { run: 'fast-0', arm: 'fast', seed: 0, steps: [0, 100, 200, 300], values: [0, 0.5, 0.95, 1] },
  { run: 'fast-1', arm: 'fast', seed: 1, steps: [0, 100, 200, 300], values: [0, 0.92, 1, 1] },
  { run: 'fast-2', arm: 'fast', seed: 2, steps: [0, 100, 200, 300], values: [0, 0.4, 0.91, 1] },
  { run: 'slow-0', arm: 'slow', seed: 0, steps: [0, 100, 200, 300], values: [0, 0.1, 0.5, 0.9] },
  { run: 'slow-1', arm: 'slow', seed: 1, steps: [0, 100, 200, 300], values: [0, 0.2, 0.95, 1] },
  { run: 'slow-2', arm: 'slow', seed: 2, steps: [0, 100, 200, 300], values: [0, 0.1, 0.3, 0.6] },
  { run: 'solo-0', arm: 'solo', seed: 0, steps: [0, 100, 200, 300], values: [0, 0.1, 0.95, 1] },
];
const thresholdSource: SeriesSource = { series: async () => THRESHOLD_RUNS.map((r) => ({ ...r })) };

test('first-above: censored runs are named per arm, in the JSON and in a note that says the statistic is a lower bound', async () => {
  const io = memoryIO();
  assert.equal(await compareCommand(['t', '--metric', 'm', '--at', 'first-above:0.9', '--stat', 'mean', '--json'], io, thresholdSource), 0);
  const j = JSON.parse(io.stdout.at(-1)!);
  const arm = (a: string) => j.arms.find((x: { arm: string }) => x.arm === a);
  assert.deepEqual(arm('fast').censored, []);
  assert.deepEqual(arm('slow').censored, [2]);
  assert.equal(arm('slow').estimate, (300 + 200 + 300) / 3, 'the censored run scores its last logged step');
  const text = memoryIO();
  await compareCommand(['t', '--metric', 'm', '--at', 'first-above:0.9', '--stat', 'mean'], text, thresholdSource);
  const notes = text.stderr.join('\n');
  assert.match(notes, /slow 1 of 3 \(seed 2\) never reached 0\.9: .*lower bound/);
  assert.doesNotMatch(notes, /fast \d+ of/);
  // Other scores censor nothing and carry no such field.
  const last = memoryIO();
  await compareCommand(['t', '--metric', 'm', '--at', 'last', '--json'], last, thresholdSource);
  assert.equal(JSON.parse(last.stdout.at(-1)!).arms[0].censored, undefined);
});

test('one run gives no interval, and an IQM of fewer than 4 runs is said to be their mean', async () => {
  const io = memoryIO();
  assert.equal(await compareCommand(['t', '--metric', 'm', '--at', 'last', '--json'], io, thresholdSource), 0);
  const solo = JSON.parse(io.stdout.at(-1)!).arms.find((x: { arm: string }) => x.arm === 'solo');
  assert.equal(solo.n, 1);
  assert.equal(solo.estimate, 1);
  assert.deepEqual(solo.ci, [null, null], 'a zero-width interval from one run would claim a certainty it does not have');
  assert.match(solo.ci_method, /^no interval: one run/);
  const text = memoryIO();
  await compareCommand(['t', '--metric', 'm', '--at', 'last'], text, thresholdSource);
  const notes = text.stderr.join('\n');
  assert.match(notes, /solo: one run, so no interval/);
  assert.match(notes, /fast n=3, slow n=3, solo n=1: the IQM of fewer than 4 runs trims nothing .* so it is their mean/);
  assert.match(notes, /fast n=3, slow n=3: a percentile bootstrap over fewer than 20 runs undercovers/);
});

test('a zero-width interval (every resample the same) is said not to be certainty', async () => {
  const io = memoryIO();
  const runs: RunSeries[] = [0, 1, 2].flatMap((seed) => [
    { run: `a${seed}`, arm: 'a', seed, steps: [0, 1], values: [0, 500] },
    { run: `b${seed}`, arm: 'b', seed, steps: [0, 1], values: [0, 100 + seed] },
  ]);
  assert.equal(await compareCommand(['t', '--metric', 'm', '--stat', 'mean', '--vs', 'b'], io, { series: async () => runs }), 0);
  const err = io.stderr.join('\n');
  // The words are the shared function's, which the comparison view footnotes too.
  assert.ok(err.includes(`compare: note: a mean: ${armZeroWidthNote([500, 500, 500], 'mean', [500, 500])}`), err);
  assert.match(err, /a mean: zero-width interval: all 3 runs scored the same/);
  assert.match(err, /a P\(>b\): zero-width interval: every run of a \(3 runs\) scored above every run of b \(3 runs\)/);
  assert.match(err, /not certainty/);
  // b's scores differ, so its interval has width and gets no note.
  assert.doesNotMatch(err, /b mean:/);
  // Paired: every seed's difference differs, so the Student t interval has width; make them equal and it has none.
  const paired = memoryIO();
  const shifted = runs.map((r) => (r.arm === 'a' ? { ...r, values: [0, 300 + r.seed] } : r));
  assert.equal(await compareCommand(['t', '--metric', 'm', '--stat', 'mean', '--vs', 'b', '--paired'], paired, { series: async () => shifted }), 0);
  assert.match(paired.stderr.join('\n'), /a − b \(paired Δmean\): zero-width interval: all 3 per-seed differences are equal/);
  assert.doesNotMatch(paired.stderr.join('\n'), /a mean: zero-width/);
});

test('--json: every interval carries ci_note, the zero-width note compare prints, or null when the interval has width', async () => {
  // a: all three runs scored 500 (zero width), above every run of b (P = 1 [1, 1]); c − b is 200 at every seed.
  const last = { a: () => 500, b: (seed: number) => 100 + seed, c: (seed: number) => 300 + seed };
  const runs: RunSeries[] = [0, 1, 2].flatMap((seed) =>
    (['a', 'b', 'c'] as const).map((arm) => ({ run: `${arm}${seed}`, arm, seed, steps: [0, 1], values: [0, last[arm](seed)] })),
  );
  const io = memoryIO();
  assert.equal(await compareCommand(['t', '--metric', 'm', '--stat', 'mean', '--vs', 'b', '--paired', '--json'], io, { series: async () => runs }), 0);
  const scores = (arm: 'a' | 'b' | 'c') => [0, 1, 2].map(last[arm]);
  const seedScores = (arm: 'a' | 'b' | 'c') => [0, 1, 2].map((seed) => ({ seed, value: last[arm](seed) }));
  const opts = { ci: 0.95, reps: 2000, seed: 0, threshold: 1 };
  // The numbers of intervals with width are the stats package's (tested there); this test is about the shape and the notes.
  const interval = (arm: 'a' | 'b' | 'c') => {
    const e = armInterval(arm, scores(arm), 'mean', opts);
    return { estimate: e.estimate, ci: e.ci, ci_method: e.method };
  };
  const poi = (arm: 'a' | 'c') => {
    const e = armImprovement(arm, scores(arm), 'b', scores('b'), opts);
    return { estimate: e.estimate, ci: e.ci };
  };
  const NOT_CERTAINTY = 'an interval cannot show variation the runs did not show, so this is not certainty';
  const aDiff = pairedVs('a', seedScores('a'), 'b', seedScores('b'), 'mean', opts);
  const cDiff = pairedVs('c', seedScores('c'), 'b', seedScores('b'), 'mean', opts);
  assert.deepEqual(JSON.parse(io.stdout.at(-1)!), {
    metric: 'm',
    at: 'last',
    stat: 'mean',
    ci_level: 0.95,
    reps: 2000,
    seed: 0,
    smooth: 'none',
    vs: 'b',
    paired: true,
    arms: [
      {
        arm: 'a',
        n: 3,
        ...interval('a'),
        ci_note: `zero-width interval: all 3 runs scored the same, so every resample gives the same value; ${NOT_CERTAINTY}`,
        seeds: [0, 1, 2],
        p_improvement: { ...poi('a'), ci_note: `zero-width interval: every run of a (3 runs) scored above every run of b (3 runs), so every resample gives the same probability; ${NOT_CERTAINTY}` },
        // 400, 399, 398: the differences vary, so the t interval has width.
        difference: { ...aDiff, ci_note: null },
      },
      { arm: 'b', n: 3, ...interval('b'), ci_note: null, seeds: [0, 1, 2], p_improvement: null, difference: null },
      {
        arm: 'c',
        n: 3,
        ...interval('c'),
        ci_note: null,
        seeds: [0, 1, 2],
        p_improvement: { ...poi('c'), ci_note: `zero-width interval: every run of c (3 runs) scored above every run of b (3 runs), so every resample gives the same probability; ${NOT_CERTAINTY}` },
        difference: { ...cDiff, ci_note: `zero-width interval: all 3 per-seed differences are equal, so the interval has no spread to show; ${NOT_CERTAINTY}` },
      },
    ],
  });
  assert.deepEqual([interval('a').ci, poi('a').ci, cDiff.ci], [[500, 500], [1, 1], [200, 200]], 'the fixture makes these intervals zero-width');
  assert.ok(interval('c').ci[1]! > interval('c').ci[0]! && aDiff.ci[1] > aDiff.ci[0], 'and these have width');
  // The text output notes exactly the intervals whose ci_note is set.
  const text = memoryIO();
  assert.equal(await compareCommand(['t', '--metric', 'm', '--stat', 'mean', '--vs', 'b', '--paired'], text, { series: async () => runs }), 0);
  assert.deepEqual(
    text.stderr.filter((l) => l.includes('zero-width')).map((l) => l.split(': zero-width')[0]),
    ['compare: note: a mean', 'compare: note: a P(>b)', 'compare: note: c P(>b)', 'compare: note: c − b (paired Δmean)'],
  );
});

test('mean-last:K names the runs that logged fewer than K values (scored on what they have)', async () => {
  const io = memoryIO();
  assert.equal(await compareCommand(['t', '--metric', 'm', '--at', 'mean-last:4', '--stat', 'mean'], io, thresholdSource), 0);
  assert.doesNotMatch(io.stderr.join('\n'), /fewer than 4 finite values/);
  const five = memoryIO();
  assert.equal(await compareCommand(['t', '--metric', 'm', '--at', 'mean-last:5', '--stat', 'mean'], five, thresholdSource), 0);
  assert.match(five.stderr.join('\n'), /7 run\(s\) logged fewer than 5 finite values of "m" .*fast-0 \(fast, seed 0: 4\)/);
});
