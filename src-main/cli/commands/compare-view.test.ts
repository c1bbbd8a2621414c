// The comparison view's final-score tables print the digits `creditlab compare --at last` prints for the
// same runs: per-arm interval, probability of improvement and paired difference (README: "their numbers
// cannot disagree"). Host tests may check a renderer helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import type { RunSeries, StatName } from '@creditlab/stats';
import { computeComparisonStats } from '../../../src-renderer/src/views/comparison/comparison-stats';
import type { CliIO } from '../io';
import { compareCommand } from './compare';

function makeRuns(): RunSeries[] {
  const rng = new Rng(77);
  const runs: RunSeries[] = [];
  for (const [arm, target, seeds] of [['control', 5, 5], ['shaped', 6, 5], ['wide', 5.5, 4], ['solo', 7, 1]] as const)
    for (let seed = 0; seed < seeds; seed++) {
      const steps = Array.from({ length: 12 }, (_, i) => i * 10);
      runs.push({ run: `${arm}-${seed}`, arm, seed, steps, values: steps.map((_, i) => (target * i) / 11 + rng.normal()) });
    }
  return runs;
}

async function cli(runs: RunSeries[], stat: StatName) {
  const lines: string[] = [];
  const io: CliIO = { out: (l) => lines.push(l), err: () => {}, isTTY: false };
  const code = await compareCommand(['e', '--metric', 'm', '--at', 'last', '--stat', stat, '--vs', 'control', '--paired', '--json'], io, { series: async () => runs });
  assert.equal(code, 0);
  return JSON.parse(lines.at(-1)!).arms as { arm: string; estimate: number; ci: [number | null, number | null]; p_improvement: { estimate: number; ci: number[] } | null; difference: { ci: number[] } | null }[];
}

for (const stat of ['mean', 'iqm', 'median'] as const) {
  test(`view and CLI agree digit for digit (${stat})`, async () => {
    const runs = makeRuns();
    const arms = [...new Set(runs.map((r) => r.arm))];
    const view = computeComparisonStats({
      groups: arms.map((a) => ({
        label: a,
        color: '#000',
        runs: runs.filter((r) => r.arm === a).map((r) => ({ run: r.run, seed: r.seed, startedAt: null, steps: Float64Array.from(r.steps), values: Float64Array.from(r.values), times: null })),
      })),
      curve: { stat, band: 'none', smoothing: 0, xAxis: 'step' },
      seedLines: false,
      scores: { paired: true, vs: 'control' },
    }).scores;
    const c = await cli(runs, stat);
    const nul = (x: number) => (Number.isFinite(x) ? x : null);
    for (const e of view.est) {
      const row = c.find((r) => r.arm === e.arm)!;
      assert.equal(e.ci.estimate, row.estimate, `${e.arm} estimate`);
      assert.deepEqual(e.ci.ci.map(nul), row.ci, `${e.arm} interval`);
      if (e.arm !== 'control') {
        const p = view.poi.find((q) => q.x === e.arm && q.y === 'control')!;
        assert.deepEqual([p.r.estimate, ...p.r.ci], [row.p_improvement!.estimate, ...row.p_improvement!.ci], `${e.arm} P(> control)`);
      }
    }
    for (const p of view.paired) assert.deepEqual(p.d!.ci.map(nul), c.find((r) => r.arm === p.arm)!.difference!.ci, `${p.arm} paired`);
    assert.ok(view.est.find((e) => e.arm === 'solo')!.ci.ci.every(Number.isNaN), 'one run: no interval in the view either');
  });
}
