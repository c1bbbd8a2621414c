// A damaged or emptied index is never taken for an empty workspace: opening says where the index is and
// how to rebuild it, and repairWorkspace rebuilds it from the run folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExperiment } from '@creditlab/spec';
import { RunStore, repairWorkspace, WorkspaceIndexError } from '../src/index';

const spec = {
  version: 1,
  name: 'repair-test',
  description: 'two arms',
  seeds: [0, 1],
  budget: { steps: 100 },
  base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' }, reward: { code: 'export default (c) => c.envReward' } },
  arms: [{ name: 'a' }, { name: 'b' }],
};

function populated() {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-repair-'));
  const store = RunStore.open(dir);
  const { spec: s, runs } = resolveExperiment(spec);
  const { experimentId, runIds } = store.createExperiment(s, runs);
  store.markRunning(runIds[0]);
  store.appendLog(runIds[0], 'started on backend cpu (pid 1)');
  store.appendMetrics(runIds[0], [{ step: 10, metric: 'charts/episodic_return', value: 5 }]);
  store.finishRun(runIds[0], 'finished');
  store.appendLog(runIds[0], 'finished');
  store.finishRun(runIds[1], 'failed', { message: 'boom' });
  store.appendLog(runIds[1], 'failed: boom');
  // A run executed by a Slurm task keeps its events in its folder, metrics included.
  appendFileSync(join(store.runDir(runIds[2]), 'events.jsonl'), JSON.stringify({ type: 'metrics', points: [{ step: 4, metric: 'charts/episodic_return', value: 2.5 }, { step: 8, metric: 'charts/episodic_return', value: 3 }] }) + '\n');
  store.close();
  return { dir, experimentId, runIds };
}

const removeIndex = (dir: string) => {
  for (const f of readdirSync(dir)) if (f.startsWith('index.sqlite')) rmSync(join(dir, f));
};

test('a corrupt index names its path and the repair command', () => {
  const { dir } = populated();
  for (const f of readdirSync(dir)) if (/^index\.sqlite-(wal|shm)$/.test(f)) rmSync(join(dir, f));
  const fd = openSync(join(dir, 'index.sqlite'), 'r+');
  writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
  closeSync(fd);
  assert.throws(
    () => RunStore.open(dir),
    (e: Error) => e instanceof WorkspaceIndexError && e.message.includes(join(dir, 'index.sqlite')) && /creditlab doctor --repair/.test(e.message),
  );
});

test('an empty or missing index is not taken for an empty workspace while runs/ holds runs', () => {
  const { dir } = populated();
  removeIndex(dir);
  closeSync(openSync(join(dir, 'index.sqlite'), 'w'));
  assert.throws(() => RunStore.open(dir), (e: Error) => e instanceof WorkspaceIndexError && /empty/.test(e.message) && /4 run folder/.test(e.message) && /doctor --repair/.test(e.message));
  removeIndex(dir);
  assert.throws(() => RunStore.open(dir), (e: Error) => e instanceof WorkspaceIndexError && /missing/.test(e.message));
  // A new workspace, or one whose runs/ is empty, opens as before.
  const fresh = mkdtempSync(join(tmpdir(), 'creditlab-repair-'));
  closeSync(openSync(join(fresh, 'index.sqlite'), 'w'));
  RunStore.open(fresh).close();
});

test('doctor --repair rebuilds experiments, runs, statuses and recorded metrics from runs/', () => {
  const { dir, experimentId, runIds } = populated();
  const fd = openSync(join(dir, 'index.sqlite'), 'r+');
  writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
  closeSync(fd);
  const report = repairWorkspace(dir);
  assert.equal(report.experiments, 1);
  assert.equal(report.runs, 4);
  assert.ok(report.kept && existsSync(report.kept), 'the damaged index is kept beside the new one');
  const store = RunStore.open(dir);
  try {
    const [exp] = store.listExperiments();
    assert.equal(exp.id, experimentId);
    assert.equal(exp.name, 'repair-test');
    const runs = store.listRuns(experimentId);
    assert.deepEqual(runs.map((r) => r.id), runIds);
    assert.deepEqual(runs.map((r) => r.status), ['finished', 'failed', 'interrupted', 'interrupted']);
    assert.equal(store.getResolved(runIds[1]).arm, 'a');
    assert.equal(store.getSpec(experimentId).description, 'two arms');
    const series = store.series(experimentId, 'charts/episodic_return');
    const slurmRun = series.find((s) => s.run === runIds[2]);
    assert.deepEqual(slurmRun?.values, [2.5, 3]);
  } finally {
    store.close();
  }
  // Repairing a healthy index changes nothing but still rebuilds consistently.
  truncateSync(join(dir, 'index.sqlite'), 0);
  assert.equal(repairWorkspace(dir).runs, 4);
});
