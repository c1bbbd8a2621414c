// A Slurm run whose submitting `creditlab run` is gone: its task's events.jsonl is read in by the next
// host that opens the workspace (and by `creditlab slurm attach --once`), from where the index left
// off, its end taken from the events. Crafted run folders stand in for the tasks; clocks are injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmExecutor } from '@creditlab/runner';
import { resolveExperiment } from '@creditlab/spec';
import { RunStore } from '@creditlab/store';
import { main } from '../cli/main';
import type { CliIO } from '../cli/io';
import { Host } from './host';

const spec = { version: 1, name: 'nobody-watched', seeds: [0, 1], budget: { steps: 300 }, base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } }, arms: [{ name: 'a' }] };
const line = (t: number, e: object) => JSON.stringify({ t, ...e }) + '\n';
const pts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => [{ step: (from + i) * 10, metric: 'm', value: from + i }, { step: (from + i) * 10, metric: 'charts/SPS', value: 5 }]).flat();

/** A workspace whose Slurm runs were submitted by a process that died `ago` ms before `now`, after ingesting `ingested` lines of each events file. */
function abandoned(now: number, ago: number) {
  const ws = mkdtempSync(join(tmpdir(), 'creditlab-slurm-catchup-'));
  const store = RunStore.open(ws, { clock: () => now - ago });
  const { spec: s, runs } = resolveExperiment(spec);
  const { experimentId, runIds } = store.createExperiment(s, runs, { executor: 'slurm' });
  const files: string[] = [];
  runIds.forEach((id, i) => {
    const dir = store.runDir(id);
    writeFileSync(join(dir, 'slurm.json'), JSON.stringify({ jobId: '77', taskId: i, externalId: `77_${i}`, submissionDir: join(ws, 'runs', 'slurm-x'), stdout: '', stderr: '' }));
    const f = join(dir, 'events.jsonl');
    files.push(f);
    writeFileSync(f, line(now - ago, { type: 'started', backend: 'cpu', pid: 10 + i }) + line(now - ago, { type: 'metrics', points: pts(1, 3) }));
    // What the submitter read before it died, as it would have: through the store.
    store.markRunning(id, { backend: 'cpu', externalId: `77_${i}` });
    store.appendMetrics(id, pts(1, 3));
    writeFileSync(join(dir, 'ingest.json'), JSON.stringify({ offset: readFileSync(f).length, attempts: 1, high: { m: 30, 'charts/SPS': 30 }, highSamples: {}, floor: {}, floorSamples: {} }));
  });
  store.close();
  return { ws, experimentId, runIds, files };
}

async function until(cond: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false };
  return { cli, out, err };
};

test('a Slurm run nobody watched is interrupted; the next host reads its events in, ends it finished with every point, and reading again adds nothing', async () => {
  const now = Date.now();
  const { ws, experimentId, runIds: [r0, r1], files } = abandoned(now, 10 * 60_000);
  // Run 0's task went on after its submitter died, and finished.
  appendFileSync(files[0], line(now - 60_000, { type: 'heartbeat', t: now - 60_000 }) + line(now - 60_000, { type: 'metrics', points: pts(4, 9) }) + line(now - 60_000, { type: 'sample', step: 90, kind: 'ep', data: { r: 1 } }) + line(now - 60_000, { type: 'progress', step: 300, sps: 5 }) + line(now - 60_000, { type: 'done', cancelled: false }));
  // Run 1's task stopped writing without an end: its file ends in part of a line (killed mid-write, or a write under way).
  appendFileSync(files[1], line(now - 9 * 60_000, { type: 'metrics', points: pts(4, 5) }) + '{"t":1,"type":"metrics","points":[{"st');
  for (const f of files) utimesSync(f, new Date(now - 5 * 60_000), new Date(now - 5 * 60_000));

  // What `creditlab list` sees: no host read the files, so both are interrupted and run 0 lacks its tail.
  const seen = RunStore.open(ws);
  assert.deepEqual([r0, r1].map((id) => seen.getRunSummary(id).status), ['interrupted', 'interrupted']);
  assert.equal(seen.series(experimentId, 'm').find((x) => x.run === r0)!.steps.length, 3);
  seen.close();

  const host = new Host({ workspace: ws, workers: 1, heartbeatMs: 3_600_000 });
  try {
    const a = host.store.getRunSummary(r0);
    assert.equal(a.status, 'finished', a.error ?? '');
    assert.equal(a.error, null);
    assert.equal(a.progress, 300);
    assert.deepEqual(host.store.series(experimentId, 'm').find((x) => x.run === r0)!.steps, [10, 20, 30, 40, 50, 60, 70, 80, 90]);
    assert.equal(a.final.m, 9);
    assert.deepEqual(host.store.getSamples(r0).map((x) => x.step), [90]);
    assert.equal((await host.getExperiment(experimentId)).status, 'interrupted', 'run 1 recorded no end');
    // Run 1: what it committed is read in; with no end in its file it stays interrupted (Slurm is not asked here).
    const b = host.store.getRunSummary(r1);
    assert.equal(b.status, 'interrupted');
    assert.deepEqual(host.store.series(experimentId, 'm').find((x) => x.run === r1)!.steps, [10, 20, 30, 40, 50]);
    assert.ok(host.store.readLog(r0).some((l) => /read 5 event\(s\) its Slurm task logged while no process watched it \(interrupted → finished\)/.test(l)));

    // Read again (the heartbeat does, as would another host): nothing is stored twice.
    assert.deepEqual(host.catchUpSlurm([r0, r1]), []);
    host.heartbeat();
    // The torn line completes, with the run's end.
    appendFileSync(files[1], 'ep":60,"metric":"m","value":6}]}\n' + line(now, { type: 'failed', message: 'boom' }));
    host.heartbeat();
    const b2 = host.store.getRunSummary(r1);
    assert.equal(b2.status, 'failed');
    assert.equal(b2.error, 'boom');
    assert.deepEqual(host.store.series(experimentId, 'm').find((x) => x.run === r1)!.steps, [10, 20, 30, 40, 50, 60]);
    assert.deepEqual(host.store.series(experimentId, 'm').find((x) => x.run === r0)!.steps, [10, 20, 30, 40, 50, 60, 70, 80, 90]);
  } finally {
    await host.close();
  }
});

test('a reader killed after the index took its lines but before it recorded its offset stores none of them twice', async () => {
  const now = Date.now();
  const { ws, experimentId, runIds: [r0], files } = abandoned(now, 10 * 60_000);
  appendFileSync(files[0], line(now, { type: 'metrics', points: pts(4, 6) }) + line(now, { type: 'done', cancelled: false }));
  const store = RunStore.open(ws);
  // The index has points up to step 60, ingest.json still says 30 (the reader died in between).
  store.appendMetrics(r0, pts(4, 6));
  store.close();
  const host = new Host({ workspace: ws, workers: 1, heartbeatMs: 3_600_000 });
  try {
    assert.equal(host.store.getRunSummary(r0).status, 'finished');
    assert.deepEqual(host.store.series(experimentId, 'm').find((x) => x.run === r0)!.steps, [10, 20, 30, 40, 50, 60]);
    assert.deepEqual(host.store.series(experimentId, 'charts/SPS').find((x) => x.run === r0)!.steps, [10, 20, 30, 40, 50, 60]);
  } finally {
    await host.close();
  }
});

test('a run another live process watches is left to it; `creditlab slurm attach --once` reads the rest and says what it found', async () => {
  const now = Date.now();
  const { ws, runIds: [r0, r1], files } = abandoned(now, 10 * 60_000);
  appendFileSync(files[0], line(now, { type: 'metrics', points: pts(4, 5) }) + line(now, { type: 'done', cancelled: false }));
  appendFileSync(files[1], line(now, { type: 'metrics', points: pts(4, 5) }) + line(now, { type: 'done', cancelled: false }));
  // Run 1 is held by a live process (this one, under another lease identity): its reader is that process.
  const holder = RunStore.open(ws);
  holder.db.prepare('UPDATE runs SET lease_owner=?, lease_until=? WHERE id=?').run(`elsewhere/x/1:${process.pid}:y`, Date.now() + 60_000, r1);
  holder.close();

  const first = io();
  assert.equal(await main(['slurm', 'attach', '--once', '--json', '--workspace', ws], first.cli), 0, first.err.join('\n'));
  const out = JSON.parse(first.out.at(-1)!) as { runs: { id: string; status: string; events: number; final: Record<string, number> }[] };
  const byId = new Map(out.runs.map((r) => [r.id, r]));
  assert.equal(byId.get(r0)?.status, 'finished');
  assert.equal(byId.get(r0)?.events, 2);
  assert.equal(byId.get(r0)?.final.m, 5);
  assert.equal(byId.get(r1)?.status, 'running');
  assert.equal(byId.get(r1)?.events, 0);

  const store = RunStore.open(ws);
  try {
    assert.equal(store.series(store.getRunSummary(r0).experimentId, 'm').find((x) => x.run === r0)!.steps.length, 5);
    assert.equal(store.series(store.getRunSummary(r1).experimentId, 'm').find((x) => x.run === r1)!.steps.length, 3, 'the run held elsewhere was not read');
    // Its holder stops: the next attach reads it.
    store.db.prepare('UPDATE runs SET lease_until=0 WHERE id=?').run(r1);
  } finally {
    store.close();
  }
  const second = io();
  assert.equal(await main(['slurm', 'attach', r1, '--once', '--workspace', ws], second.cli), 0, second.err.join('\n'));
  assert.match(second.out.join('\n'), new RegExp(`run ${r1} a seed 1: finished`));
  const third = io();
  assert.equal(await main(['slurm', 'attach', '--once', '--workspace', ws], third.cli), 0);
  assert.deepEqual(third.out, ['no Slurm run to attach to in this workspace']);
});

test('a submitter whose lease another process took watches on if it was given back, and otherwise stops watching without cancelling the task', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'creditlab-slurm-catchup-'));
  const calls: string[][] = [];
  const runCommand = async (cmd: string, args: string[]) => {
    calls.push([cmd, ...args]);
    if (cmd === 'sbatch') return { code: 0, stdout: '55\n', stderr: '' };
    if (cmd === 'squeue') return { code: 0, stdout: [0, 1].map((i) => `55_${i}|RUNNING|None|vm`).join('\n') + '\n', stderr: '' };
    return { code: 1, stdout: '', stderr: `${cmd}: not here` };
  };
  const host = new Host({ workspace: ws, workers: 1, heartbeatMs: 3_600_000, executor: new SlurmExecutor({ runCommand, ingestMs: 20, queryMs: 20, settleMs: 40, creditlab: ['creditlab'] }) });
  try {
    const { runIds: [r0, r1], done } = host.launch(spec);
    await until(() => [r0, r1].every((id) => existsSync(join(host.store.runDir(id), 'slurm.json'))), 'the submission');
    for (const id of [r0, r1]) writeFileSync(join(host.store.runDir(id), 'events.jsonl'), line(Date.now(), { type: 'started', backend: 'cpu', pid: 1 }) + line(Date.now(), { type: 'metrics', points: pts(1, 2) }));
    await until(() => [r0, r1].every((id) => host.store.getRunSummary(id).status === 'running'), 'both runs running');
    const other = RunStore.open(ws);
    // A reader took run 0's lease and gave it back; a live process took run 1's.
    other.db.prepare('UPDATE runs SET lease_owner=NULL, lease_until=0 WHERE id=?').run(r0);
    other.db.prepare('UPDATE runs SET lease_owner=?, lease_until=? WHERE id=?').run('node9/x/1:4242:z', Date.now() + 600_000, r1);
    host.heartbeat();
    assert.equal(other.db.prepare('SELECT lease_owner FROM runs WHERE id=?').pluck().get(r0), host.store.owner, 'run 0 watched on');
    assert.equal(other.db.prepare('SELECT lease_owner FROM runs WHERE id=?').pluck().get(r1), 'node9/x/1:4242:z');
    other.close();
    assert.ok(host.store.readLog(r1).some((l) => /lost the run's lease to another process that reads its Slurm task now/.test(l)));
    assert.ok(!existsSync(join(host.store.runDir(r1), 'cancel')), 'run 1 task was not asked to stop');
    // Run 0 ends as its task says; the experiment's wait ends although run 1 is watched elsewhere.
    appendFileSync(join(host.store.runDir(r0), 'events.jsonl'), line(Date.now(), { type: 'done', cancelled: false }));
    await done;
    assert.equal(host.store.getRunSummary(r0).status, 'finished');
    assert.equal(host.store.getRunSummary(r1).status, 'running');
    assert.ok(!calls.some((c) => c[0] === 'scancel'), calls.map((c) => c.join(' ')).join('\n'));
  } finally {
    await host.close();
  }
});
