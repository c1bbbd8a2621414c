// The host's side of leases: it marks interrupted the runs whose holder went silent (whatever pid and
// host name the row shows), cancel works on them, and a cancel asked by another process reaches the
// process that holds the run. Clocks are injected and waits are on conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPool } from '@creditlab/runner';
import { RunStore } from '@creditlab/store';
import { resolveExperiment } from '@creditlab/spec';
import { Host } from './host';

const LEASE = 30_000;
const spec = { version: 1, name: 'lease-host', seeds: [0], budget: { steps: 1e9 }, base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } }, arms: [{ name: 'slow' }] };
const trainerModule = new URL('../../workspaces/runner/test/fixtures/trainer.ts', import.meta.url).href;

async function until(cond: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a run left running by a silent holder on another host is interrupted at lease expiry, and cancel then works', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'creditlab-lease-host-'));
  const c = { t: 1_800_000_000_000 };
  const seed = RunStore.open(ws, { clock: () => c.t, leaseMs: LEASE });
  const { spec: s, runs } = resolveExperiment(spec);
  const { experimentId, runIds } = seed.createExperiment(s, runs);
  seed.markRunning(runIds[0], { backend: 'none' });
  seed.db.prepare(`UPDATE runs SET owner_host='node17', owner_pid=?, lease_owner=? WHERE id=?`).run(process.pid, `node17/beef/1:${process.pid}:x`, runIds[0]);
  seed.close();

  const host = new Host({ workspace: ws, workers: 1, clock: () => c.t, leaseMs: LEASE, heartbeatMs: 3_600_000 });
  const seen: string[] = [];
  host.subscribe((e) => e.type === 'run' && seen.push(e.run.status));
  try {
    // Holder alive: cancel is a request to it, and the run stays as it is.
    await host.cancelRun(runIds[0]);
    assert.equal((await host.getRun(runIds[0])).status, 'running');
    c.t += LEASE + 1;
    host.heartbeat();
    const run = await host.getRun(runIds[0]);
    assert.equal(run.status, 'interrupted');
    assert.match(run.error ?? '', /lease expired/);
    await until(() => seen.includes('interrupted'), 'the interrupted event');
    await host.cancelExperiment(experimentId);
    assert.equal((await host.getRun(runIds[0])).status, 'cancelled');
    assert.equal((await host.getExperiment(experimentId)).status, 'cancelled');
  } finally {
    await host.close();
  }
});

test('a cancel asked by another process reaches the host that holds the run', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'creditlab-lease-host-'));
  const holder = new Host({ workspace: ws, workers: 1, heartbeatMs: 20, executor: new LocalPool({ workers: 1, trainerModule }) });
  const asker = new Host({ workspace: ws, workers: 1, heartbeatMs: 3_600_000 });
  try {
    const { done, runIds } = holder.launch(spec);
    await until(() => holder.store.getRunSummary(runIds[0]).progress > 10, 'the run to make progress');
    await asker.cancelRun(runIds[0]);
    await done;
    assert.equal(asker.store.getRunSummary(runIds[0]).status, 'cancelled');
  } finally {
    await holder.close();
    await asker.close();
  }
});
