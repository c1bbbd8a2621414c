// Large imports and heavy live ingest checkpoint the WAL on a thread of their own (checkpointer.ts): the
// writer's autocheckpoint is off meanwhile and back afterwards, the database file receives the pages
// while the writing goes on, nothing is left in the WAL after an import, and a kill -9 in the middle
// keeps every committed run or batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RunStore } from '../src/index';

const importer = new URL('./fixtures/importer.ts', import.meta.url).pathname;
const writer = new URL('./fixtures/writer.ts', import.meta.url).pathname;

function run(r: number, n = 10_000) {
  const steps = Array.from({ length: n }, (_, i) => i * 2);
  const metrics = new Map(['a', 'b'].map((m, k) => [m, { steps, values: steps.map((s) => s + r + k), walls: steps.map((s) => 1.7e9 + s) }]));
  return { key: `run_${r}`, arm: 'x', seed: r, files: [], metrics };
}

test('an import with the background checkpointer: pages reach the database file meanwhile, the writer is restored after', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-ckpt-'));
  const store = RunStore.open(dir);
  const before = store.db.pragma('wal_autocheckpoint', { simple: true });
  const w = store.beginImport({ kind: 'tensorboard', path: '/logs' }, 'ckpt', { checkpointer: true });
  w.add(run(0));
  // The writer no longer checkpoints itself ...
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 0);
  const index = join(dir, 'index.sqlite');
  const small = statSync(index).size;
  for (let r = 1; r < 8; r++) w.add(run(r));
  // ... yet the database file grows while the import goes on: the other thread copied the pages.
  for (const deadline = Date.now() + 60_000; statSync(index).size <= small && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  assert.ok(statSync(index).size > small, 'the database file received checkpointed pages');
  const out = w.finish();
  assert.equal(out.pointsAdded, 8 * 2 * 10_000);
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), before);
  // finish waited for the last checkpoint: every page is in the database file.
  const { page_count: pages, page_size: size } = { page_count: store.db.pragma('page_count', { simple: true }) as number, page_size: store.db.pragma('page_size', { simple: true }) as number };
  assert.equal(statSync(index).size, pages * size);
  const s = store.series(out.experimentId, 'b');
  assert.equal(s.length, 8);
  assert.deepEqual(s[5].values.slice(0, 3), [6, 8, 10]);
  store.close();
});

test('two imports at once: the writer checkpoints itself again only after both have finished', () => {
  const store = RunStore.open(mkdtempSync(join(tmpdir(), 'creditlab-ckpt2-')));
  const before = store.db.pragma('wal_autocheckpoint', { simple: true });
  const one = store.beginImport({ kind: 'tensorboard', path: '/one' }, 'one', { checkpointer: true });
  const two = store.beginImport({ kind: 'tensorboard', path: '/two' }, 'two', { checkpointer: true });
  one.add(run(0, 100));
  two.add(run(1, 100));
  one.finish();
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 0);
  two.add(run(2, 100));
  two.end(); // given up half-way
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), before);
  two.end();
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), before);
  store.close();
});

test('kill -9 during an import with the background checkpointer keeps every committed run whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-ckpt-kill9-'));
  const child = spawn(process.execPath, ['--import', 'tsx', importer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const committed = await new Promise<number>((resolve, reject) => {
    const t = setInterval(() => {
      const m = [...out.matchAll(/committed (\d+)/g)];
      if (m.length >= 12) {
        clearInterval(t);
        child.kill('SIGKILL');
        resolve(Number(m[m.length - 1][1]));
      }
    }, 5);
    child.on('exit', () => reject(new Error('importer exited early')));
  });
  await new Promise((r) => child.once('exit', r));
  assert.equal(child.signalCode, 'SIGKILL');
  const raw = new Database(join(dir, 'index.sqlite'));
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
  const store = RunStore.open(dir);
  const [exp] = store.listExperiments();
  const runs = store.listRuns(exp.id);
  assert.ok(runs.length >= committed, `${runs.length} runs < ${committed} committed`);
  for (const metric of ['a', 'b']) for (const s of store.series(exp.id, metric)) assert.equal(s.steps.length, 10_000, `${s.run} ${metric} is whole`);
  store.close();
});

test('live ingest past 100,000 points checkpoints on the thread, and the store takes over again when batches stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-ckpt-live-'));
  const store = RunStore.open(dir);
  const { resolveExperiment } = await import('@creditlab/spec');
  const { spec, runs } = resolveExperiment({ version: 1, name: 'live', seeds: [0], budget: { steps: 1e6 }, base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } } });
  const { experimentId, runIds } = store.createExperiment(spec, runs);
  const before = store.db.pragma('wal_autocheckpoint', { simple: true });
  const batch = (b: number) => store.appendMetrics(runIds[0], Array.from({ length: 2000 }, (_, i) => ({ step: b * 2000 + i, metric: 'loss', value: i })));
  let b = 0;
  for (; b < 49; b++) batch(b);
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), before, 'below the threshold the store checkpoints itself');
  batch(b++);
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 0);
  const index = join(dir, 'index.sqlite');
  const small = statSync(index).size;
  for (; b < 120; b++) batch(b);
  for (const deadline = Date.now() + 60_000; statSync(index).size <= small && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  assert.ok(statSync(index).size > small, 'the database file received checkpointed pages');
  // No batch for a while: the hold is given back.
  for (const deadline = Date.now() + 60_000; store.db.pragma('wal_autocheckpoint', { simple: true }) === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), before);
  batch(b++);
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 0, 'a new batch holds it again');
  assert.equal(store.series(experimentId, 'loss')[0].steps.length, b * 2000);
  store.close();
});

test('kill -9 during live ingest with the background checkpointer keeps every committed batch whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-ckpt-kill9-live-'));
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, '2000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const committed = await new Promise<number>((resolve, reject) => {
    const t = setInterval(() => {
      const m = [...out.matchAll(/committed (\d+)/g)];
      if (m.length >= 90) {
        clearInterval(t);
        child.kill('SIGKILL');
        resolve(Number(m[m.length - 1][1]));
      }
    }, 5);
    child.on('exit', () => reject(new Error('writer exited early')));
  });
  await new Promise((r) => child.once('exit', r));
  assert.equal(child.signalCode, 'SIGKILL');
  const raw = new Database(join(dir, 'index.sqlite'));
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
  const store = RunStore.open(dir);
  const [exp] = store.listExperiments();
  const series = store.series(exp.id, 'loss');
  const n = series[0].steps.length;
  assert.ok(n >= committed * 2000, `${n} points < ${committed} committed batches`);
  assert.equal(n % 2000, 0, 'no partial batch');
  series[0].steps.forEach((s, i) => assert.equal(s, i));
  store.close();
});

test('a checkpointer thread that cannot open the index ends by itself: pokes report it gone, stop does not wait', async () => {
  const { BackgroundCheckpointer } = await import('../src/checkpointer');
  const c = BackgroundCheckpointer.start(join(mkdtempSync(join(tmpdir(), 'creditlab-ckpt-bad-')), 'missing', 'index.sqlite'))!;
  assert.ok(c);
  for (const deadline = Date.now() + 60_000; c.poke() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  assert.equal(c.poke(), false);
  const t0 = Date.now();
  c.stop();
  assert.ok(Date.now() - t0 < 5_000);
});
