// Leases: a run in flight is alive while its holder renews its lease, and `interrupted` once the lease
// expires, whatever its pid and hostname say (pid reuse, containers, a reboot, a shared filesystem).
// Time is an injected clock: no test here waits on the wall clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExperiment } from '@creditlab/spec';
import { RunStore } from '../src/index';

const spec = { version: 1, name: 'lease', seeds: [0], budget: { steps: 100 }, base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } } };
const LEASE = 30_000;
const T0 = 1_800_000_000_000;

function clock(t: number) {
  const c = { t, now: () => c.t };
  return c;
}

/** A workspace with one run left `running` by a process on another host whose pid is alive here. */
function foreignRunning() {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-lease-'));
  const c = clock(T0);
  const store = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  const { spec: s, runs } = resolveExperiment(spec);
  const { experimentId, runIds } = store.createExperiment(s, runs);
  store.markRunning(runIds[0], { backend: 'none' });
  // What a holder on another machine leaves behind: its host name, a pid that is alive here (ours).
  store.db.prepare(`UPDATE runs SET owner_host='elsewhere', owner_pid=?, lease_owner=? WHERE id=?`).run(process.pid, `elsewhere/abcd/1:${process.pid}:x`, runIds[0]);
  store.close();
  return { dir, c, experimentId, runId: runIds[0] };
}

test('a run whose holder on another host renews nothing becomes interrupted once its lease expires, not before', () => {
  const { dir, c, experimentId, runId } = foreignRunning();
  c.t = T0 + LEASE - 1;
  let store = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  assert.equal(store.getRunSummary(runId).status, 'running', 'a live lease is respected');
  store.close();
  c.t = T0 + LEASE + 1;
  store = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  const run = store.getRunSummary(runId);
  assert.equal(run.status, 'interrupted');
  assert.match(run.error ?? '', /lease expired/);
  assert.equal(store.getExperimentSummary(experimentId).status, 'interrupted');
  store.close();
});

test('a live-looking pid on this very host does not keep a run whose lease expired (pid reuse)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-lease-'));
  const c = clock(T0);
  const store = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  const { spec: s, runs } = resolveExperiment(spec);
  const { runIds } = store.createExperiment(s, runs);
  store.markRunning(runIds[0], { backend: 'none' });
  // The holder was this process (pid alive, same host, same boot): only its lease says it stopped.
  c.t = T0 + LEASE + 1;
  assert.deepEqual(store.recoverOrphans(), runIds);
  assert.equal(store.getRunSummary(runIds[0]).status, 'interrupted');
  store.close();
});

test('renewals keep a run alive; a holder that lost its lease is told so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-lease-'));
  const c = clock(T0);
  const holder = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  const { spec: s, runs } = resolveExperiment(spec);
  const { runIds } = holder.createExperiment(s, runs);
  holder.markRunning(runIds[0], { backend: 'none' });
  const other = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  for (let k = 1; k <= 10; k++) {
    c.t = T0 + k * (LEASE / 3);
    assert.deepEqual(holder.renewLeases(runIds), { lost: [], cancelRequested: [] });
    assert.deepEqual(other.recoverOrphans(), [], `renewed at tick ${k}`);
  }
  // The holder stalls past its lease (a suspended laptop); the other process declares the run interrupted.
  c.t += LEASE + 1;
  assert.deepEqual(other.recoverOrphans(), runIds);
  assert.deepEqual(holder.renewLeases(runIds).lost, runIds, 'the late holder learns it must stop');
  assert.equal(holder.getRunSummary(runIds[0]).status, 'interrupted', 'a late renewal does not revive it');
  holder.markRunning(runIds[0], { backend: 'none' });
  assert.equal(holder.getRunSummary(runIds[0]).status, 'interrupted', 'nor does a late start event');
  holder.close();
  other.close();
});

test('cancel: asks a live holder through the index, and marks a run nobody holds cancelled', () => {
  const { dir, c, experimentId, runId } = foreignRunning();
  const store = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  assert.equal(store.requestCancel(runId), 'requested');
  assert.equal(store.db.prepare('SELECT cancel_requested FROM runs WHERE id=?').pluck().get(runId), 1);
  assert.equal(store.getRunSummary(runId).status, 'running');
  // The holder never answers: once its lease expires, cancel really ends the run.
  c.t = T0 + LEASE + 1;
  assert.equal(store.requestCancel(runId), 'cancelled');
  assert.equal(store.getRunSummary(runId).status, 'cancelled');
  assert.equal(store.getExperimentSummary(experimentId).status, 'cancelled');
  assert.equal(store.requestCancel(runId), 'ended');
  store.close();
});

test('the holder sees a cancel asked by another process at its next renewal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-lease-'));
  const c = clock(T0);
  const holder = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  const { spec: s, runs } = resolveExperiment(spec);
  const { runIds } = holder.createExperiment(s, runs);
  holder.markRunning(runIds[0], { backend: 'none' });
  assert.equal(holder.requestCancel(runIds[0]), 'held-here');
  const other = RunStore.open(dir, { clock: c.now, leaseMs: LEASE });
  assert.equal(other.requestCancel(runIds[0]), 'requested');
  assert.deepEqual(holder.renewLeases(runIds), { lost: [], cancelRequested: runIds });
  assert.deepEqual(holder.renewLeases(runIds), { lost: [], cancelRequested: [] }, 'asked once');
  holder.close();
  other.close();
});

test('a started Slurm task is alive while it writes its events file; a pending one waits for its executor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-lease-'));
  // The file's mtime comes from the real clock: start the injected one well before it.
  const c = clock(Date.now() - 10 * LEASE);
  const store = RunStore.open(dir, { clock: c.now, leaseMs: LEASE, remoteLeaseMs: 4 * LEASE });
  const { spec: s, runs } = resolveExperiment({ ...spec, seeds: [0, 1] });
  const { runIds } = store.createExperiment(s, runs, { executor: 'slurm' });
  store.markRunning(runIds[0], { backend: 'none' });
  const events = join(store.runDir(runIds[0]), 'events.jsonl');
  writeFileSync(events, '{"type":"heartbeat","t":0}\n');
  const { mtimeMs } = statSync(events);
  c.t = mtimeMs + 4 * LEASE - 1; // store lease long expired, the file was written within remoteLeaseMs
  assert.deepEqual(store.recoverOrphans(), []);
  c.t = mtimeMs + 4 * LEASE + 1;
  assert.deepEqual(store.recoverOrphans(), [runIds[0]], 'silent file: interrupted; the queued task is left alone');
  assert.equal(store.getRunSummary(runIds[1]).status, 'queued');
  store.close();
});
