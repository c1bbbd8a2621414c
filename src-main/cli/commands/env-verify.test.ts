// `creditlab env verify` against the Gymnasium reference files and deliberately broken copies.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CartPole } from '@creditlab/envs';
import type { CliIO } from '../io';
import { envVerifyCommand } from './env-verify';

const REF = new URL('../../../workspaces/envs/test/fixtures/gymnasium/', import.meta.url);
const ref = (f: string) => new URL(f, REF).pathname;
const dir = mkdtempSync(join(tmpdir(), 'creditlab-env-verify-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function memoryIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

async function run(argv: string[], opts = {}) {
  const io = memoryIO();
  const code = await envVerifyCommand(argv, io, opts);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n'), io };
}

function writeJson(name: string, data: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data));
  return p;
}

test('a reference file passes: table by default, exit 0', async () => {
  const r = await run([ref('Acrobot-v1.coverage.json')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /5 trajectories, 468 steps/);
  assert.equal(r.out.match(/Acrobot-v1 +\d/g)?.length, 5);
  assert.match(r.out, /PASS: all 5 trajectories within tolerance$/);
});

test('--json: the last stdout line is the report', async () => {
  const r = await run(['--json', ref('Pendulum-v1.json')]);
  assert.equal(r.code, 0);
  const report = JSON.parse(r.io.stdout.at(-1)!);
  assert.equal(report.pass, true);
  assert.equal(report.steps, 1000);
  assert.equal(report.results.length, 5);
  assert.ok(report.state.maxRel < 1e-13);
  assert.deepEqual(report.tolerances.state, { rtol: 1e-9, atol: 1e-12 });
});

test('a broken trajectory exits 1 and says where', async () => {
  const trajs = JSON.parse(readFileSync(ref('MountainCar-v0.coverage.json'), 'utf8'));
  trajs[3].states[20][0] += 1e-5;
  trajs[4].truncated[trajs[4].truncated.length - 1] = !trajs[4].truncated.at(-1);
  const file = writeJson('broken.json', trajs);
  const table = await run([file]);
  assert.equal(table.code, 1);
  assert.match(table.out, /trajectory 3 \(MountainCar-v0\): step 20: state\[0\]/);
  assert.match(table.out, /trajectory 4 \(MountainCar-v0\): step \d+: truncated/);
  assert.match(table.out, /FAIL: 2 of 5 trajectories out of tolerance/);
  const json = await run([file, '--json']);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.io.stdout.at(-1)!);
  assert.deepEqual(report.failed, [3, 4]);
  assert.equal(report.truncatedMismatches, 1);
});

test('a broken env exits 1 and non-finite errors stay valid JSON', async () => {
  class ZeroObs extends CartPole {
    override step(a: number | ArrayLike<number>) {
      return { ...super.step(a), obs: new Float64Array(4) };
    }
  }
  const r = await run([ref('CartPole-v1.json'), '--json'], { makeEnv: () => new ZeroObs() });
  assert.equal(r.code, 1);
  const report = JSON.parse(r.io.stdout.at(-1)!);
  assert.equal(report.pass, false);
  assert.equal(report.observation.maxRel, 1); // got 0 where the recording is non-zero
  const nan = await run([ref('CartPole-v1.json'), '--json'], {
    makeEnv: () =>
      new (class extends CartPole {
        override getState() {
          return [NaN, 0, 0, 0];
        }
      })(),
  });
  assert.equal(nan.code, 1);
  const state = JSON.parse(nan.io.stdout.at(-1)!).state;
  assert.equal(state.maxAbs, 'NaN');
  assert.equal(state.worst.got, 'NaN');
});

test('unreadable, invalid or misused input exits 2', async () => {
  const missing = await run([join(dir, 'missing.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read/);
  const notJson = await run([writeJson('bad.json', '{ nope')]);
  assert.equal(notJson.code, 2);
  const trajs = JSON.parse(readFileSync(ref('CartPole-v1.json'), 'utf8'));
  trajs[2].rewards = 'many';
  const shape = await run([writeJson('shape.json', trajs)]);
  assert.equal(shape.code, 2);
  assert.match(shape.err, /trajectory 2: field "rewards" must be an array/);
  trajs[2] = { ...trajs[1], env: 'Nope-v0' };
  const unknown = await run([writeJson('unknown.json', trajs)]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /trajectory 2: field "env": unknown env "Nope-v0"/);
  assert.equal((await run([])).code, 2);
  assert.equal((await run([ref('CartPole-v1.json'), ref('Acrobot-v1.json')])).code, 2);
  const flag = await run([ref('CartPole-v1.json'), '--jsn']);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /unknown option "--jsn"/);
});
