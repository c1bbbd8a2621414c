// The Slurm executor end to end against a fake Slurm (./fake-slurm, first on PATH): sbatch really
// runs every array task, i.e. `creditlab worker` on the run folder with the fixture trainer.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedRun } from '@creditlab/spec';
import type { RunJob } from '../src/executor';
import type { WorkerEvent } from '../src/protocol';
import { SlurmExecutor, type SlurmOptions } from '../src/slurm/index';

const FAKE = fileURLToPath(new URL('./fake-slurm/', import.meta.url));
const TRAINER = fileURLToPath(new URL('./fixtures/trainer.ts', import.meta.url));
const FAST: SlurmOptions = { trainerModule: TRAINER, ingestMs: 100, queryMs: 150, settleMs: 300, cancelGraceMs: 4000 };
let root = '';

before(() => {
  root = mkdtempSync(join(tmpdir(), 'creditlab-slurm-fake-'));
  for (const f of readdirSync(FAKE)) if (!f.endsWith('.mjs')) chmodSync(join(FAKE, f), 0o755);
  process.env.PATH = `${FAKE}:${process.env.PATH}`;
});

/** A fresh fake cluster and workspace for one test. */
function cluster(name: string) {
  const dir = join(root, name);
  const state = join(dir, 'fake');
  mkdirSync(state, { recursive: true });
  process.env.FAKE_SLURM_DIR = state;
  const calls = () => (existsSync(join(state, 'calls.log')) ? readFileSync(join(state, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]) : []);
  const ctl = (...args: string[]) => execFileSync(process.execPath, [join(FAKE, 'fake-slurm.mjs'), 'ctl', ...args], { env: process.env });
  const set = (file: string, content = '') => writeFileSync(join(state, file), content);
  return { dir, calls, ctl, set };
}

function run(arm: string, index: number, steps: number): ResolvedRun {
  return { schema: 'creditlab.run/1', experiment: 'fake', arm, seed: index, index, budget: { steps }, config: { kind: 'rl', env: { id: 'CartPole-v1', params: {} }, algo: { name: 'ppo' } } as never, hash: `${arm}${index}` };
}

function jobsFor(dir: string, arms: string[], steps: number): RunJob[] {
  return arms.map((arm, i) => ({ runId: `r${i}`, run: run(arm, i, steps), runDir: join(dir, 'runs', `r${i}`) }));
}

function recorder() {
  const events = new Map<string, WorkerEvent[]>();
  const sink = (id: string, e: WorkerEvent) => (events.get(id) ?? events.set(id, []).get(id)!).push(e);
  const of = (id: string) => events.get(id) ?? [];
  const last = (id: string) => of(id).at(-1);
  const steps = (id: string, metric = 'charts/episodic_return') => of(id).flatMap((e) => (e.type === 'metrics' ? e.points.filter((p) => p.metric === metric).map((p) => p.step) : []));
  const logs = (id: string) => of(id).flatMap((e) => (e.type === 'log' ? [e.line] : []));
  return { sink, of, last, steps, logs, events };
}

// Generous: on a loaded 2-core machine the fake cluster's processes start slowly; a passing test never waits it out.
async function until(cond: () => boolean, what: string, ms = 180_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

test('an experiment is one job array; events are ingested in order and Slurm outcomes map to run states', async (t) => {
  const c = cluster('array');
  const ex = new SlurmExecutor({ ...FAST, partition: 'long', time: '00:10:00', cpus: 2, mem: '1G', account: 'lab', maxConcurrent: 2 });
  t.after(() => ex.shutdown());
  const rec = recorder();
  const jobs = jobsFor(c.dir, ['ok', 'throw', 'crash', 'ok'], 60);
  ex.submit(jobs, rec.sink);
  await ex.idle();

  const sbatch = c.calls().filter((x) => x[0] === 'sbatch');
  assert.equal(sbatch.length, 1, 'one sbatch call for the whole experiment');
  const script = readFileSync(sbatch[0][2], 'utf8');
  for (const opt of ['--array=0-3%2', '--partition=long', '--time=00:10:00', '--cpus-per-task=2', '--mem=1G', '--account=lab', '--no-requeue']) assert.match(script, new RegExp(`^#SBATCH ${opt}$`, 'm'));
  const subDir = join(c.dir, 'runs', readdirSync(join(c.dir, 'runs')).find((f) => f.startsWith('slurm-'))!);
  assert.match(script, new RegExp(`^#SBATCH --output=${subDir}/%A_%a.out$`, 'm'));
  const manifest = readFileSync(join(subDir, 'manifest.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(manifest, jobs.map((j, i) => [String(i), j.runDir, j.runId]));
  const jobId = JSON.parse(readFileSync(join(subDir, 'submission.json'), 'utf8')).jobId as string;

  for (const i of [0, 3]) {
    const id = `r${i}`;
    assert.deepEqual(rec.last(id), { type: 'done', cancelled: false });
    const started = rec.of(id).find((e) => e.type === 'started') as { externalId?: string };
    assert.equal(started.externalId, `${jobId}_${i}`);
    assert.deepEqual(rec.steps(id), Array.from({ length: 60 }, (_, k) => k + 1), 'every step once, in order');
    const ingested = JSON.parse(readFileSync(join(jobs[i].runDir, 'ingest.json'), 'utf8')).offset;
    assert.equal(ingested, statSync(join(jobs[i].runDir, 'events.jsonl')).size);
    assert.equal(JSON.parse(readFileSync(join(jobs[i].runDir, 'slurm.json'), 'utf8')).externalId, `${jobId}_${i}`);
  }
  const thrown = rec.last('r1') as { type: string; message: string };
  assert.equal(thrown.type, 'failed');
  assert.match(thrown.message, /boom at step 5/);
  // The worker aborted without a final line: Slurm's account of it is the message.
  const crashed = rec.last('r2') as { type: string; message: string };
  assert.equal(crashed.type, 'failed');
  assert.match(crashed.message, new RegExp(`Slurm task ${jobId}_2 ended FAILED \\(NonZeroExitCode\\), exit code 0:6`));
  assert.ok(rec.steps('r2').length > 0, 'data written before the crash was ingested');
  assert.ok(rec.logs('r3').some((l) => /PENDING|RUNNING/.test(l)), 'Slurm state changes are in the run log');
});

test('queued tasks are cancelled one by one with jobid_task, the rest of the array with the job id', async (t) => {
  const c = cluster('cancel-queued');
  c.set('hold');
  const ex = new SlurmExecutor(FAST);
  t.after(() => ex.shutdown());
  const rec = recorder();
  const jobs = jobsFor(c.dir, ['slow', 'slow', 'slow'], 100);
  ex.submit(jobs, rec.sink);
  await until(() => rec.logs('r2').some((l) => /PENDING \(Priority\)/.test(l)), 'tasks pending');
  ex.cancel('r0');
  await until(() => rec.last('r0')?.type === 'done', 'r0 cancelled');
  const jobId = JSON.parse(readFileSync(join(jobs[0].runDir, 'slurm.json'), 'utf8')).jobId;
  assert.deepEqual(c.calls().filter((x) => x[0] === 'scancel'), [['scancel', `${jobId}_0`]]);
  ex.cancel('r1');
  ex.cancel('r2');
  await ex.idle();
  assert.deepEqual(c.calls().filter((x) => x[0] === 'scancel'), [['scancel', `${jobId}_0`], ['scancel', jobId]]);
  for (const j of jobs) {
    assert.deepEqual(rec.last(j.runId), { type: 'done', cancelled: true });
    assert.ok(existsSync(join(j.runDir, 'cancel')), 'the cancel file is written too');
    assert.ok(!rec.of(j.runId).some((e) => e.type === 'started'));
  }
});

test('a running task stops through its cancel file and flushes before any scancel', async (t) => {
  const c = cluster('cancel-running');
  const ex = new SlurmExecutor(FAST);
  t.after(() => ex.shutdown());
  const rec = recorder();
  ex.submit(jobsFor(c.dir, ['slow'], 3000), rec.sink);
  await until(() => rec.steps('r0').length > 0, 'metrics');
  ex.cancel('r0');
  await ex.idle();
  assert.deepEqual(rec.last('r0'), { type: 'done', cancelled: true });
  assert.ok(rec.steps('r0').length > 0 && increasing(rec.steps('r0')));
  assert.deepEqual(c.calls().filter((x) => x[0] === 'scancel'), [], 'the worker stopped by itself within the grace period');
});

test('node failure, time limit and out-of-memory end runs failed with Slurm state and reason; their data stays', async (t) => {
  const c = cluster('faults');
  const ex = new SlurmExecutor(FAST);
  t.after(() => ex.shutdown());
  const rec = recorder();
  const jobs = jobsFor(c.dir, ['slow', 'slow', 'slow'], 3000);
  ex.submit(jobs, rec.sink);
  await until(() => jobs.every((j) => rec.steps(j.runId).length > 0), 'all three running');
  const jobId = JSON.parse(readFileSync(join(jobs[0].runDir, 'slurm.json'), 'utf8')).jobId;
  c.ctl('fail', `${jobId}_0`, 'NODE_FAIL');
  c.ctl('fail', `${jobId}_1`, 'TIMEOUT');
  c.ctl('fail', `${jobId}_2`, 'OUT_OF_MEMORY');
  await ex.idle();
  const msg = (id: string) => (rec.last(id) as { type: string; message: string });
  assert.equal(msg('r0').type, 'failed');
  assert.match(msg('r0').message, new RegExp(`${jobId}_0 ended NODE_FAIL \\(NodeDown\\)`));
  assert.match(msg('r1').message, new RegExp(`${jobId}_1 ended TIMEOUT \\(TimeLimit\\)`));
  assert.match(msg('r2').message, new RegExp(`${jobId}_2 ended OUT_OF_MEMORY \\(OutOfMemory\\)`));
  for (const j of jobs) assert.ok(rec.steps(j.runId).length > 0 && increasing(rec.steps(j.runId)), 'committed metrics survive');
});

test('with requeue a node failure restarts the task in its folder and no step is ingested twice', async (t) => {
  const c = cluster('requeue');
  const ex = new SlurmExecutor({ ...FAST, requeue: true });
  t.after(() => ex.shutdown());
  const rec = recorder();
  // Long enough (10 ms a step) that the node failure lands mid-run even when a loaded machine is slow to
  // deliver it; with 150 steps the run could finish first and never be requeued.
  const steps = 1500;
  const jobs = jobsFor(c.dir, ['slow'], steps);
  ex.submit(jobs, rec.sink);
  await until(() => rec.steps('r0').some((s) => s >= 20), 'some steps');
  const jobId = JSON.parse(readFileSync(join(jobs[0].runDir, 'slurm.json'), 'utf8')).jobId;
  c.ctl('fail', `${jobId}_0`, 'NODE_FAIL');
  await ex.idle();
  assert.deepEqual(rec.last('r0'), { type: 'done', cancelled: false });
  assert.equal(rec.of('r0').filter((e) => e.type === 'started').length, 2);
  assert.ok(rec.logs('r0').some((l) => /restarted \(attempt 2\)/.test(l)));
  assert.deepEqual(rec.steps('r0'), Array.from({ length: steps }, (_, k) => k + 1));
  assert.match(readFileSync(c.calls().find((x) => x[0] === 'sbatch')![2], 'utf8'), /^#SBATCH --requeue$/m);
});

test('shutdown leaves the array running; attach in a new executor resumes ingestion where it stopped', async (t) => {
  const c = cluster('attach');
  const first = new SlurmExecutor(FAST);
  const rec = recorder();
  const jobs = jobsFor(c.dir, ['slow'], 200);
  first.submit(jobs, rec.sink);
  await until(() => rec.steps('r0').length > 0, 'some steps');
  await first.shutdown();
  const before = rec.steps('r0').length;
  assert.ok(before < 200);
  assert.deepEqual(c.calls().filter((x) => x[0] === 'scancel'), [], 'shutdown does not cancel cluster jobs');

  const second = new SlurmExecutor(FAST);
  t.after(() => second.shutdown());
  assert.deepEqual(second.attach([...jobs, { ...jobs[0], runId: 'never', runDir: join(c.dir, 'runs', 'never') }], rec.sink), { attached: ['r0'], missing: ['never'] });
  await second.idle();
  assert.deepEqual(rec.last('r0'), { type: 'done', cancelled: false });
  assert.deepEqual(rec.steps('r0'), Array.from({ length: 200 }, (_, k) => k + 1), 'nothing skipped, nothing repeated across the two processes');
});

test('a rejected submission fails every run with sbatch’s message', async () => {
  cluster('rejected');
  const ex = new SlurmExecutor({ ...FAST, partition: 'nope' });
  const rec = recorder();
  ex.submit(jobsFor(join(root, 'rejected'), ['ok', 'ok'], 10), rec.sink);
  await ex.idle();
  for (const id of ['r0', 'r1']) {
    const e = rec.last(id) as { type: string; message: string };
    assert.equal(e.type, 'failed');
    assert.match(e.message, /^sbatch failed: .*Invalid partition name specified/);
  }
});
