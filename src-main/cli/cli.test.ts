// The CLI end to end, in child processes as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const bin = new URL('../../bin/creditlab.mjs', import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), 'creditlab-cli-'));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tinySpec = (steps = 1024) => ({
  version: 1,
  name: 'cli-test',
  description: 'tiny PPO',
  seeds: [0],
  budget: { steps },
  base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numSteps: 64, numEnvs: 2 } },
  arms: [{ name: 'ppo' }],
});

test('an invalid spec exits 2 and names the JSON path', () => {
  const dir = tmp();
  const f = join(dir, 'bad.json');
  writeFileSync(f, JSON.stringify({ ...tinySpec(), arms: [{ name: 'a' }, { name: 'b' }, { name: 'c', algo: { learningRate: 'x' } }] }));
  const v = cli(['validate', f]);
  assert.equal(v.code, 2);
  assert.match(v.stderr, /arms\[2\]\.algo\.learningRate: expected a number, got "x"/);
  const r = cli(['run', f, '--workspace', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /arms\[2\]\.algo\.learningRate/);
  writeFileSync(f, '{"version": 1,\n  "name": }');
  const j = cli(['validate', f]);
  assert.equal(j.code, 2);
  assert.match(j.stderr, /not valid JSON at line 2/);
  assert.equal(cli(['run', f, '--bogus']).code, 2);
  assert.equal(cli(['frobnicate']).code, 2);
});

test('run --json prints the result as its last line; list, show and export read it back; show names the compute path', () => {
  const dir = tmp();
  const f = join(dir, 'spec.json');
  writeFileSync(f, JSON.stringify(tinySpec()));
  const arms = [{ name: 'ppo' }, { name: 'ppo-tfjs', compute: 'tfjs' }];
  const r = cli(['run', f, '--workspace', dir, '--json', '--set', `arms=${JSON.stringify(arms)}`, '--set', 'budget.steps=512'], { CREDITLAB_BACKEND: 'wasm' });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(out.runs.length, 2);
  for (const run of out.runs) {
    assert.equal(run.status, 'finished');
    assert.equal(typeof run.final['charts/episodic_return'], 'number');
    assert.equal(typeof run.final['losses/value_loss'], 'number');
  }
  const list = cli(['list', '--workspace', dir, '--json']);
  assert.equal(JSON.parse(list.stdout)[0].id, out.experiment);
  const show = cli(['show', out.runs[0].id, '--workspace', dir]);
  assert.equal(show.code, 0);
  assert.match(show.stdout, /\[finished\]/);
  assert.match(show.stdout, /compute fused {2}backend js/);
  // Discrete PPO on the fused path ran in plain JS: its record must not claim the tfjs backend.
  const shown = out.runs.map((run: { id: string }) => JSON.parse(cli(['show', run.id, '--workspace', dir, '--json']).stdout));
  assert.deepEqual(
    shown.map((s: { arm: string; compute: string }) => [s.arm, s.compute]),
    [['ppo', 'fused'], ['ppo-tfjs', 'tfjs']],
  );
  assert.match(shown[0].backend, /^js(\+simd)?$/);
  assert.equal(shown[1].backend, 'wasm');
  const csv = join(dir, 'out.csv');
  assert.equal(cli(['export', out.experiment, '--format', 'csv', '--out', csv, '--workspace', dir]).code, 0);
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'experiment,arm,seed,run,step,metric,value');
  assert.ok(lines.some((l) => l.includes(',charts/episodic_return,')));
  assert.ok(lines.slice(1).every((l) => l.split(',').length === 7));
  const json = join(dir, 'out.json');
  assert.equal(cli(['export', out.experiment, '--format', 'json', '--out', json, '--workspace', dir]).code, 0);
  assert.equal(JSON.parse(readFileSync(json, 'utf8')).rows.length, lines.length - 1);
});

test('kill -9 of `creditlab run` mid-training: committed metrics survive, runs become interrupted', async () => {
  const dir = tmp();
  const f = join(dir, 'spec.json');
  writeFileSync(f, JSON.stringify(tinySpec(10_000_000)));
  const child = spawn(process.execPath, [bin, 'run', f, '--workspace', dir, '--workers', '1'], { stdio: 'ignore' });
  const db = join(dir, 'index.sqlite');
  let seen = 0;
  for (const deadline = Date.now() + 300_000; Date.now() < deadline && seen < 2; ) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const ro = new Database(db, { readonly: true, fileMustExist: true });
      seen = (ro.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
      ro.close();
    } catch {
      // not created yet
    }
  }
  assert.ok(seen >= 2, 'the run logged metrics');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const show = cli(['list', '--workspace', dir, '--json']);
  const [exp] = JSON.parse(show.stdout);
  assert.equal(exp.status, 'interrupted');
  const detail = JSON.parse(cli(['show', exp.id, '--workspace', dir, '--json']).stdout);
  assert.equal(detail.runs[0].status, 'interrupted');
  const ro = new Database(db, { readonly: true });
  const n = (ro.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
  ro.close();
  assert.ok(n >= seen, `${n} points after reopening, ${seen} seen before the kill`);
});

test('doctor says whether this Node started without its snapshot, which the reward sandbox needs', () => {
  const dir = tmp();
  const withFlag = spawnSync(bin, ['doctor', '--json', '--workspace', dir], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
  assert.equal(withFlag.status, 0, withFlag.stderr);
  assert.equal(JSON.parse(withFlag.stdout).sandbox.nodeSnapshotDisabled, true, 'the shebang passes --no-node-snapshot');
  const without = spawnSync(process.execPath, [bin, 'doctor', '--workspace', dir], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
  assert.equal(without.status, 0, without.stderr);
  assert.match(without.stdout, /sandbox .*WARNING: this Node was started without --no-node-snapshot/);
});
