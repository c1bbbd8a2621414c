import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExperiment } from '@creditlab/spec';
import { RunStore, exportCsvLines, CSV_HEADER, MIGRATIONS } from '../src/index';

const spec = {
  version: 1,
  name: 'store-test',
  seeds: [0, 1],
  budget: { steps: 100 },
  base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' }, reward: { code: 'export default (c) => c.envReward' } },
  arms: [{ name: 'a' }, { name: 'b, "quoted"' .replace(/[",]/g, '') }],
};

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-store-'));
  const store = RunStore.open(dir);
  const { spec: s, runs } = resolveExperiment(spec);
  const { experimentId, runIds } = store.createExperiment(s, runs);
  return { dir, store, experimentId, runIds, runs };
}

test('a new workspace is migrated to the latest schema version, in WAL mode', () => {
  const { store } = fresh();
  assert.equal(store.schemaVersion, MIGRATIONS[MIGRATIONS.length - 1].version);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  store.close();
});

test('runs get a folder with the resolved spec and the reward source', () => {
  const { store, runIds } = fresh();
  const dir = store.runDir(runIds[0]);
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  assert.equal(run.schema, 'creditlab.run/1');
  assert.ok(existsSync(join(dir, 'a.reward.ts')));
  store.close();
});

test('metrics, finals, series and status transitions', () => {
  const { store, experimentId, runIds } = fresh();
  store.markRunning(runIds[0], { backend: 'cpu' });
  store.appendMetrics(runIds[0], [
    { step: 10, metric: 'r', value: 1 },
    { step: 20, metric: 'r', value: 2 },
    { step: 20, metric: 'nan', value: NaN },
  ]);
  store.appendMetrics(runIds[0], [{ step: 30, metric: 'r', value: 3 }]);
  store.finishRun(runIds[0], 'finished');
  store.finishRun(runIds[1], 'failed', { message: 'reward returned NaN', line: 3 });
  assert.equal(store.getExperimentSummary(experimentId).status, 'running', 'two runs still queued');
  store.finishRun(runIds[2], 'finished');
  store.finishRun(runIds[3], 'cancelled');
  const runs = store.listRuns(experimentId);
  assert.equal(runs[0].status, 'finished');
  assert.equal(runs[0].final.r, 3);
  assert.ok(Number.isNaN(runs[0].final.nan));
  assert.equal(runs[1].error, 'reward returned NaN');
  assert.equal(runs[1].errorLine, 3);
  assert.equal(store.getExperimentSummary(experimentId).status, 'failed');
  const series = store.series(experimentId, 'r');
  assert.deepEqual(series[0].steps, [10, 20, 30]);
  assert.deepEqual(series[0].values, [1, 2, 3]);
  assert.deepEqual(series[1].steps, []);
  // A finished run cannot be flipped back to another terminal state.
  store.finishRun(runIds[0], 'cancelled');
  assert.equal(store.getRunSummary(runIds[0]).status, 'finished');
  store.close();
});

test('a batch larger than one multi-row insert keeps every point, in logged order, and the right finals', () => {
  const { store, experimentId, runIds } = fresh();
  // 3 metrics interleaved, 337 points: several full groups of rows and a remainder; steps of 'b' go
  // back once (a resumed trainer may do that), and some values are not finite.
  const pts: { step: number; metric: string; value: number }[] = [];
  for (let i = 0; i < 337; i++) {
    const metric = ['a', 'b', 'c'][i % 3];
    const step = metric === 'b' && i > 300 ? 5 : Math.floor(i / 3);
    pts.push({ step, metric, value: i % 50 === 7 ? Infinity : i });
  }
  store.appendMetrics(runIds[0], pts.slice(0, 250));
  store.appendMetrics(runIds[0], pts.slice(250));
  for (const m of ['a', 'b', 'c']) {
    const mine = pts.filter((p) => p.metric === m);
    const sorted = mine.map((p, i) => ({ ...p, i })).sort((x, y) => x.step - y.step || x.i - y.i);
    const s = store.series(experimentId, m)[0];
    assert.deepEqual(s.steps, sorted.map((p) => p.step), m);
    assert.deepEqual(s.values.map((v) => (Number.isNaN(v) ? 'NaN' : v)), sorted.map((p) => (Number.isFinite(p.value) ? p.value : 'NaN')), m);
    // The final value is the one at the largest step, the later-logged one on a tie.
    const best = mine.reduce((x, y) => (y.step >= x.step ? y : x));
    const fin = store.listRuns(experimentId)[0].final[m];
    if (Number.isFinite(best.value)) assert.equal(fin, best.value, m);
    else assert.ok(Number.isNaN(fin), m);
  }
  store.close();
});

test('a batch with a row SQLite refuses is stored not at all: no rows of its multi-row inserts, no final values', () => {
  const { store, experimentId, runIds } = fresh();
  store.appendMetrics(runIds[0], [{ step: 1, metric: 'a', value: 1 }]);
  // 250 points: two full multi-row inserts and a remainder; a NaN step becomes NULL, which the NOT NULL
  // step column refuses, in the middle of the second statement.
  const pts = Array.from({ length: 250 }, (_, i) => ({ step: i === 150 ? NaN : 10 + i, metric: i % 2 ? 'a' : 'b', value: i }));
  assert.throws(() => store.appendMetrics(runIds[0], pts), /NOT NULL/);
  assert.deepEqual(store.series(experimentId, 'a')[0].steps, [1]);
  assert.deepEqual(store.series(experimentId, 'b')[0].steps, []);
  assert.deepEqual(store.listRuns(experimentId)[0].final, { a: 1 });
  // The store keeps working after the failed batch.
  store.appendMetrics(runIds[0], pts.slice(0, 150));
  assert.equal(store.series(experimentId, 'a')[0].steps.length, 1 + 75);
  store.close();
});

test('CSV export has the fixed header and one row per logged point', () => {
  const { store, experimentId, runIds } = fresh();
  store.appendMetrics(runIds[3], [{ step: 5, metric: 'charts/episodic_return', value: 12.5 }]);
  const lines = [...exportCsvLines(store, experimentId)];
  assert.equal(lines[0], CSV_HEADER);
  assert.equal(CSV_HEADER, 'experiment,arm,seed,run,step,metric,value');
  assert.deepEqual(lines.slice(1), [`${experimentId},b quoted,1,${runIds[3]},5,charts/episodic_return,12.5`]);
  store.close();
});

test('ids resolve by prefix and experiments by name', () => {
  const { store, experimentId, runIds } = fresh();
  assert.deepEqual(store.resolveId(runIds[0]), { kind: 'run', id: runIds[0] });
  assert.deepEqual(store.resolveId(experimentId.slice(0, 6)), { kind: 'experiment', id: experimentId });
  assert.deepEqual(store.resolveId('store-test'), { kind: 'experiment', id: experimentId });
  assert.throws(() => store.resolveId('nothing-like-this'), /no experiment or run/);
  store.close();
});

test('reopening marks runs of a dead process interrupted; live ones are left alone', () => {
  const { dir, store, experimentId, runIds } = fresh();
  store.markRunning(runIds[0]);
  // The holder's pid (in its lease identity, next to host, boot and pid namespace) is gone.
  const [place] = store.owner.split(':');
  store.db.prepare('UPDATE runs SET owner_pid=?, lease_owner=? WHERE id=?').run(2 ** 22 + 12345, `${place}:${2 ** 22 + 12345}:dead`, runIds[0]);
  store.close();
  const again = RunStore.open(dir);
  assert.equal(again.getRunSummary(runIds[0]).status, 'interrupted');
  assert.equal(again.getRunSummary(runIds[1]).status, 'queued', 'owned by this live process');
  assert.equal(again.getExperimentSummary(experimentId).status, 'running');
  again.close();
});
