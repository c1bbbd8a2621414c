// The TensorBoard importer on event files written by tensorboardX (scripts/make_tb_fixtures.py) and on
// hand-built events for the summary forms tensorboardX does not write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventMessage, decodeEvents, frameRecord, planTensorboard, type Points } from '../src/index';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  arms: Record<string, Record<string, { last: number[]; iqm: number }>>;
};

test('tensorboardX logs: two arms x five seeds, v1 and v2 scalars, the truncated file reported and not a run', async () => {
  const plan = await planTensorboard(join(FIXTURES, 'tb'));
  assert.deepEqual(
    plan.runs.map((r) => `${r.arm}/${r.seed}`).sort(),
    ['ppo', 'ppo-clip'].flatMap((a) => [0, 1, 2, 3, 4].map((s) => `${a}/${s}`)).sort(),
  );
  assert.equal(plan.problems.length, 1);
  assert.match(plan.problems[0].path, /^broken\/run_0\/events\.out\.tfevents\./);
  assert.equal(plan.problems[0].skipped, true);
  assert.match(plan.problems[0].message, /truncated/);
  for (const run of plan.runs) {
    for (const [metric, exp] of Object.entries(expected.arms[run.arm])) {
      const p = run.metrics.get(metric)!;
      assert.ok(p, `${run.key} has ${metric}`);
      assert.equal(p.values[p.values.length - 1], exp.last[run.seed], `${run.key} ${metric}`);
      // Unevenly spaced, strictly increasing steps with their own wall times.
      assert.ok(p.steps.every((s, i) => i === 0 || s > p.steps[i - 1]));
      assert.ok(new Set(p.steps.slice(1).map((s, i) => s - p.steps[i])).size > 3);
      assert.ok(p.walls.every((w) => w > 1.6e9));
    }
  }
});

test('--group picks arm and seed from the path; runs it does not match are reported and left out', async () => {
  const plan = await planTensorboard(join(FIXTURES, 'tb'), { group: '^(?<arm>ppo)/seed_(?<seed>[0-3])$' });
  assert.deepEqual(plan.runs.map((r) => `${r.arm}/${r.seed}`).sort(), ['ppo/0', 'ppo/1', 'ppo/2', 'ppo/3']);
  const left = plan.problems.filter((p) => /does not match --group/.test(p.message)).map((p) => p.path).sort();
  assert.deepEqual(left, ['ppo-clip/seed_0', 'ppo-clip/seed_1', 'ppo-clip/seed_2', 'ppo-clip/seed_3', 'ppo-clip/seed_4', 'ppo/seed_4']);
  await assert.rejects(planTensorboard(join(FIXTURES, 'tb'), { group: '(?<seed>\\d+)' }), /named group \(\?<arm>/);
  await assert.rejects(planTensorboard(join(FIXTURES, 'tb'), { group: '(' }), /not a valid regular expression/);
});

function eventFile(events: object[]): Uint8Array {
  const recs = [{ wallTime: 1, fileVersion: 'brain.Event:2' }, ...events].map((e) => frameRecord(EventMessage.encode(EventMessage.fromObject(e)).finish()));
  const out = new Uint8Array(recs.reduce((n, r) => n + r.length, 0));
  let o = 0;
  for (const r of recs) out.set(r, (o += r.length) - r.length);
  return out;
}

test('v2 scalars in every numeric dtype, tensor_content or typed fields; non-scalar plugins and shapes ignored', () => {
  const f32 = new Uint8Array(new Float32Array([2.5]).buffer);
  const f64 = new Uint8Array(new Float64Array([-1e300]).buffer);
  const scalars = { pluginData: { pluginName: 'scalars' } };
  const buf = eventFile([
    { wallTime: 10, step: 1, summary: { value: [{ tag: 'a', metadata: scalars, tensor: { dtype: 1, tensorContent: f32 } }] } },
    { wallTime: 11, step: 2, summary: { value: [{ tag: 'a', tensor: { dtype: 1, floatVal: [3.5] } }] } },
    { wallTime: 12, step: 3, summary: { value: [{ tag: 'b', metadata: scalars, tensor: { dtype: 2, tensorContent: f64 } }] } },
    { wallTime: 13, step: 4, summary: { value: [{ tag: 'c', metadata: scalars, tensor: { dtype: 9, int64Val: [7] } }] } },
    { wallTime: 14, step: 5, summary: { value: [{ tag: 'd', metadata: scalars, tensor: { dtype: 19, halfVal: [0x3c00 | 0x200] } }] } },
    { wallTime: 15, step: 6, summary: { value: [{ tag: 'e', metadata: scalars, tensor: { dtype: 3, intVal: [-4] } }] } },
    { wallTime: 16, step: 7, summary: { value: [{ tag: 'h', metadata: { pluginData: { pluginName: 'histograms' } }, tensor: { dtype: 1, floatVal: [1] } }] } },
    { wallTime: 17, step: 8, summary: { value: [{ tag: 'h', tensor: { dtype: 1, floatVal: [1] } }] } },
    { wallTime: 18, step: 9, summary: { value: [{ tag: 'm', metadata: scalars, tensor: { dtype: 1, tensorShape: { dim: [{ size: 2 }] }, floatVal: [1, 2] } }] } },
    { wallTime: 19, step: 10, summary: { value: [{ tag: 'v1', simpleValue: 0 }] } },
  ]);
  const metrics = new Map<string, Points>();
  const r = decodeEvents(buf, metrics);
  assert.equal(r.problem, null);
  assert.deepEqual([...metrics.keys()].sort(), ['a', 'b', 'c', 'd', 'e', 'v1']);
  assert.deepEqual(metrics.get('a'), { steps: [1, 2], values: [2.5, 3.5], walls: [10, 11] });
  assert.deepEqual(metrics.get('b')!.values, [-1e300]);
  assert.deepEqual(metrics.get('c')!.values, [7]);
  assert.deepEqual(metrics.get('d')!.values, [1.5]);
  assert.deepEqual(metrics.get('e')!.values, [-4]);
  // A v1 scalar whose value is exactly 0 is still a point.
  assert.deepEqual(metrics.get('v1')!.values, [0]);
});

test('default naming: first component is the arm, the rest the run name whose trailing integer is the seed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-tbname-'));
  const ev = eventFile([{ wallTime: 1, step: 1, summary: { value: [{ tag: 'x', simpleValue: 1 }] } }]);
  for (const p of ['dqn/run7', 'dqn/run2', 'dqn/other', 'dqn/again7', 'ppo/deep/x3', 'solo']) {
    mkdirSync(join(dir, p), { recursive: true });
    writeFileSync(join(dir, p, 'events.out.tfevents.1.host'), ev);
  }
  const plan = await planTensorboard(dir);
  const got = Object.fromEntries(plan.runs.map((r) => [r.key, `${r.arm}/${r.seed}`]));
  // 'run7' wants seed 7, which 'again7' took first (folders are read in sorted order): it gets the next
  // unused one, as does 'other' (no trailing integer), and the plan says so.
  assert.equal(got['dqn/again7'], 'dqn/7');
  assert.equal(got['dqn/run2'], 'dqn/2');
  assert.deepEqual([got['dqn/other'], got['dqn/run7']].sort(), ['dqn/0', 'dqn/1']);
  assert.equal(got['ppo/deep/x3'], 'ppo/3');
  assert.equal(got['solo'], 'solo/0');
  assert.deepEqual(plan.problems.map((p) => p.path), ['dqn/run7']);
  assert.ok(plan.problems.every((p) => !p.skipped));
});

test('a corrupt record anywhere leaves the file out; the other files of the run are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-tbcorrupt-'));
  cpSync(join(FIXTURES, 'tb', 'ppo', 'seed_0'), join(dir, 'a', 'r0'), { recursive: true });
  const good = eventFile([{ wallTime: 5, step: 99999, summary: { value: [{ tag: 'extra', simpleValue: 4 }] } }]);
  const bad = good.slice();
  bad[bad.length - 6] ^= 0xff;
  writeFileSync(join(dir, 'a', 'r0', 'events.out.tfevents.2.x'), good);
  writeFileSync(join(dir, 'a', 'r0', 'events.out.tfevents.3.x'), bad);
  const plan = await planTensorboard(dir);
  assert.equal(plan.runs.length, 1);
  assert.deepEqual([...plan.runs[0].metrics.keys()].sort(), ['charts/episodic_return', 'extra', 'losses/value_loss']);
  assert.equal(plan.runs[0].files.length, 2);
  assert.equal(plan.problems.length, 1);
  assert.match(plan.problems[0].message, /CRC-32C \(corrupt\); file left out/);
  await assert.rejects(planTensorboard(join(dir, 'missing')), /cannot read .*missing: ENOENT/);
});
