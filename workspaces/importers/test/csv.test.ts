import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planCsv } from '../src/index';

const tmp = (name: string, text: string) => {
  const f = join(mkdtempSync(join(tmpdir(), 'creditlab-csv-')), name);
  writeFileSync(f, text);
  return f;
};

test("W&B's wide export: runs and metrics from '<run> - <metric>', band columns ignored, empty cells are no point", async () => {
  const f = tmp(
    'wandb.csv',
    [
      'Step,ppo-seed1 - charts/return,ppo-seed1 - charts/return__MIN,ppo-seed1 - charts/return__MAX,ppo_2 - charts/return,"sac, tuned 0 - charts/return",odd',
      '0,1.5,1,2,,7,x',
      '10,2.5,2,3,4,,x',
      '25,,,,5,8,x',
    ].join('\n'),
  );
  const plan = await planCsv(f);
  assert.equal(plan.source.kind, 'wandb-csv');
  const byKey = Object.fromEntries(plan.runs.map((r) => [r.key, r]));
  assert.deepEqual(Object.keys(byKey).sort(), ['ppo-seed1', 'ppo_2', 'sac, tuned 0']);
  assert.deepEqual([byKey['ppo-seed1'].arm, byKey['ppo-seed1'].seed], ['ppo', 1]);
  assert.deepEqual([byKey['ppo_2'].arm, byKey['ppo_2'].seed], ['ppo', 2]);
  assert.deepEqual([byKey['sac, tuned 0'].arm, byKey['sac, tuned 0'].seed], ['sac, tuned', 0]);
  const p = byKey['ppo-seed1'].metrics.get('charts/return')!;
  assert.deepEqual(p.steps, [0, 10]);
  assert.deepEqual(p.values, [1.5, 2.5]);
  assert.ok(p.walls.every(Number.isNaN));
  assert.deepEqual(byKey['ppo_2'].metrics.get('charts/return')!.steps, [10, 25]);
  assert.deepEqual(plan.problems, [{ path: 'column 7', message: '"odd" is not "<run> - <metric>"; left out', skipped: true }]);
});

test("Creditlab's long export: arm and seed columns decide; NaN kept; a bad row is named by its line", async () => {
  const f = tmp(
    'long.csv',
    [
      'experiment,arm,seed,run,step,metric,value',
      'e1,"base, v2",3,r1,0,score,1',
      'e1,"base, v2",3,r1,5,score,NaN',
      'e1,other,3,r2,0,score,2',
      'e1,other,3,r2,oops,score,2',
    ].join('\n'),
  );
  const plan = await planCsv(f);
  assert.equal(plan.source.kind, 'csv');
  const r1 = plan.runs.find((r) => r.key === 'e1/r1')!;
  assert.deepEqual([r1.arm, r1.seed], ['base, v2', 3]);
  assert.deepEqual(r1.metrics.get('score')!.steps, [0, 5]);
  assert.ok(Number.isNaN(r1.metrics.get('score')!.values[1]));
  assert.deepEqual(plan.problems.map((p) => p.path), ['line 5']);
});

test('an unknown layout or a malformed CSV is an error that names the file', async () => {
  await assert.rejects(planCsv(tmp('x.csv', 'a,b\n1,2\n')), /x\.csv: unknown CSV layout/);
  await assert.rejects(planCsv(tmp('y.csv', 'Step,a - b\n1,"2\n')), /y\.csv: not a well-formed CSV/);
  await assert.rejects(planCsv(tmp('z.csv', '')), /z\.csv is empty/);
  await assert.rejects(planCsv(tmpdir()), /is not a regular file/);
});
