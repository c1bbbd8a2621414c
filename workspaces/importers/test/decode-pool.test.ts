// Decoding on a worker thread while runs are handed over for writing: the worker's reads equal this
// thread's, and the runs handed over early are exactly the plan's, in its order, with its arms and seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventMessage, frameRecord, planTensorboard, readFolders, readRunFolder, type PlannedRun, type Series } from '../src/index';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

function eventFile(tag: string, n: number, offset: number): Uint8Array {
  const recs = [{ wallTime: 1, fileVersion: 'brain.Event:2' }];
  for (let i = 0; i < n; i++) recs.push({ wallTime: 2 + i, step: i * 3 + offset, summary: { value: [{ tag, simpleValue: Math.sin(i + offset) }] } } as never);
  return Buffer.concat(recs.map((e) => frameRecord(EventMessage.encode(EventMessage.fromObject(e)).finish())));
}

/** The tensorboardX fixtures plus folders whose seeds depend on each other and on which folders turn out to be runs. */
function logdir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'creditlab-tbpool-')), 'logs');
  cpSync(join(FIXTURES, 'tb'), dir, { recursive: true });
  const put = (folder: string, bytes: Uint8Array) => {
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, 'events.out.tfevents.1.host'), bytes);
  };
  const good = eventFile('x', 500, 1);
  // 'again7' wants seed 7 first but holds only a cut file, so it is no run and 'run7' keeps seed 7.
  put('dqn/again7', good.subarray(0, good.length - 5));
  put('dqn/run7', good);
  // 'other' has no seed: it is numbered once every run of the arm is known, and 'zz3' after it waits too.
  put('dqn/other', eventFile('x', 300, 2));
  put('dqn/zz3', eventFile('y', 200, 3));
  // A collision between two runs: the second is numbered.
  put('sac/a_seed_1', eventFile('z', 100, 4));
  put('sac/b_seed_1', eventFile('z', 100, 5));
  return dir;
}

// Series read on the worker arrive as Float64Arrays, those read here as arrays: compared as arrays.
const plain = (m: Map<string, Series> | null) => m && [...m].map(([tag, p]) => [tag, Array.from(p.steps), Array.from(p.values), Array.from(p.walls)]);
const shape = (runs: PlannedRun[]) => runs.map((r) => ({ key: r.key, arm: r.arm, seed: r.seed, files: r.files, metrics: plain(r.metrics) }));

test('the worker thread reads folders exactly as this thread does', async () => {
  const dir = logdir();
  const tasks = ['ppo/seed_0', 'ppo/seed_3', 'broken/run_0', 'dqn/again7', 'dqn/run7', 'dqn/zz3'].map((f) => {
    const folder = join(dir, f);
    return { folder, files: readdirSync(folder).filter((n) => n.startsWith('events.out.tfevents.')).map((n) => join(folder, n)) };
  });
  const got = new Map<number, ReturnType<typeof readRunFolder>>();
  const { byWorker } = await readFolders(dir, tasks, (i, r) => {
    assert.ok(!got.has(i), `folder ${i} delivered twice`);
    got.set(i, r);
  }, { worker: 'all' });
  assert.ok(byWorker > 0, 'the worker read folders');
  assert.equal(got.size, tasks.length);
  tasks.forEach((t, i) => {
    const here = readRunFolder(dir, t.folder, t.files);
    const there = got.get(i)!;
    assert.deepEqual({ ...there, metrics: plain(there.metrics) }, { ...here, metrics: plain(here.metrics) }, t.folder);
  });
  // What the worker read arrives without being copied back into arrays.
  assert.ok([...got.get(0)!.metrics!.values()].every((p) => p.steps instanceof Float64Array));
  // The truncated file is reported from the worker as from here.
  assert.match(got.get(2)!.problems[0].message, /truncated/);
});


for (const worker of [false, 'all'] as const) {
  test(`runs handed over while reading are the plan's runs, in order, with its arms and seeds (worker: ${worker})`, async () => {
    const dir = logdir();
    const reference = await planTensorboard(dir, { decodeWorker: false });
    // The edge cases above resolve as the plan's rules say.
    const seeds = Object.fromEntries(reference.runs.map((r) => [r.key, `${r.arm}/${r.seed}`]));
    assert.equal(seeds['dqn/run7'], 'dqn/7');
    assert.equal(seeds['dqn/again7'], undefined);
    assert.equal(seeds['dqn/other'], 'dqn/0');
    assert.equal(seeds['dqn/zz3'], 'dqn/3');
    assert.equal(seeds['sac/a_seed_1'], 'sac/1');
    assert.equal(seeds['sac/b_seed_1'], 'sac/0');

    const handed: PlannedRun[] = [];
    const plan = await planTensorboard(dir, { decodeWorker: worker }, (run, source) => {
      assert.equal(source.path, reference.source.path);
      handed.push(run);
    });
    assert.deepEqual(shape(plan.runs), shape(reference.runs));
    assert.deepEqual(plan.problems, reference.problems);
    assert.deepEqual(shape(handed), shape(reference.runs));
  });
}

test('with --group, runs it does not match are never handed over', async () => {
  const dir = logdir();
  const handed: string[] = [];
  const plan = await planTensorboard(dir, { group: '^(?<arm>ppo|dqn)/\\D*(?<seed>\\d+)$', decodeWorker: 'all' }, (run) => handed.push(`${run.arm}/${run.seed}`));
  assert.deepEqual(handed, plan.runs.map((r) => `${r.arm}/${r.seed}`));
  assert.ok(!handed.some((h) => h.startsWith('sac') || h.startsWith('ppo-clip')));
  assert.ok(handed.includes('dqn/7') && handed.includes('dqn/3'));
});

for (const worker of [false, 'all'] as const) {
  test(`a hand-over that throws stops the reading: the error comes back and nothing more is handed over (worker: ${worker})`, async () => {
    const dir = logdir();
    const folders = ['ppo/seed_0', 'ppo/seed_1', 'ppo/seed_2', 'ppo/seed_3', 'dqn/run7', 'dqn/zz3'];
    const tasks = folders.map((f) => {
      const folder = join(dir, f);
      return { folder, files: readdirSync(folder).filter((n) => n.startsWith('events.out.tfevents.')).map((n) => join(folder, n)) };
    });
    let calls = 0;
    await assert.rejects(
      readFolders(dir, tasks, () => {
        if (++calls === 2) throw new Error('disk full');
      }, { worker }),
      /disk full/,
    );
    assert.equal(calls, 2);
  });
}
