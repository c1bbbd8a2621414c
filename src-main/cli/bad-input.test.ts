// The CLI facing bad input as a user meets it: absurdly nested specs, a closed pipe, a damaged index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExperiment } from '@creditlab/spec';
import { RunStore } from '@creditlab/store';

const bin = new URL('../../bin/creditlab.mjs', import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), 'creditlab-badinput-'));
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const spec = {
  version: 1,
  name: 'bad-input',
  seeds: [0, 1, 2],
  budget: { steps: 100 },
  base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
  arms: [{ name: 'a' }],
};

/** A workspace with one experiment of three queued runs, written without running anything. */
function workspace(): { dir: string; experimentId: string } {
  const dir = tmp();
  const store = RunStore.open(dir);
  const { spec: s, runs } = resolveExperiment(spec);
  const { experimentId } = store.createExperiment(s, runs);
  store.close();
  return { dir, experimentId };
}

test('5,000 levels of nesting in env.params: exit 2 with the path, no stack overflow', () => {
  const dir = tmp();
  const deep = '{"a":'.repeat(5000) + '0' + '}'.repeat(5000);
  const f = join(dir, 'deep.json');
  writeFileSync(f, JSON.stringify(spec).replace('"env":{"id":"CartPole-v1"}', `"env":{"id":"CartPole-v1","params":${deep}}`));
  for (const cmd of ['validate', 'run']) {
    const r = cli([cmd, f, '--workspace', dir]);
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, /base\.env\.params\.a\.a(\.a)*: nested deeper than \d+ levels/);
    assert.doesNotMatch(r.stderr, /Maximum call stack|RangeError|\n\s+at /);
  }
});

test('creditlab show … | head exits quietly when the reader goes away', async () => {
  const { dir, experimentId } = workspace();
  const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, 'show', experimentId, '--workspace', dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The reader closes its end before the CLI writes: every write gets EPIPE.
    child.stdout.destroy();
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  assert.equal(out.stderr, '');
  assert.equal(out.code, 0);
});

test('a damaged index: the error names it and doctor --repair rebuilds it from runs/', () => {
  const { dir, experimentId } = workspace();
  for (const f of readdirSync(dir)) if (/^index\.sqlite-(wal|shm)$/.test(f)) rmSync(join(dir, f));
  const fd = openSync(join(dir, 'index.sqlite'), 'r+');
  writeSync(fd, Buffer.alloc(64, 0x41), 0, 64, 0);
  closeSync(fd);
  const list = cli(['list', '--workspace', dir]);
  assert.notEqual(list.code, 0);
  assert.ok(list.stderr.includes(join(dir, 'index.sqlite')), list.stderr);
  assert.match(list.stderr, /creditlab doctor --repair/);
  assert.doesNotMatch(list.stderr, /\n\s+at /);

  const repaired = cli(['doctor', '--repair', '--workspace', dir]);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(repaired.stdout, /1 experiment\(s\), 3 run\(s\)/);
  const again = cli(['list', '--workspace', dir, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout)[0].id, experimentId);
  // A healthy index is left alone: it holds metrics the folders do not.
  assert.match(cli(['doctor', '--repair', '--workspace', dir]).stdout, /healthy: nothing to repair/);
});
