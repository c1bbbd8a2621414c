// The Slurm executor against a REAL one-node Slurm started here (./real-slurm): every task is a real
// `creditlab worker` process launched by slurmd. Skipped only where Slurm cannot run (not root, or
// the slurm-wlm/munge packages are missing).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Host } from '../../../src-main/host/host';
import { RunStore } from '@creditlab/store';
import { SlurmExecutor, type SlurmOptions } from '../src/slurm/index';
import { startSlurm, unavailable, type RealSlurm } from './real-slurm/cluster';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(REPO, 'bin', 'creditlab.mjs');
const exec = promisify(execFile);
// Short intervals: the defaults are sized for a shared production controller, not for a test.
const FAST: SlurmOptions = { partition: 'debug', ingestMs: 200, queryMs: 400, settleMs: 800, cancelGraceMs: 3000 };
const skip = unavailable();
// A hang (a run that never ends) must fail the test, not block the whole test run.
const T = { timeout: 600_000 };
let slurm: RealSlurm;
let dir = '';

/** PPO on CartPole, tiny rollouts: a run of `steps` env steps takes about steps/2000 s here. */
function spec(name: string, steps: number, arms: Record<string, unknown>[] = [{ name: 'a' }]) {
  return {
    version: 1,
    name,
    seeds: [1, 2],
    budget: { steps },
    base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 64 } },
    arms,
  };
}

// A `creditlab run --executor slurm` outliving this process would poll a stopped controller forever.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function cli(...args: string[]): Promise<string> {
  const p = exec(process.execPath, [CLI, ...args], { cwd: dir, env: process.env, maxBuffer: 64 << 20 });
  children.add(p.child);
  const r = await p.catch((e: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`creditlab ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}\n${slurm.logs()}`);
  }).finally(() => children.delete(p.child));
  return r.stdout;
}

async function until(cond: () => boolean, what: string, ms = 180_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}\n${slurm.logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An export without what differs between any two executions: ids, and the wall-clock throughput metric. */
function comparableCsv(file: string): string[] {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(head, 'experiment,arm,seed,run,step,metric,value');
  return rows
    .map((r) => r.split(','))
    .filter((c) => c[5] !== 'charts/SPS')
    .map((c) => [c[1], c[2], c[4], c[5], c[6]].join(','))
    .sort();
}

/** A Host on a fresh workspace sending its runs to this Slurm. */
function slurmHost(name: string, opts: SlurmOptions = {}) {
  const host = new Host({ workspace: join(dir, name), executor: new SlurmExecutor({ ...FAST, ...opts }) });
  const status = (id: string) => host.store.getRunSummary(id).status;
  const info = (id: string) => JSON.parse(readFileSync(join(host.store.runDir(id), 'slurm.json'), 'utf8')) as { jobId: string; externalId: string };
  const hasMetrics = (id: string) => existsSync(join(host.store.runDir(id), 'events.jsonl')) && readFileSync(join(host.store.runDir(id), 'events.jsonl'), 'utf8').includes('"metrics"');
  return { host, status, info, hasMetrics };
}

/** The PIDs of processes whose command line names this run folder's run.json: the task's worker. */
function workerPids(runDir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes('worker') && argv.includes(join(runDir, 'run.json'))) out.push(Number(p));
  }
  return out;
}

/** Steps of one metric in a run's events.jsonl (every complete line: what the worker committed). */
function committedSteps(runDir: string, metric: string): number[] {
  const lines = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n');
  lines.pop();
  return lines.flatMap((l) => {
    const e = JSON.parse(l) as { type: string; points?: { metric: string; step: number }[] };
    return e.type === 'metrics' ? e.points!.filter((p) => p.metric === metric).map((p) => p.step) : [];
  });
}

/** Points per metric in a run's events.jsonl (complete lines) and in the index. */
function committedCounts(runDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const lines = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n');
  lines.pop();
  for (const l of lines) {
    const e = JSON.parse(l) as { type: string; points?: { metric: string }[] };
    if (e.type === 'metrics') for (const p of e.points!) out[p.metric] = (out[p.metric] ?? 0) + 1;
  }
  return out;
}
function storedCounts(store: RunStore, runId: string): Record<string, number> {
  const rows = store.db.prepare('SELECT n.name, COUNT(*) AS c FROM metrics m JOIN metric_names n ON n.mid=m.mid JOIN runs r ON r.rid=m.rid WHERE r.id=? GROUP BY n.name').all(runId) as { name: string; c: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, r.c]));
}

/** `creditlab run … --executor slurm` in the background, to be killed: the submitter that goes away. */
function submit(file: string, ws: string): ChildProcess {
  const p = spawn(process.execPath, [CLI, 'run', file, '--executor', 'slurm', '--slurm-partition', 'debug', '--workspace', ws, '--json'], { cwd: dir, env: process.env, stdio: 'ignore' });
  children.add(p);
  return p;
}

/**
 * Waits until the one experiment of `ws` has both its runs running with metrics in the index (a submitter
 * ingesting them), and returns them.
 */
async function bothIngesting(ws: string): Promise<{ experimentId: string; runIds: string[]; dirs: string[] }> {
  let found: { experimentId: string; runIds: string[]; dirs: string[] } | null = null;
  await until(() => {
    if (!existsSync(join(ws, 'index.sqlite'))) return false;
    const s = RunStore.open(ws);
    try {
      const e = s.listExperiments()[0];
      const runs = e ? s.listRuns(e.id) : [];
      if (runs.length === 2 && runs.every((r) => r.status === 'running' && Object.keys(r.final).length > 0)) found = { experimentId: e.id, runIds: runs.map((r) => r.id), dirs: runs.map((r) => s.runDir(r.id)) };
      return found !== null;
    } finally {
      s.close();
    }
  }, 'the submitter ingesting metrics of both runs');
  return found!;
}

const killed = (p: ChildProcess) =>
  new Promise<void>((r) => {
    if (p.exitCode !== null || p.signalCode !== null) return r();
    p.once('exit', () => r());
    p.kill('SIGKILL');
  });

describe('Slurm executor on a real one-node Slurm', { skip: skip ?? false }, () => {
  before(async () => {
    slurm = await startSlurm();
    dir = join(slurm.dir, 'work');
    mkdirSync(dir);
  });
  after(async () => {
    await slurm?.stop();
  });

  test('a 2-arm × 2-seed experiment runs to completion through Slurm and exports exactly what the local executor does', T, async () => {
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify(spec('equal', 768, [{ name: 'a' }, { name: 'b', algo: { name: 'ppo', numEnvs: 2, numSteps: 64, learningRate: 0.001 } }])));
    const [viaSlurm, viaLocal] = await Promise.all([
      cli('run', file, '--executor', 'slurm', '--slurm-partition', 'debug', '--workspace', join(dir, 'ws-slurm'), '--json'),
      cli('run', file, '--workers', '1', '--workspace', join(dir, 'ws-local'), '--json'),
    ]);
    const out = { slurm: JSON.parse(viaSlurm), local: JSON.parse(viaLocal) } as Record<string, { experiment: string; runs: { id: string; status: string }[] }>;
    for (const [k, o] of Object.entries(out)) {
      assert.equal(o.runs.length, 4);
      assert.deepEqual(o.runs.map((r) => r.status), ['finished', 'finished', 'finished', 'finished'], `${k}: ${viaSlurm}`);
    }
    for (const r of out.slurm.runs) assert.match(JSON.parse(readFileSync(join(dir, 'ws-slurm', 'runs', r.id, 'slurm.json'), 'utf8')).externalId, /^\d+_[0-3]$/);
    const csv: Record<string, string[]> = {};
    for (const k of ['slurm', 'local']) {
      const f = join(dir, `${k}.csv`);
      await cli('export', out[k].experiment, '--workspace', join(dir, `ws-${k}`), '--format', 'csv', '--out', f);
      csv[k] = comparableCsv(f);
    }
    assert.ok(csv.local.length > 100, `the local export has ${csv.local.length} rows`);
    assert.deepEqual(csv.slurm, csv.local);
  });

  test('scancel of one task marks only that run cancelled', T, async (t) => {
    const { host, status, info, hasMetrics } = slurmHost('scancel');
    t.after(() => host.close());
    const { runIds: [r0, r1], done } = host.launch(spec('scancel', 12_000));
    await until(() => hasMetrics(r0) && status(r0) === 'running', 'run 0 running with metrics');
    slurm.cmd('scancel', info(r0).externalId);
    await until(() => status(r0) !== 'running', 'run 0 to end');
    assert.equal(status(r0), 'cancelled');
    assert.notEqual(status(r1), 'cancelled');
    await done;
    assert.equal(status(r1), 'finished');
    assert.equal(status(r0), 'cancelled');
  });

  test('a task killed with SIGKILL is reported failed with Slurm’s reason, and its committed data survives', T, async (t) => {
    const { host, status, info, hasMetrics } = slurmHost('sigkill');
    t.after(() => host.close());
    const { experimentId, runIds: [r0, r1], done } = host.launch(spec('sigkill', 12_000));
    const runDir = host.store.runDir(r0);
    // learning_rate is logged every update, episodic returns only when an episode ends.
    const metric = 'charts/learning_rate';
    await until(() => hasMetrics(r0) && committedSteps(runDir, metric).length >= 2 && workerPids(runDir).length > 0, 'run 0 worker with metrics');
    for (const pid of workerPids(runDir)) process.kill(pid, 'SIGKILL');
    await done;
    const s = host.store.getRunSummary(r0);
    assert.equal(s.status, 'failed');
    // Slurm's reason (JobLaunchFailure on Slurm 22.05) varies by version; the state and signal do not.
    assert.match(s.error ?? '', new RegExp(`^Slurm task ${info(r0).externalId} ended FAILED( \\(\\w+\\))?, exit code \\d+:9: the task was killed by signal 9 \\(SIGKILL\\)`));
    assert.equal(status(r1), 'finished');
    const stored = host.store.series(experimentId, metric).find((x) => x.run === r0)!.steps;
    assert.ok(stored.length > 0, 'points logged before the kill are in the index');
    assert.deepEqual(stored, committedSteps(runDir, metric), 'every committed point, once');
  });

  test('a node set DOWN under running tasks ends them failed, none stays running; the node resumes', T, async (t) => {
    const { host, status, hasMetrics } = slurmHost('down');
    t.after(() => host.close());
    const { runIds, done } = host.launch(spec('down', 40_000));
    await until(() => runIds.every((id) => hasMetrics(id) && status(id) === 'running'), 'both runs running with metrics');
    slurm.cmd('scontrol', 'update', `nodename=${slurm.node}`, 'state=down', 'reason=test');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([done, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`runs still ${runIds.map(status)}\n${slurm.logs()}`)), 180_000)))]);
    } finally {
      clearTimeout(timer);
      slurm.cmd('scontrol', 'update', `nodename=${slurm.node}`, 'state=resume');
    }
    for (const id of runIds) {
      const s = host.store.getRunSummary(id);
      assert.equal(s.status, 'failed', `${id}: ${s.status} ${s.error}`);
      assert.match(s.error ?? '', /ended NODE_FAIL/);
    }
    await until(() => /idle/.test(slurm.cmd('sinfo', '-h', '-n', slurm.node, '-o', '%T')), 'the node idle again', 120_000);
  });

  test('with --requeue a node set DOWN requeues the running tasks; they restart after resume, finish, and keep no step twice', T, async (t) => {
    const { host, status, info, hasMetrics } = slurmHost('requeue', { requeue: true });
    t.after(() => host.close());
    const { experimentId, runIds, done } = host.launch(spec('requeue', 6000));
    await until(() => runIds.every((id) => hasMetrics(id) && status(id) === 'running'), 'both runs running with metrics');
    slurm.cmd('scontrol', 'update', `nodename=${slurm.node}`, 'state=down', 'reason=test');
    try {
      const ids = runIds.map((id) => info(id).externalId);
      await until(() => ids.every((x) => /PENDING|REQUEUED/.test(slurm.cmd('squeue', '-h', '-r', '-t', 'all', '-j', x, '-o', '%T'))), 'the tasks requeued', 120_000);
    } finally {
      slurm.cmd('scontrol', 'update', `nodename=${slurm.node}`, 'state=resume');
    }
    await done;
    for (const id of runIds) {
      const s = host.store.getRunSummary(id);
      assert.equal(s.status, 'finished', `${id}: ${s.status} ${s.error}`);
      assert.ok(host.store.readLog(id).some((l) => /restarted \(attempt 2\)/.test(l)), `${id} was restarted`);
    }
    for (const s of host.store.series(experimentId, 'charts/learning_rate')) {
      assert.ok(s.steps.length > 0 && s.steps.every((x, i) => i === 0 || x > s.steps[i - 1]), `${s.run}: steps ${s.steps}`);
      assert.equal(s.steps.at(-1), 6000 - (6000 % 128), `${s.run} reached the end of its budget`);
    }
  });

  test('cancelling the experiment stops the running task through its cancel file and scancels the pending ones', T, async (t) => {
    const { host, status, info, hasMetrics } = slurmHost('cancel-all', { maxConcurrent: 1 });
    t.after(() => host.close());
    const { experimentId, runIds, done } = host.launch(spec('cancel-all', 20_000, [{ name: 'a' }, { name: 'b' }]));
    const [r0, ...rest] = runIds;
    await until(() => hasMetrics(r0) && status(r0) === 'running', 'run 0 running with metrics');
    // %1: the other tasks are still one pending array record, which squeue -r must expand.
    assert.match(slurm.cmd('squeue', '-h', '-j', info(r0).jobId, '-o', '%i'), /_\[1-3%1\]/);
    await host.cancelExperiment(experimentId);
    await done;
    assert.deepEqual(runIds.map(status), runIds.map(() => 'cancelled'));
    for (const id of rest) assert.ok(!existsSync(join(host.store.runDir(id), 'events.jsonl')), `${id} never started`);
    const log = host.store.readLog(r0).join('\n');
    assert.doesNotMatch(log, /scancel .* failed/);
    assert.ok(host.store.series(experimentId, 'charts/learning_rate').find((x) => x.run === r0)!.steps.length > 0, 'run 0 flushed its metrics');
  });

  test('a submitter killed while its tasks run: they finish unwatched, show interrupted, and `creditlab slurm attach` ends them finished with every point, once', T, async () => {
    const ws = join(dir, 'unwatched');
    const file = join(dir, 'unwatched.json');
    writeFileSync(file, JSON.stringify(spec('unwatched', 20_000)));
    const submitter = submit(file, ws);
    const { experimentId, runIds, dirs } = await bothIngesting(ws);
    await killed(submitter);
    const runDir = (id: string) => dirs[runIds.indexOf(id)];
    // The tasks go on without it and end.
    await until(() => runIds.every((id) => readFileSync(join(runDir(id), 'events.jsonl'), 'utf8').includes('"type":"done"')), 'both tasks to finish on the cluster');
    await until(() => slurm.cmd('squeue', '-h', '-o', '%i').trim() === '', 'the array to leave the queue');

    // Ten minutes later, with nobody watching, anything that opens the index finds them interrupted,
    // without what they logged after the kill.
    const later = RunStore.open(ws, { clock: () => Date.now() + 10 * 60_000 });
    try {
      for (const id of runIds) {
        const r = later.getRunSummary(id);
        assert.equal(r.status, 'interrupted', `${id}: ${r.status}`);
        assert.ok((storedCounts(later, id)['charts/learning_rate'] ?? 0) < committedCounts(runDir(id))['charts/learning_rate'], `${id}: points logged after the kill are not in the index yet`);
      }
    } finally {
      later.close();
    }

    const attach = async () => JSON.parse(await cli('slurm', 'attach', experimentId, '--workspace', ws, '--json')) as { runs: { id: string; status: string; events: number }[] };
    const first = await attach();
    assert.deepEqual(first.runs.map((r) => r.status), ['finished', 'finished']);
    assert.ok(first.runs.every((r) => r.events > 0));
    const check = () => {
      const s = RunStore.open(ws);
      try {
        for (const id of runIds) {
          assert.equal(s.getRunSummary(id).status, 'finished');
          assert.deepEqual(storedCounts(s, id), committedCounts(runDir(id)), `${id}: every point the task committed, once`);
          const steps = s.series(experimentId, 'charts/learning_rate').find((x) => x.run === id)!.steps;
          assert.deepEqual(steps, committedSteps(runDir(id), 'charts/learning_rate'));
          assert.equal(steps.at(-1), 20_000 - (20_000 % 128));
        }
        assert.equal(s.getExperimentSummary(experimentId).status, 'finished');
      } finally {
        s.close();
      }
    };
    check();
    const second = await attach();
    assert.deepEqual(second.runs.map((r) => [r.status, r.events]), [['finished', 0], ['finished', 0]]);
    check();
  });

  test('`creditlab slurm attach` right after its submitter was killed takes its runs over and watches them to the end', T, async () => {
    const ws = join(dir, 'takeover');
    const file = join(dir, 'takeover.json');
    writeFileSync(file, JSON.stringify(spec('takeover', 80_000)));
    const submitter = submit(file, ws);
    const { experimentId, runIds, dirs } = await bothIngesting(ws);
    await killed(submitter);
    // A task still running when the attach starts: the attach can only report it finished by watching it end.
    assert.ok(dirs.some((d) => !readFileSync(join(d, 'events.jsonl'), 'utf8').includes('"type":"done"')), 'a task is still running when the attach starts');
    // Its leases have not run out (the tasks' heartbeats extend them), but its pid on this machine is gone.
    const out = JSON.parse(await cli('slurm', 'attach', '--workspace', ws, '--json')) as { runs: { id: string; status: string }[] };
    assert.deepEqual(out.runs.map((r) => [r.id, r.status]), runIds.map((id) => [id, 'finished']));
    const s = RunStore.open(ws);
    try {
      runIds.forEach((id, i) => assert.deepEqual(storedCounts(s, id), committedCounts(dirs[i]), `${id}: every point the task committed, once`));
      assert.equal(s.getExperimentSummary(experimentId).status, 'finished');
    } finally {
      s.close();
    }
  });

  test('an unwatched task killed before writing its end: `slurm attach --once` leaves its run interrupted, `slurm attach` asks Slurm and ends it failed with the reason', T, async () => {
    const ws = join(dir, 'killed-unwatched');
    const file = join(dir, 'killed-unwatched.json');
    writeFileSync(file, JSON.stringify(spec('killed-unwatched', 40_000)));
    const submitter = submit(file, ws);
    const { runIds: [r0, r1], dirs: [d0, d1] } = await bothIngesting(ws);
    await killed(submitter);
    await until(() => workerPids(d0).length > 0, 'run 0 worker');
    for (const pid of workerPids(d0)) process.kill(pid, 'SIGKILL');
    await until(() => readFileSync(join(d1, 'events.jsonl'), 'utf8').includes('"type":"done"'), 'run 1 to finish on the cluster');
    await until(() => slurm.cmd('squeue', '-h', '-o', '%i').trim() === '', 'the array to leave the queue');
    const later = RunStore.open(ws, { clock: () => Date.now() + 10 * 60_000 });
    assert.deepEqual([r0, r1].map((id) => later.getRunSummary(id).status), ['interrupted', 'interrupted']);
    later.close();

    const attach = async (...args: string[]) => {
      const r = await exec(process.execPath, [CLI, 'slurm', 'attach', ...args, '--workspace', ws, '--json'], { cwd: dir, env: process.env }).then(
        (x) => ({ code: 0, stdout: x.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      return { code: r.code, runs: new Map((JSON.parse(r.stdout) as { runs: { id: string; status: string; error?: string }[] }).runs.map((x) => [x.id, x])) };
    };
    const once = await attach('--once');
    assert.equal(once.code, 1, 'a run without its end is not a success');
    assert.equal(once.runs.get(r1)?.status, 'finished');
    assert.equal(once.runs.get(r0)?.status, 'interrupted');
    const watched = await attach();
    assert.equal(watched.code, 1);
    assert.equal(watched.runs.get(r0)?.status, 'failed');
    assert.match(watched.runs.get(r0)?.error ?? '', /ended FAILED.*killed by signal 9 \(SIGKILL\)/);
    const s = RunStore.open(ws);
    try {
      assert.deepEqual(storedCounts(s, r0), committedCounts(d0), 'every point the killed task committed, once');
      assert.deepEqual(storedCounts(s, r1), committedCounts(d1));
    } finally {
      s.close();
    }
  });

  test('a host that stops while tasks run re-attaches in a new process and ingests the rest, nothing twice', T, async (t) => {
    const ws = join(dir, 'reattach');
    const first = new Host({ workspace: ws, executor: new SlurmExecutor(FAST) });
    // If an assertion fails before the planned close, the executor's pollers must not keep the process alive.
    let firstClosed = false;
    t.after(() => (firstClosed ? undefined : first.close()));
    const { experimentId, runIds } = first.launch(spec('reattach', 20_000));
    const events = (id: string) => join(first.store.runDir(id), 'events.jsonl');
    // The host learns a task started when it next ingests, so wait for that too (slow under load).
    await until(
      () => runIds.every((id) => existsSync(events(id)) && readFileSync(events(id), 'utf8').includes('"metrics"') && first.store.getRunSummary(id).status === 'running'),
      'both runs running with metrics',
    );
    assert.deepEqual(runIds.map((id) => first.store.getRunSummary(id).status), ['running', 'running'], 'the first host leaves while both run');
    await first.close();
    firstClosed = true;
    const second = new Host({ workspace: ws, executor: new SlurmExecutor(FAST) });
    try {
      await until(() => runIds.every((id) => second.store.getRunSummary(id).status === 'finished'), 'both runs finished after re-attach', 300_000);
      for (const s of second.store.series(experimentId, 'charts/learning_rate')) {
        assert.deepEqual(s.steps, committedSteps(second.store.runDir(s.run), 'charts/learning_rate'));
        assert.equal(s.steps.at(-1), 20_000 - (20_000 % 128));
      }
    } finally {
      await second.close();
    }
  });
});
