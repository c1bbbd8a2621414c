// The comparison's statistics worker: what comes back through the message protocol (structured clone
// both ways, the service's job loop) equals the synchronous computation the view used to run on the UI
// thread, and a job that is superseded is cancelled rather than finished.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateCurves,
  armImprovement,
  armInterval,
  armZeroWidthNote,
  extractScore,
  improvementZeroWidthNote,
  pairedVs,
  pairedZeroWidthNote,
  smoothSeries,
  type StatName,
} from '@creditlab/stats';
import {
  computeComparisonStats,
  decimate,
  MAX_LINE_POINTS,
  toWallTime,
  type CurveSettings,
  type GroupInput,
  type StatsRequest,
} from '../src/views/comparison/comparison-stats';
import { createStatsService } from '../src/views/comparison/stats-service';
import { isAbort, StatsClient, type StatsWorkerLike } from '../src/views/comparison/stats-client';
import type { FromStatsWorker, ToStatsWorker } from '../src/views/comparison/stats-protocol';
import { LruMap } from '../src/lib/lru';

interface Run {
  run: string;
  seed: number;
  startedAt: number | null;
  steps: number[];
  values: number[];
  times: number[];
}

/** Runs with their own lengths and cadences, a NaN now and then, and host-batch timestamps. */
function makeRuns(arm: number, seeds: number, seed: number): Run[] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: seeds }, (_, k) => {
    const n = 40 + Math.floor(rand() * 80);
    const every = 1 + Math.floor(rand() * 3);
    const steps = Array.from({ length: n }, (_, i) => (i + 1) * 10 * every);
    const values = steps.map((_, i) => (i % 37 === 5 ? NaN : 100 * (1 - Math.exp(-(arm + 1) * i / n)) + 20 * (rand() - 0.5)));
    const t0 = 1_700_000_000 + k;
    const times = steps.map((_, i) => t0 + 2 + Math.floor(i / 8) * 0.5);
    return { run: `r${arm}-${k}`, seed: (k * 7) % seeds, startedAt: k % 2 ? t0 : null, steps, values, times };
  });
}

const GROUPS: { label: string; color: string; runs: Run[] }[] = [
  { label: 'baseline', color: '#4e79a7', runs: makeRuns(0, 5, 11) },
  { label: 'shaped', color: '#f28e2b', runs: makeRuns(1, 4, 22) },
  { label: 'empty', color: '#e15759', runs: [] },
  { label: 'third', color: '#76b7b2', runs: makeRuns(2, 3, 33) },
];

function request(curve: CurveSettings, opts: { seedLines?: boolean; scores?: StatsRequest['scores'] } = {}): StatsRequest {
  const groups: GroupInput[] = GROUPS.map((g) => ({
    label: g.label,
    color: g.color,
    runs: g.runs.map((r) => ({
      run: r.run,
      seed: r.seed,
      startedAt: r.startedAt,
      steps: Float64Array.from(r.steps),
      values: Float64Array.from(r.values),
      times: curve.xAxis === 'time' ? Float64Array.from(r.times) : null,
    })),
  }));
  return { groups, curve, seedLines: opts.seedLines ?? false, scores: opts.scores === undefined ? { paired: true, vs: null } : opts.scores };
}

/** The view's former synchronous path, written out from its plain-array series. */
function reference(curve: CurveSettings, seedLines: boolean, scores: StatsRequest['scores']) {
  const { stat, band, smoothing, xAxis } = curve;
  const groups = GROUPS.map((g) => ({
    ...g,
    runs: [...g.runs]
      .sort((a, b) => a.seed - b.seed)
      .map((r) => ({ ...r, steps: xAxis === 'time' ? toWallTime(r.steps, r.times, r.startedAt) : r.steps })),
  }));
  const curves = groups.map((g) => {
    const base = { arm: g.label, color: g.color, seeds: g.runs.map((r) => r.seed) };
    if (g.runs.length === 0) return { ...base, curve: null, raw: null, lines: [] };
    const lines = seedLines
      ? g.runs.map((r) => {
          const s = smoothing > 0 ? smoothSeries(r, { kind: 'ema', weight: smoothing }) : r;
          return { seed: r.seed, ...decimate(s.steps, s.values, MAX_LINE_POINTS) };
        })
      : [];
    const smooth = smoothing > 0 ? ({ kind: 'ema', weight: smoothing } as const) : ({ kind: 'none' } as const);
    return {
      ...base,
      curve: aggregateCurves(g.runs, { stat, smooth, reps: band === 'ci' ? 500 : 1, ci: 0.95, seed: 0 }),
      raw: smoothing > 0 ? aggregateCurves(g.runs, { stat, reps: 1, seed: 0 }) : null,
      lines,
    };
  });
  if (!scores) return { curves, scores: { est: [], poi: [], paired: [], vs: null } };
  const perArm = groups.map((g) => ({ arm: g.label, color: g.color, values: g.runs.map((r) => extractScore(r, 'last')).filter(Number.isFinite) })).filter((a) => a.values.length > 0);
  // A zero-width interval carries its note (@creditlab/stats interval-notes), the field absent otherwise.
  const zero = (note: string | null) => (note === null ? {} : { zeroWidth: note });
  const est = perArm.map((a) => {
    const ci = armInterval(a.arm, a.values, stat, { reps: 2000, seed: 0 });
    return { ...a, ci, ...zero(armZeroWidthNote(a.values, stat, ci.ci)) };
  });
  const poi = perArm.flatMap((x) =>
    perArm
      .filter((y) => y.arm !== x.arm)
      .map((y) => {
        const r = armImprovement(x.arm, x.values, y.arm, y.values, { reps: 2000, seed: 0 });
        return { x: x.arm, y: y.arm, r, ...zero(improvementZeroWidthNote(x.arm, x.values, y.arm, y.values, r.ci)) };
      }),
  );
  const seedScores = (g: (typeof groups)[number]) => g.runs.flatMap((r) => (Number.isFinite(extractScore(r, 'last')) ? [{ seed: r.seed, value: extractScore(r, 'last') }] : []));
  const vs = groups.find((g) => g.label === scores.vs) ?? groups[0];
  const paired = scores.paired
    ? groups
        .filter((g) => g !== vs)
        .map((g) => {
          try {
            const d = pairedVs(g.label, seedScores(g), vs.label, seedScores(vs), stat, { reps: 2000, seed: 0 });
            return { arm: g.label, color: g.color, d, ...zero(pairedZeroWidthNote(seedScores(g), seedScores(vs), stat, d.ci)) };
          } catch (e) {
            return { arm: g.label, color: g.color, d: null, error: (e as Error).message };
          }
        })
    : [];
  return { curves, scores: { est, poi, paired, vs: scores.paired ? vs.label : null } };
}

/** The worker, in process: every message is structured-cloned (transfers included) and delivered on a later task, as postMessage does. */
function inProcessWorker(log: FromStatsWorker[] = [], delivered?: (msg: ToStatsWorker) => void): StatsWorkerLike {
  const w: StatsWorkerLike = {
    onmessage: null,
    onerror: null,
    terminate() {},
    postMessage(msg: ToStatsWorker, transfer?: Transferable[]) {
      const copy = structuredClone(msg, { transfer });
      setImmediate(() => {
        handle(copy);
        delivered?.(copy);
      });
    },
  };
  const handle = createStatsService((out) => {
    log.push(out);
    const copy = structuredClone(out);
    setImmediate(() => w.onmessage?.({ data: copy } as MessageEvent<FromStatsWorker>));
  });
  return w;
}

const SETTINGS: [CurveSettings, boolean, StatsRequest['scores']][] = [
  [{ stat: 'iqm', band: 'ci', smoothing: 0.6, xAxis: 'step' }, false, { paired: true, vs: null }],
  [{ stat: 'mean', band: 'none', smoothing: 0, xAxis: 'step' }, true, { paired: true, vs: 'shaped' }],
  [{ stat: 'median', band: 'ci', smoothing: 0.3, xAxis: 'time' }, true, { paired: false, vs: null }],
  [{ stat: 'iqm', band: 'ci', smoothing: 0.9, xAxis: 'step' }, true, null],
];

test('through the worker protocol the statistics equal the synchronous path', async () => {
  const client = new StatsClient(() => inProcessWorker());
  for (const [curve, seedLines, scores] of SETTINGS) {
    const req = request(curve, { seedLines, scores });
    const want = reference(curve, seedLines, scores);
    const got = await client.compute(req);
    assert.deepEqual(got, want, JSON.stringify(curve));
    // The points went to the worker by transfer: this side's arrays are empty now, and the spent request is refused.
    assert.ok(req.groups.every((g) => g.runs.every((r) => r.steps.length === 0 && r.values.length === 0)));
    await assert.rejects(client.compute(req), /sent already/);
    assert.deepEqual(computeComparisonStats(request(curve, { seedLines, scores })), want);
    // The reference is not degenerate: bands have width, groups differ, the empty group stays empty.
    assert.ok(got.curves[0].curve!.low.some((v, i) => v < got.curves[0].curve!.high[i]) || curve.band === 'none');
    assert.notDeepEqual(got.curves[0].curve!.estimate, got.curves[1].curve!.estimate);
    assert.equal(got.curves[2].curve, null);
    if (seedLines) assert.equal(got.curves[0].lines.length, 5);
    if (scores) assert.equal(got.scores.est.length, 3);
  }
  assert.equal(client.inFlight, 0);
});

test('a group whose statistics fail reports its error and the others still compute', async () => {
  const client = new StatsClient(() => inProcessWorker());
  // Score tables off: a series whose lengths disagree has no last value either, and that fails the job.
  const req = request({ stat: 'iqm', band: 'ci', smoothing: 0, xAxis: 'step' }, { scores: null });
  req.groups[1].runs[0].values = req.groups[1].runs[0].values.subarray(1); // one value short of its steps
  const got = await client.compute(req);
  assert.match(got.curves[1].error ?? '', /steps but/);
  assert.equal(got.curves[1].curve, null);
  assert.ok(got.curves[0].curve && got.curves[3].curve);
  // A failure outside the per-group curves (here the score table) fails the job with its message.
  const bad = { ...request(req.curve), curve: { ...req.curve, stat: 'nope' as StatName } };
  let message = '';
  assert.throws(() => computeComparisonStats(bad), (e: Error) => ((message = e.message), true));
  await assert.rejects(client.compute(bad), (e: Error) => e.message === message && !isAbort(e));
});

test('a superseded job is cancelled while it runs and only the newer one is answered with a result', async () => {
  const log: FromStatsWorker[] = [];
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const client = new StatsClient(() => inProcessWorker(log, (m) => m.type === 'compute' && started()));
  // Many groups: many units, so the cancel arrives while the job is still running.
  const big: StatsRequest = { ...request({ stat: 'iqm', band: 'ci', smoothing: 0.6, xAxis: 'step' }) };
  big.groups = Array.from({ length: 40 }, (_, i) => ({ ...big.groups[i % 2], label: `g${i}` }));
  const first = new AbortController();
  const a = client.compute(big, first.signal);
  const small = request({ stat: 'mean', band: 'none', smoothing: 0, xAxis: 'step' });
  // The service has the job and, a microtask later, has run its first unit.
  await running;
  await new Promise((r) => setImmediate(r));
  assert.equal(log.length, 0, 'the big job is still running');
  first.abort();
  const b = client.compute(small);
  await assert.rejects(a, (e) => isAbort(e));
  assert.deepEqual(await b, reference(small.curve, false, small.scores));
  assert.deepEqual(
    log.map((m) => m.type),
    ['cancelled', 'result'],
  );
  // An abort before sending sends nothing.
  const gone = new AbortController();
  gone.abort();
  await assert.rejects(client.compute(small, gone.signal), (e) => isAbort(e));
  assert.equal(client.inFlight, 0);
});

test('a worker that dies fails its jobs and the next job starts a fresh one', async () => {
  let made = 0;
  let dying: StatsWorkerLike | null = null;
  const client = new StatsClient(() => {
    made++;
    const w = inProcessWorker();
    if (made === 1) {
      dying = w;
      w.postMessage = () => undefined;
    }
    return w;
  });
  const job = client.compute(request({ stat: 'mean', band: 'none', smoothing: 0, xAxis: 'step' }));
  dying!.onerror!({ message: 'boom' } as ErrorEvent);
  await assert.rejects(job, /statistics worker failed: boom/);
  const again = await client.compute(request({ stat: 'mean', band: 'none', smoothing: 0, xAxis: 'step' }));
  assert.equal(again.curves.length, 4);
  assert.equal(made, 2);
});

test('the bounded cache drops the least recently used entries, by count and by size', () => {
  const c = new LruMap<string, number[]>(3, (v) => v.length, 10);
  c.set('a', [1]).set('b', [1, 2]).set('c', [1]);
  c.get('a');
  c.set('d', [1]);
  assert.deepEqual([...c.keys()], ['c', 'a', 'd']);
  c.set('e', Array(9).fill(0));
  assert.deepEqual([...c.keys()], ['d', 'e'], 'over the size bound: oldest out until it fits');
  c.set('huge', Array(50).fill(0));
  assert.deepEqual([...c.keys()], ['huge'], 'the entry just written stays even alone over the bound');
  const grows = c.get('huge')!;
  c.set('x', [1]);
  assert.deepEqual([...c.keys()], ['x']);
  grows.length = 0;
});

test('the band outline runs along the upper bounds and back along the lower ones, skipping uncovered points', async () => {
  const { bandPolygon } = await import('../src/views/comparison/figure');
  assert.deepEqual(bandPolygon([1, 2, 3, 4], [0, NaN, 2, 3], [5, NaN, 7, 8]), { x: [1, 3, 4, 4, 3, 1], y: [5, 7, 8, 3, 2, 0] });
});

test('a thinned seed line keeps the lowest and highest point of every bucket, spikes and gaps included', () => {
  const n = 10_000;
  const steps = Array.from({ length: n }, (_, i) => (i + 1) * 50);
  const values = steps.map((_, i) => Math.sin(i / 300));
  values[4321] = 50; // a one-point spike
  values[7777] = -50; // a one-point collapse
  values[9000] = NaN; // a missing value
  const { x, y } = decimate(steps, values, MAX_LINE_POINTS);
  // Two points a bucket, the two ends, and the missing value of the bucket that has one.
  assert.ok(x.length <= MAX_LINE_POINTS + 3, `${x.length} points`);
  assert.ok(x.length > MAX_LINE_POINTS / 2);
  // Every point kept is a real point of the line, in order; the ends are kept.
  assert.ok(x.every((v, i) => i === 0 || v > x[i - 1]));
  x.forEach((v, i) => assert.ok(Object.is(values[v / 50 - 1], y[i])));
  assert.deepEqual([x[0], x.at(-1)], [steps[0], steps[n - 1]]);
  // Striding every k-th point would miss all three.
  assert.ok(y.includes(50) && y.includes(-50) && y.some(Number.isNaN));
  // Within every bucket the line's extremes survive: the thinned line spans what the full one spans.
  const finite = (a: number[]) => a.filter(Number.isFinite);
  assert.equal(Math.max(...finite(y)), Math.max(...finite(values)));
  assert.equal(Math.min(...finite(y)), Math.min(...finite(values)));
  // Short lines are drawn as they are.
  assert.deepEqual(decimate(steps.slice(0, 10), values.slice(0, 10), MAX_LINE_POINTS), { x: steps.slice(0, 10), y: values.slice(0, 10) });
});
