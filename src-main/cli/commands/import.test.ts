// `creditlab import`: tensorboardX logs become an experiment whose `compare` equals numpy on the raw
// scalars; importing again writes nothing twice; the result is read-only but otherwise native.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main';
import type { CliIO } from '../io';
import { Host } from '../../host/host';

const FIXTURES = new URL('../../../workspaces/importers/test/fixtures/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { arms: Record<string, Record<string, { iqm: number }>> };

function capture(): CliIO & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), isTTY: false };
}

async function cli(args: string[]) {
  const io = capture();
  const code = await main(args, io);
  return { code, ...io, json: () => JSON.parse(io.lines[io.lines.length - 1]) };
}

test('tensorboardX logs import; compare --at last --stat iqm equals numpy; the truncated file is reported, not a run', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'creditlab-imp-'));
  const r = await cli(['import', 'tensorboard', join(FIXTURES, 'tb'), '--name', 'tbx', '--workspace', ws, '--json']);
  assert.equal(r.code, 1, 'something was skipped');
  const out = r.json();
  assert.equal(out.runsAdded, 10);
  assert.deepEqual(out.problems.map((p: { path: string }) => p.path.split('/').slice(0, 2).join('/')), ['broken/run_0']);
  for (const metric of ['charts/episodic_return', 'losses/value_loss']) {
    const c = await cli(['compare', 'tbx', '--metric', metric, '--at', 'last', '--stat', 'iqm', '--json', '--workspace', ws]);
    assert.equal(c.code, 0, c.errs.join('\n'));
    const arms = c.json().arms as { arm: string; n: number; estimate: number }[];
    assert.deepEqual(arms.map((a) => a.arm).sort(), ['ppo', 'ppo-clip']);
    for (const a of arms) {
      assert.equal(a.n, 5);
      assert.ok(Math.abs(a.estimate - expected.arms[a.arm][metric].iqm) < 1e-9, `${a.arm} ${metric}: ${a.estimate} vs numpy ${expected.arms[a.arm][metric].iqm}`);
    }
  }
  const show = await cli(['show', 'tbx', '--json', '--workspace', ws]);
  const exp = show.json();
  assert.equal(exp.kind, 'imported');
  assert.equal(exp.source.kind, 'tensorboard');
  assert.equal(exp.source.path, join(FIXTURES, 'tb').replace(/\/$/, ''));
  assert.equal(exp.runs.length, 10);
  assert.ok(exp.runs.every((run: { status: string; executor: string }) => run.status === 'finished' && run.executor === 'import'));
});

test('importing the same logdir again adds only new runs and points; an imported experiment cannot be re-run', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'creditlab-imp2-'));
  const logdir = join(mkdtempSync(join(tmpdir(), 'creditlab-logs-')), 'logs');
  cpSync(join(FIXTURES, 'tb', 'ppo'), join(logdir, 'ppo'), { recursive: true });
  renameSync(join(logdir, 'ppo', 'seed_4'), join(logdir, 'later_seed_4'));
  const first = await cli(['import', 'tensorboard', logdir, '--workspace', ws, '--json', '--group', '(?<arm>ppo)/seed_(?<seed>\\d+)$']);
  assert.equal(first.code, 1, 'later_seed_4 does not match the group');
  assert.equal(first.json().runsAdded, 4);
  const exportRows = async () => {
    const f = join(ws, `export-${Math.random()}.csv`);
    assert.equal((await cli(['export', 'logs', '--format', 'csv', '--out', f, '--workspace', ws])).code, 0);
    return readFileSync(f, 'utf8').trim().split('\n').slice(1);
  };
  const before = await exportRows();
  const again = await cli(['import', 'tensorboard', logdir, '--workspace', ws, '--json', '--group', '(?<arm>ppo)/seed_(?<seed>\\d+)$']);
  assert.deepEqual([again.json().created, again.json().runsAdded, again.json().pointsAdded], [false, 0, 0]);
  assert.equal(again.json().pointsKnown, before.length);
  assert.deepEqual(await exportRows(), before);
  renameSync(join(logdir, 'later_seed_4'), join(logdir, 'ppo', 'seed_4'));
  const third = await cli(['import', 'tensorboard', logdir, '--workspace', ws, '--json', '--group', '(?<arm>ppo)/seed_(?<seed>\\d+)$']);
  assert.equal(third.code, 0);
  assert.deepEqual([third.json().experimentId, third.json().runsAdded, third.json().runsExtended], [first.json().experimentId, 1, 0]);
  const after = await exportRows();
  assert.equal(new Set(after.map((l) => l.split(',').slice(1).join(','))).size, after.length, 'no duplicate point');
  assert.ok(before.every((l) => after.includes(l)));

  const host = new Host({ workspace: ws, workers: 1 });
  try {
    await assert.rejects(host.rerunExperiment(first.json().experimentId), /imported experiment .* cannot be re-run/);
    const preview = await host.previewImport({ kind: 'tensorboard', path: join(FIXTURES, 'tb') });
    assert.deepEqual(preview.arms.map((a) => a.name).sort(), ['ppo', 'ppo-clip']);
    assert.equal(preview.problems.length, 1);
    assert.equal(host.store.listExperiments().length, 1, 'a preview writes nothing');
  } finally {
    await host.close();
  }
});

test('export → import csv is a round trip: the same arms, seeds and series', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'creditlab-imp3-'));
  await cli(['import', 'tensorboard', join(FIXTURES, 'tb'), '--name', 'orig', '--workspace', ws]);
  const f = join(ws, 'orig.csv');
  await cli(['export', 'orig', '--format', 'csv', '--out', f, '--workspace', ws]);
  const r = await cli(['import', 'csv', f, '--name', 'back', '--workspace', ws, '--json']);
  assert.equal(r.code, 0, r.errs.join('\n'));
  const cmp = async (name: string) => (await cli(['compare', name, '--metric', 'charts/episodic_return', '--at', 'mean-last:5', '--stat', 'mean', '--json', '--workspace', ws])).json().arms;
  assert.deepEqual(await cmp('back'), await cmp('orig'));
  const bad = await cli(['import', 'csv', join(ws, 'missing.csv'), '--workspace', ws]);
  assert.equal(bad.code, 2);
  assert.match(bad.errs.join('\n'), /cannot read .*missing\.csv: ENOENT/);
  const usage = await cli(['import', 'tensorboard', join(FIXTURES, 'tb'), '--group', '(?<seed>\\d)', '--workspace', ws]);
  assert.equal(usage.code, 2);
});
