// `creditlab compare` agrees with an independent computation from `creditlab export` of the same
// experiment, and `export --aggregate` never fills a grid point from a run that did not reach it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@creditlab/common';
import { resolveExperiment } from '@creditlab/spec';
import { RunStore } from '@creditlab/store';
import { bandPointZeroWidthNote } from '@creditlab/stats';
import { main } from '../main';
import type { CliIO } from '../io';

function capture(): CliIO & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), isTTY: false };
}

function makeWorkspace() {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-cmp-'));
  const store = RunStore.open(dir);
  const { spec, runs } = resolveExperiment({
    version: 1,
    name: 'cmp',
    seeds: [0, 1, 2, 3, 4, 5, 6],
    budget: { steps: 1000 },
    base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
    arms: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
  });
  const { experimentId, runIds } = store.createExperiment(spec, runs);
  const rng = new Rng(42);
  const lengths: number[] = [];
  runIds.forEach((id, i) => {
    // Different arms, different levels; every run logs at its own irregular steps and stops at its own length.
    const n = 5 + rng.int(30);
    lengths.push(n);
    let step = rng.int(7);
    const pts = [];
    for (let k = 0; k < n; k++) {
      step += 1 + rng.int(13);
      pts.push({ step, metric: 'score', value: (i % 3) + rng.normal() + k / n });
    }
    store.appendMetrics(id, pts);
    store.finishRun(id, 'finished');
  });
  store.close();
  return { dir, experimentId };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const iqm = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const cut = Math.floor(0.25 * s.length);
  return mean(s.slice(cut, s.length - cut));
};

test('compare point estimates equal an independent computation from export', async () => {
  const { dir, experimentId } = makeWorkspace();
  const csv = join(dir, 'all.csv');
  const io = capture();
  assert.equal(await main(['export', experimentId, '--format', 'csv', '--out', csv, '--workspace', dir], io), 0);
  const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  // run -> ordered values, arm
  const byRun = new Map<string, { arm: string; values: number[] }>();
  for (const [, arm, , run, , metric, value] of rows) {
    if (metric !== 'score') continue;
    (byRun.get(run) ?? byRun.set(run, { arm, values: [] }).get(run)!).values.push(Number(value));
  }
  for (const [at, score] of [
    ['last', (v: number[]) => v[v.length - 1]],
    ['mean-last:3', (v: number[]) => mean(v.slice(-3))],
    ['max', (v: number[]) => Math.max(...v)],
  ] as const) {
    for (const [stat, agg] of [['mean', mean], ['median', median], ['iqm', iqm]] as const) {
      const cio = capture();
      assert.equal(await main(['compare', experimentId, '--metric', 'score', '--at', at, '--stat', stat, '--json', '--reps', '200', '--workspace', dir], cio), 0, cio.errs.join('\n'));
      const out = JSON.parse(cio.lines[cio.lines.length - 1]);
      assert.equal(out.arms.length, 3);
      for (const a of out.arms) {
        const scores = [...byRun.values()].filter((r) => r.arm === a.arm).map((r) => score(r.values));
        assert.equal(a.n, 7);
        assert.ok(Math.abs(a.estimate - agg(scores)) < 1e-9, `${at}/${stat}/${a.arm}: ${a.estimate} vs ${agg(scores)}`);
        assert.ok(a.ci[0] <= a.estimate + 1e-12 && a.estimate <= a.ci[1] + 1e-12);
      }
    }
  }
});

test('export --aggregate: per-arm curves with n counting only runs that reached each step', async () => {
  const { dir, experimentId } = makeWorkspace();
  const out = join(dir, 'agg.csv');
  const io = capture();
  assert.equal(await main(['export', experimentId, '--aggregate', '--metric', 'score', '--stat', 'mean', '--format', 'csv', '--out', out, '--reps', '100', '--workspace', dir], io), 0, io.errs.join('\n'));
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'step,arm,estimate,ci_low,ci_high,n,ci_method');
  const several = lines.slice(1).filter((x) => !/,1,"[^"]*"$/.test(x));
  assert.ok(several.length > 0);
  for (const l of several) assert.match(l, /,"95% percentile bootstrap \(100 resamples\), n=\d+ \(undercovers at small n\)"$/);
  // A point one run covers has no interval, and says so.
  for (const l of lines.slice(1).filter((x) => /,1,"[^"]*"$/.test(x))) assert.match(l, /,NaN,NaN,1,"no interval: one run, n=1"$/);
  const store = RunStore.open(dir);
  const series = store.series(experimentId, 'score');
  store.close();
  for (const line of lines.slice(1)) {
    const [step, arm, , , , n] = line.split(',');
    const reached = series.filter((s) => s.arm === arm && s.steps[0] <= Number(step) && Number(step) <= s.steps[s.steps.length - 1]).length;
    assert.equal(Number(n), reached, `arm ${arm} step ${step}`);
  }
  assert.equal(await main(['export', experimentId, '--aggregate', '--format', 'csv', '--out', out, '--workspace', dir], capture()), 2);
});

test('export --aggregate: a grid point whose band has zero width (every run the same there) says why, in JSON ci_note and in the CSV\'s ci_method', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-cmp-'));
  const store = RunStore.open(dir);
  const { spec, runs } = resolveExperiment({ version: 1, name: 'capped', seeds: [0, 1, 2], budget: { steps: 1000 }, base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } }, arms: [{ name: 'a' }, { name: 'b' }] });
  const { experimentId, runIds } = store.createExperiment(spec, runs);
  runIds.forEach((id, i) => {
    const seed = i % 3;
    // Arm a: all at 0 at step 0, apart while learning (steps 1, 2), all at the cap of 500 from step 3. Arm b never agrees.
    const value = (k: number) => (i < 3 ? (k === 0 ? 0 : k < 3 ? k * (seed + 1) : 500) : 100 + seed + k);
    store.appendMetrics(id, [0, 1, 2, 3, 4, 5].map((k) => ({ step: k * 10, metric: 'capped', value: value(k) })));
    store.finishRun(id, 'finished');
  });
  store.close();
  const note = bandPointZeroWidthNote({ n: 3, cause: 'all-equal' });
  const json = join(dir, 'agg.json');
  assert.equal(await main(['export', experimentId, '--aggregate', '--metric', 'capped', '--stat', 'mean', '--format', 'json', '--out', json, '--reps', '100', '--workspace', dir], capture()), 0);
  const rows = JSON.parse(readFileSync(json, 'utf8')).rows as { step: number; arm: string; ci_low: number; ci_high: number; ci_note: string | null }[];
  assert.deepEqual(
    rows.map((r) => [r.arm, r.step, r.ci_note]),
    [0, 10, 20, 30, 40, 50].map((step) => ['a', step, step === 10 || step === 20 ? null : note]).concat([0, 10, 20, 30, 40, 50].map((step) => ['b', step, null])),
  );
  assert.deepEqual([rows[3].ci_low, rows[3].ci_high], [500, 500]);
  const csv = join(dir, 'agg.csv');
  assert.equal(await main(['export', experimentId, '--aggregate', '--metric', 'capped', '--stat', 'mean', '--format', 'csv', '--out', csv, '--reps', '100', '--workspace', dir], capture()), 0);
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'step,arm,estimate,ci_low,ci_high,n,ci_method');
  assert.equal(lines[4], `30,a,500,500,500,3,"95% percentile bootstrap (100 resamples), n=3 (undercovers at small n); ${note}"`);
  assert.equal(lines[2], '10,a,2,1,3,3,"95% percentile bootstrap (100 resamples), n=3 (undercovers at small n)"');
});

test('compare --paired equals per-seed differences computed independently from export', async () => {
  const { dir, experimentId } = makeWorkspace();
  const csv = join(dir, 'all.csv');
  assert.equal(await main(['export', experimentId, '--format', 'csv', '--out', csv, '--workspace', dir], capture()), 0);
  // arm -> seed -> last value, from the CSV alone (rows are in step order within a run).
  const last = new Map<string, Map<number, number>>();
  for (const line of readFileSync(csv, 'utf8').trim().split('\n').slice(1)) {
    const [, arm, seed, , , metric, value] = line.split(',');
    if (metric !== 'score') continue;
    (last.get(arm) ?? last.set(arm, new Map()).get(arm)!).set(Number(seed), Number(value));
  }
  const io = capture();
  assert.equal(await main(['compare', experimentId, '--metric', 'score', '--at', 'last', '--stat', 'mean', '--vs', 'a', '--paired', '--json', '--workspace', dir], io), 0, io.errs.join('\n'));
  const out = JSON.parse(io.lines.at(-1)!);
  const T_975_DF6 = 2.4469118511449786; // scipy.stats.t.ppf(0.975, 6)
  for (const arm of ['b', 'c']) {
    const d = out.arms.find((x: { arm: string }) => x.arm === arm).difference;
    const diffs = [...last.get(arm)!].map(([seed, v]) => v - last.get('a')!.get(seed)!);
    assert.equal(diffs.length, 7);
    const m = mean(diffs);
    const sd = Math.sqrt(diffs.reduce((acc, x) => acc + (x - m) ** 2, 0) / 6);
    assert.equal(d.n, 7);
    assert.ok(Math.abs(d.estimate - m) < 1e-9, `${arm}: ${d.estimate} vs ${m}`);
    assert.ok(Math.abs(d.ci[0] - (m - (T_975_DF6 * sd) / Math.sqrt(7))) < 1e-9);
    assert.ok(Math.abs(d.ci[1] - (m + (T_975_DF6 * sd) / Math.sqrt(7))) < 1e-9);
  }
});
