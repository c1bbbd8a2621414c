// The comparison legend names each group's compute path, from the runs' records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExperimentDetail, Series } from '@creditlab/api';
import { computeLabel } from '../src/lib/format';
import { groupRuns } from '../src/views/comparison/grouping';
import { buildFigure } from '../src/views/comparison/figure';
import { computeComparisonStats } from '../src/views/comparison/comparison-stats';

test('computeLabel: one path, mixed paths, none recorded', () => {
  assert.equal(computeLabel([{ compute: 'fused' }, { compute: 'fused' }]), 'fused');
  assert.equal(computeLabel([{ compute: 'tfjs' }, { compute: 'fused' }, { compute: null }]), 'fused+tfjs');
  assert.equal(computeLabel([{ compute: null }, {}]), '');
});

test('the legend carries each arm\'s compute path; a group mixing paths says so', () => {
  const runs = [
    { id: 'r1', arm: 'a', seed: 0, compute: 'fused' },
    { id: 'r2', arm: 'a', seed: 1, compute: 'fused' },
    { id: 'r3', arm: 'b', seed: 0, compute: 'fused' },
    { id: 'r4', arm: 'b', seed: 1, compute: 'tfjs' },
  ];
  const exp = { name: 'e', arms: ['a', 'b'], runs: runs.map((r) => ({ ...r, startedAt: null })) } as unknown as ExperimentDetail;
  const series = new Map<string, Series>(runs.map((r) => [r.id, { run: r.id, arm: r.arm, seed: r.seed, metric: 'm', steps: [0, 1, 2], values: [0, r.seed, 2], times: [0, 1, 2] }]));
  const groups = groupRuns([{ exp, series }], { by: 'arm', multi: false, resolved: new Map() }, 'step');
  assert.deepEqual(groups.map((g) => g.compute), ['fused', 'fused+tfjs']);
  const stats = computeComparisonStats({ groups, curve: { stat: 'mean', band: 'none', smoothing: 0, xAxis: 'step' }, seedLines: false, scores: null });
  const fig = buildFigure({ curves: stats.curves, metric: 'm', stat: 'mean', band: 'none', smoothing: 0, showSeeds: false, logY: false, xAxis: 'step', stepLabel: 'steps', title: 't', uirevision: 'x', alarms: [], pub: true } as Parameters<typeof buildFigure>[0]);
  const names = fig.data.map((d) => (d as { name?: string }).name).filter(Boolean);
  assert.deepEqual(names, ['a (n=2, fused)', 'b (n=2, fused+tfjs)']);
});
