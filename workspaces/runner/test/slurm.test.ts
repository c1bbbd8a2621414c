// The Slurm executor's parts without a cluster: job script and manifest, Slurm output parsing and
// state mapping, events.jsonl ingestion with offsets, and polling against scripted Slurm answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedRun } from '@creditlab/spec';
import type { WorkerEvent } from '../src/protocol';
import {
  RunTail,
  SlurmExecutor,
  endedMessage,
  expandJobId,
  parseSacct,
  parseScontrol,
  parseSqueue,
  phaseOf,
  renderJobScript,
  renderManifest,
  validateSlurmOptions,
  type CommandResult,
  type CommandRunner,
} from '../src/slurm/index';

const tmp = () => mkdtempSync(join(tmpdir(), 'creditlab-slurm-unit-'));
const line = (e: object) => JSON.stringify({ t: 1, ...e }) + '\n';

test('the job script is one array with the options asked for, and maps its task index to the run folder', () => {
  const dir = tmp();
  const runs = [0, 1, 2].map((i) => ({ index: i, runId: `r${i}`, runDir: join(dir, 'runs', `r${i}`) }));
  const manifest = join(dir, 'manifest.tsv');
  writeFileSync(manifest, renderManifest(runs));
  const script = renderJobScript({
    jobName: 'creditlab-x-1',
    count: 3,
    manifestPath: manifest,
    outputPattern: join(dir, '%A_%a.out'),
    errorPattern: join(dir, '%A_%a.err'),
    chdir: dir,
    creditlab: ['/opt/node/bin/node', '/opt/creditlab/bin/creditlab.mjs'],
    options: { partition: 'gpu', time: '01:30:00', cpus: 4, mem: '8G', account: 'lab', maxConcurrent: 2, requeue: true, backend: 'cpu' },
  });
  const sbatch = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
  assert.deepEqual(sbatch, [
    '#SBATCH --job-name=creditlab-x-1',
    '#SBATCH --array=0-2%2',
    `#SBATCH --output=${dir}/%A_%a.out`,
    `#SBATCH --error=${dir}/%A_%a.err`,
    `#SBATCH --chdir=${dir}`,
    '#SBATCH --open-mode=append',
    '#SBATCH --partition=gpu',
    '#SBATCH --time=01:30:00',
    '#SBATCH --cpus-per-task=4',
    '#SBATCH --mem=8G',
    '#SBATCH --account=lab',
    '#SBATCH --requeue',
  ]);
  assert.match(script, /^#!\/bin\/bash\n/);
  assert.match(script, /export CREDITLAB_BACKEND=cpu/);
  const plain = renderJobScript({ jobName: 'j', count: 5, manifestPath: manifest, outputPattern: 'o', errorPattern: 'e', chdir: dir, creditlab: ['echo'], options: {} });
  assert.match(plain, /#SBATCH --array=0-4\n/);
  assert.match(plain, /#SBATCH --no-requeue/);
  assert.doesNotMatch(plain, /--partition|--time|--mem|--account|--cpus/);

  // The script itself, with `echo` standing in for creditlab: task 1 runs the worker on r1's folder.
  const echo = renderJobScript({ jobName: 'j', count: 3, manifestPath: manifest, outputPattern: 'o', errorPattern: 'e', chdir: dir, creditlab: ['echo'], options: { trainerModule: '/t/trainer.ts' } });
  writeFileSync(join(dir, 'job.sbatch'), echo);
  const out = execFileSync('bash', [join(dir, 'job.sbatch')], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '77' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.equal(out.trim(), `worker ${runs[1].runDir}/run.json --run-dir ${runs[1].runDir} --trainer-module /t/trainer.ts`);
  assert.throws(() => execFileSync('bash', [join(dir, 'job.sbatch')], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '9' }, stdio: 'ignore' }), /exit|code|Command failed/);
});

test('options are checked before anything is submitted', () => {
  assert.deepEqual(validateSlurmOptions({ partition: 'gpu', time: '2-00:00:00', cpus: 2, mem: '500M', maxConcurrent: 8 }), []);
  assert.deepEqual(validateSlurmOptions({ time: '90' }), []);
  const errors = validateSlurmOptions({ partition: 'a b', time: '1h', cpus: 0, mem: 'lots', maxConcurrent: 1.5 });
  assert.equal(errors.length, 5);
  assert.match(errors.join('\n'), /--slurm-time: "1h"/);
});

test('squeue, sacct and scontrol output are parsed per array task', () => {
  assert.deepEqual(expandJobId('12_[3-5,9%2]').map((x) => x.taskId), [3, 4, 5, 9]);
  assert.deepEqual(expandJobId('12_7'), [{ jobId: '12', taskId: 7 }]);
  assert.deepEqual(expandJobId('12.batch'), [{ jobId: '12', taskId: -1 }]);
  const sq = parseSqueue('12_0|RUNNING|None|node7\n12_1|PENDING|Priority|\n12_[2-3]|PENDING|JobArrayTaskLimit|\n');
  assert.deepEqual(sq.map((s) => [s.taskId, s.state, s.reason, s.node]), [
    [0, 'RUNNING', 'None', 'node7'],
    [1, 'PENDING', 'Priority', undefined],
    [2, 'PENDING', 'JobArrayTaskLimit', undefined],
    [3, 'PENDING', 'JobArrayTaskLimit', undefined],
  ]);
  const sa = parseSacct('12_0|COMPLETED|0:0\n12_1|CANCELLED by 1000|0:15\n12_2|OUT_OF_MEMORY|0:125\n');
  assert.deepEqual(sa.map((s) => [s.taskId, s.state, s.exitCode, s.reason]), [
    [0, 'COMPLETED', '0:0', undefined],
    [1, 'CANCELLED', '0:15', 'by uid 1000'],
    [2, 'OUT_OF_MEMORY', '0:125', undefined],
  ]);
  const sc = parseScontrol('JobId=15 ArrayJobId=12 ArrayTaskId=2 JobName=x JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 NodeList=node3\n');
  assert.deepEqual([sc[0].jobId, sc[0].taskId, sc[0].state, sc[0].reason, sc[0].exitCode, sc[0].node], ['12', 2, 'TIMEOUT', 'TimeLimit', '0:15', 'node3']);
});

test('Slurm states map to run states, failures carry the state and the reason', () => {
  for (const s of ['PENDING', 'REQUEUED', 'CONFIGURING']) assert.equal(phaseOf(s), 'queued', s);
  for (const s of ['RUNNING', 'COMPLETING', 'SUSPENDED']) assert.equal(phaseOf(s), 'running', s);
  for (const s of ['COMPLETED', 'FAILED', 'OUT_OF_MEMORY', 'TIMEOUT', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'CANCELLED', 'CANCELLED by 5']) assert.equal(phaseOf(s), 'ended', s);
  const m = endedMessage({ jobId: '12', taskId: 3, state: 'NODE_FAIL', reason: 'NodeDown', exitCode: '0:0', source: 'squeue' });
  assert.match(m, /^Slurm task 12_3 ended NODE_FAIL \(NodeDown\): the node/);
  assert.match(endedMessage({ jobId: '12', taskId: 0, state: 'TIMEOUT', exitCode: '0:15', source: 'sacct' }), /TIMEOUT, exit code 0:15: .*--slurm-time/);
});

test('ingestion forwards complete lines in order, waits for a partial last line and resumes from its offset', () => {
  const dir = tmp();
  const f = join(dir, 'events.jsonl');
  writeFileSync(f, line({ type: 'started', backend: 'cpu', pid: 1 }) + line({ type: 'metrics', points: [{ step: 1, metric: 'm', value: 1 }] }) + '{"type":"metr');
  const got: WorkerEvent[] = [];
  const a = new RunTail(dir);
  assert.equal(a.poll((e) => got.push(e)), 2);
  assert.deepEqual(got[0], { type: 'started', backend: 'cpu', pid: 1 });
  const offset = JSON.parse(readFileSync(join(dir, 'ingest.json'), 'utf8')).offset;
  assert.equal(offset, statSync(f).size - '{"type":"metr'.length);
  // The line completes later; a new reader (host restart) starts where the first one stopped.
  appendFileSync(f, 'ics","points":[{"step":2,"metric":"m","value":2}]}\n' + line({ type: 'done', cancelled: false }) + line({ type: 'log', line: 'after done' }));
  const b = new RunTail(dir);
  const more: WorkerEvent[] = [];
  b.poll((e) => more.push(e));
  assert.deepEqual(more, [{ type: 'metrics', points: [{ step: 2, metric: 'm', value: 2 }] }, { type: 'done', cancelled: false }]);
  assert.equal(b.poll(() => assert.fail('nothing after done')), 0);
  // A reader after the final event knows it without reading it again.
  assert.deepEqual(new RunTail(dir).final, { type: 'done', cancelled: false });
});

test('a restarted attempt (requeue) does not ingest steps twice; a torn line is skipped', () => {
  const dir = tmp();
  const pts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ step: from + i, metric: 'm', value: from + i }));
  writeFileSync(join(dir, 'events.jsonl'), line({ type: 'started', backend: 'cpu', pid: 1 }) + line({ type: 'metrics', points: pts(1, 5) }) + line({ type: 'sample', step: 4, kind: 'ep', data: 1 }) + '{"type":"metrics","poi');
  const got: WorkerEvent[] = [];
  new RunTail(dir).poll((e) => got.push(e));
  appendFileSync(join(dir, 'events.jsonl'), '\n' + line({ type: 'started', backend: 'cpu', pid: 2 }) + line({ type: 'metrics', points: pts(1, 8) }) + line({ type: 'sample', step: 4, kind: 'ep', data: 2 }) + line({ type: 'sample', step: 8, kind: 'ep', data: 3 }) + line({ type: 'done', cancelled: false }));
  new RunTail(dir).poll((e) => got.push(e));
  const steps = got.flatMap((e) => (e.type === 'metrics' ? e.points.map((p) => p.step) : []));
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(got.filter((e) => e.type === 'sample').map((e) => (e as { data: number }).data), [1, 3]);
  assert.ok(got.some((e) => e.type === 'log' && /incomplete line/.test(e.line)));
  assert.ok(got.some((e) => e.type === 'log' && /restarted \(attempt 2\)/.test(e.line)));
  assert.equal(got.filter((e) => e.type === 'started').length, 2);
});

test('a reader started with the steps the index holds drops lines it already stored; a torn last line is not an error and is read once complete', () => {
  const dir = tmp();
  const f = join(dir, 'events.jsonl');
  const pts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ step: from + i, metric: 'm', value: from + i }));
  writeFileSync(f, line({ type: 'started', backend: 'cpu', pid: 1 }) + line({ type: 'metrics', points: pts(1, 3) }) + line({ type: 'metrics', points: pts(4, 6) }) + line({ type: 'sample', step: 5, kind: 'ep', data: 1 }) + '{"type":"sam');
  // The index took every line up to the sample, but ingest.json was never written (the reader was killed).
  const got: WorkerEvent[] = [];
  const tail = new RunTail(dir, { metrics: { m: 6 }, samples: { ep: 5 } });
  assert.equal(tail.behind(), true);
  tail.poll((e) => got.push(e));
  assert.deepEqual(got, [{ type: 'started', backend: 'cpu', pid: 1 }]);
  // The torn line is waited for, not re-read on every look, and not reported as damage.
  assert.equal(tail.behind(), false);
  assert.equal(new RunTail(dir).behind(), false);
  appendFileSync(f, 'ple","step":9,"kind":"ep","data":2}\n' + line({ type: 'metrics', points: pts(7, 7) }));
  const again = new RunTail(dir, { metrics: { m: 6 }, samples: { ep: 5 } });
  assert.equal(again.behind(), true);
  const more: WorkerEvent[] = [];
  again.poll((e) => more.push(e));
  assert.deepEqual(more, [{ type: 'sample', step: 9, kind: 'ep', data: 2 }, { type: 'metrics', points: pts(7, 7) }]);
  // A requeued attempt after that starts its floor at the stored steps too.
  appendFileSync(f, line({ type: 'started', backend: 'cpu', pid: 2 }) + line({ type: 'metrics', points: pts(1, 8) }));
  const third: WorkerEvent[] = [];
  new RunTail(dir).poll((e) => third.push(e));
  assert.deepEqual(third.flatMap((e) => (e.type === 'metrics' ? e.points.map((p) => p.step) : [])), [8]);
});

// ---- the executor against scripted answers ------------------------------------------------------

function run(arm: string, index: number): ResolvedRun {
  return { schema: 'creditlab.run/1', experiment: 'unit', arm, seed: 0, index, budget: { steps: 10 }, config: { kind: 'rl', env: { id: 'CartPole-v1', params: {} }, algo: { name: 'ppo' } } as never, hash: arm };
}

/** A Slurm whose answers the test sets; records every call. */
function scripted() {
  const calls: string[][] = [];
  const answers: Record<string, (args: string[]) => CommandResult> = {};
  const runner: CommandRunner = async (cmd, args) => {
    calls.push([cmd, ...args]);
    return (answers[cmd] ?? (() => ({ code: 127, stdout: '', stderr: `${cmd}: command not found` })))(args);
  };
  return { calls, answers, runner };
}

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });
const err = (stderr: string, code = 1): CommandResult => ({ code, stdout: '', stderr });
const until = async (cond: () => boolean, ms = 60_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('an unreachable controller is reported once and nothing is concluded; forgotten tasks fall back to sacct, then scontrol', async (t) => {
  const dir = tmp();
  const s = scripted();
  s.answers.sbatch = () => ok('321;cluster\n');
  s.answers.squeue = () => err('slurm_load_jobs error: Unable to contact slurm controller (connect failure)');
  const ex = new SlurmExecutor({ runCommand: s.runner, ingestMs: 20, queryMs: 20, settleMs: 40, creditlab: ['creditlab'] });
  t.after(() => ex.shutdown());
  const events = new Map<string, WorkerEvent[]>();
  const jobs = [0, 1, 2].map((i) => ({ runId: `r${i}`, run: run('ok', i), runDir: join(dir, 'runs', `r${i}`) }));
  ex.submit(jobs, (id, e) => (events.get(id) ?? events.set(id, []).get(id)!).push(e));
  const logs = (id: string) => (events.get(id) ?? []).flatMap((e) => (e.type === 'log' ? [e.line] : []));
  await until(() => s.calls.filter((c) => c[0] === 'squeue').length >= 4);
  assert.equal(logs('r0').filter((l) => /did not answer/.test(l)).length, 1);
  assert.ok(!events.get('r0')!.some((e) => e.type === 'failed'));
  const info = JSON.parse(readFileSync(join(dir, 'runs', 'r0', 'slurm.json'), 'utf8'));
  assert.equal(info.externalId, '321_0');
  assert.deepEqual(s.calls[0], ['sbatch', '--parsable', join(info.submissionDir, 'job.sbatch')]);

  // r0 wrote its done line; r1 is gone from the controller and accounting is off; r2 is forgotten everywhere.
  writeFileSync(join(dir, 'runs', 'r0', 'events.jsonl'), line({ type: 'started', backend: 'cpu', pid: 1 }) + line({ type: 'done', cancelled: false }));
  s.answers.squeue = () => err('slurm_load_jobs error: Invalid job id specified');
  s.answers.sacct = () => err('sacct: error: Slurm accounting storage is disabled');
  s.answers.scontrol = (a) => (a.includes('321') ? ok('JobId=323 ArrayJobId=321 ArrayTaskId=1 JobState=OUT_OF_MEMORY Reason=OutOfMemory ExitCode=0:125\n') : err('slurm_load_jobs error: Invalid job id specified'));
  await ex.idle();
  assert.deepEqual(events.get('r0')!.at(-1), { type: 'done', cancelled: false });
  assert.equal((events.get('r0')!.find((e) => e.type === 'started') as { externalId?: string }).externalId, '321_0');
  const f1 = events.get('r1')!.at(-1) as { type: string; message: string };
  assert.equal(f1.type, 'failed');
  assert.match(f1.message, /321_1 ended OUT_OF_MEMORY \(OutOfMemory\), exit code 0:125/);
  const f2 = events.get('r2')!.at(-1) as { type: string; message: string };
  assert.match(f2.message, /321_2 ended UNKNOWN.*no longer knows/);
  assert.equal(ex.accounting, false);
  assert.ok(logs('r1').some((l) => /Slurm answers again/.test(l)));
  assert.ok(logs('r1').some((l) => /sacct is not usable/.test(l)));
});
