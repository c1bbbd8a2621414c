// `creditlab slurm doctor` against the runner's fake Slurm (workspaces/runner/test/fake-slurm).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIO } from '../io';
import { slurmCommand } from './slurm';

const FAKE = fileURLToPath(new URL('../../../workspaces/runner/test/fake-slurm/', import.meta.url));
const ORIGINAL_PATH = process.env.PATH ?? '';
let state = '';
let workspace = '';

function memoryIO(): CliIO & { stdout: string[]; stderr: string[]; all: () => string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => stdout.push(l), err: (l) => stderr.push(l), all: () => [...stdout, ...stderr].join('\n') };
}

const set = (file: string, content = '') => writeFileSync(join(state, file), content);
const unset = (file: string) => rmSync(join(state, file), { force: true });

before(() => {
  const root = mkdtempSync(join(tmpdir(), 'creditlab-slurm-doctor-'));
  state = join(root, 'fake');
  workspace = join(root, 'ws');
  mkdirSync(state, { recursive: true });
  for (const f of readdirSync(FAKE)) if (!f.endsWith('.mjs')) chmodSync(join(FAKE, f), 0o755);
  process.env.FAKE_SLURM_DIR = state;
  process.env.PATH = `${FAKE}:${ORIGINAL_PATH}`;
});

test('a reachable cluster with the workspace on a shared filesystem passes', async () => {
  set('fstype', 'lustre');
  const io = memoryIO();
  assert.equal(await slurmCommand(['doctor', '--workspace', workspace], io), 0);
  const out = io.all();
  assert.match(out, /^ok {4}commands/m);
  assert.match(out, /ok {4}controller +Slurmctld\(primary\) at fakectl is UP/);
  assert.match(out, /ok {4}partitions +debug\* \(up, limit 1-00:00:00, 2 nodes\), long \(up, limit infinite, 1 node\)/);
  assert.match(out, /MaxArraySize 1001/);
  assert.match(out, /ok {4}filesystem +workspace .* is on lustre, a shared filesystem/);
  assert.match(out, /Slurm is usable from here: creditlab run SPEC.json --executor slurm/);
});

test('a local filesystem and missing accounting are warnings, not failures', async () => {
  set('fstype', 'ext4');
  set('no-accounting');
  const io = memoryIO();
  assert.equal(await slurmCommand(['doctor', '--workspace', workspace, '--json'], io), 0);
  const report = JSON.parse(io.stdout[0]);
  assert.equal(report.ok, true);
  assert.deepEqual(report.filesystem.shared, false);
  const byId = Object.fromEntries(report.checks.map((c: { id: string; status: string }) => [c.id, c.status]));
  assert.equal(byId.filesystem, 'warn');
  assert.equal(byId.accounting, 'warn');
  unset('no-accounting');
});

test('an unknown partition and an unreachable controller fail with exit code 1', async () => {
  set('fstype', 'nfs4');
  let io = memoryIO();
  assert.equal(await slurmCommand(['doctor', '--workspace', workspace, '--slurm-partition', 'gpu'], io), 1);
  assert.match(io.all(), /FAIL {2}partitions +partition "gpu" does not exist; available: debug\*/);
  set('down');
  io = memoryIO();
  assert.equal(await slurmCommand(['doctor', '--workspace', workspace], io), 1);
  assert.match(io.all(), /FAIL {2}controller +the Slurm controller does not answer: Slurmctld\(primary\) at fakectl is DOWN/);
  assert.match(io.all(), /Slurm is not usable from here/);
  unset('down');
});

test('without Slurm on PATH the doctor says what is missing', async () => {
  // A PATH with only what the doctor needs besides Slurm: /usr/bin may hold a real Slurm (CI installs one).
  const bare = mkdtempSync(join(tmpdir(), 'creditlab-bare-path-'));
  for (const tool of [process.execPath, '/usr/bin/df', '/usr/bin/stat']) if (existsSync(tool)) symlinkSync(tool, join(bare, basename(tool)));
  process.env.PATH = bare;
  try {
    const io = memoryIO();
    assert.equal(await slurmCommand(['doctor', '--workspace', workspace], io), 1);
    assert.match(io.all(), /FAIL {2}commands +not on PATH: sbatch, squeue, scancel, scontrol/);
    assert.match(io.all(), /module load slurm/);
  } finally {
    process.env.PATH = `${FAKE}:${ORIGINAL_PATH}`;
  }
  const io = memoryIO();
  assert.equal(await slurmCommand(['frobnicate'], io), 2);
});
