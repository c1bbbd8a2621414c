// A Gymnasium run end to end through the CLI: the run folder records what the environment really was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePython } from '@creditlab/gym';

const bin = new URL('../../bin/creditlab.mjs', import.meta.url).pathname;
const PY = resolvePython().python;
const probe = spawnSync(PY, ['-c', 'import gymnasium, numpy, sys; print(gymnasium.__version__, numpy.__version__, sys.version.split()[0])'], { encoding: 'utf8' });
const noGym = probe.status === 0 ? false : `skipped: ${PY} cannot import gymnasium (set CREDITLAB_PYTHON, or run creditlab env setup-python)`;

test('a gymnasium: run records Python, Gymnasium and numpy versions and gym.spec in its folder, shown by show --json', { skip: noGym }, () => {
  const [gymnasium, numpy, python] = probe.stdout.trim().split(' ');
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-gymrun-'));
  const f = join(dir, 'spec.json');
  const spec = {
    version: 1,
    name: 'gym-record',
    seeds: [0],
    budget: { steps: 256 },
    base: { kind: 'rl', env: { id: 'gymnasium:CartPole-v1', python: PY }, algo: { name: 'ppo', numSteps: 64, numEnvs: 2 } },
    arms: [{ name: 'ppo' }],
  };
  writeFileSync(f, JSON.stringify(spec));
  const r = spawnSync(process.execPath, [bin, 'run', f, '--workspace', dir, '--json'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const run = JSON.parse(r.stdout.trim().split('\n').pop()!).runs[0];
  assert.equal(run.status, 'finished');
  const show = spawnSync(process.execPath, [bin, 'show', run.id, '--workspace', dir, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(show.status, 0, show.stderr);
  const env = JSON.parse(show.stdout).environment;
  assert.equal(env.env, 'gymnasium:CartPole-v1');
  assert.equal(env.gymnasium, gymnasium);
  assert.equal(env.numpy, numpy);
  assert.equal(env.python, python);
  assert.equal(env.spec.id, 'CartPole-v1');
  assert.equal(env.spec.max_episode_steps, 500);
  assert.equal(env.pid, undefined, 'a process id is not part of the experiment');
  const text = spawnSync(process.execPath, [bin, 'show', run.id, '--workspace', dir], { encoding: 'utf8', timeout: 120_000 });
  assert.match(text.stdout, new RegExp(`environment: Python ${python.replace(/\./g, '\\.')} .*gymnasium ${gymnasium.replace(/\./g, '\\.')}`));
});

test('a potential reading an info field a Gymnasium env lacks is refused by validate and run before any run exists, naming field, entry and env', { skip: noGym }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-gymfields-'));
  const f = join(dir, 'spec.json');
  const spec = (field: string) => ({
    version: 1,
    name: 'gym-fields',
    seeds: [0],
    budget: { steps: 64 },
    base: { kind: 'rl', env: { id: 'gymnasium:CartPole-v1', python: PY }, algo: { name: 'ppo', numSteps: 32, numEnvs: 1 } },
    arms: [{ name: 'env' }, { name: 'phi', reward: { shaping: [{ type: 'potential', name: 'upright', terms: [{ field, weight: -1 }] }] } }],
  });
  writeFileSync(f, JSON.stringify(spec('distance')));
  const expected = 'arms[1].reward.shaping[0].terms[0].field: potential shaping "upright" reads info field "distance", which env "gymnasium:CartPole-v1" does not provide (its info after reset: no numeric fields)';
  const v = spawnSync(process.execPath, [bin, 'validate', f, '--workspace', dir], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(v.status, 2, v.stdout + v.stderr);
  assert.ok(v.stderr.includes(expected), v.stderr);
  const r = spawnSync(process.execPath, [bin, 'run', f, '--workspace', dir, '--json'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.ok(r.stderr.includes(expected), r.stderr);
  const list = spawnSync(process.execPath, [bin, 'list', '--workspace', dir, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout), [], 'no experiment was created');
  // An observation entry CartPole has is fine.
  writeFileSync(f, JSON.stringify(spec('obs[2]')));
  const ok = spawnSync(process.execPath, [bin, 'validate', f, '--workspace', dir], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(ok.status, 0, ok.stderr);
});
