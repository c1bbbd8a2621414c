// Closing the host (quitting the app, stopping `serve`) while a run is in flight: every metric the run
// logged before the close is stored, though the run still held some in its send buffer, and the run is
// left interrupted (resumable), not cancelled. For both local executors. The fake trainer writes how many
// points it logged to its run folder before it waits to be stopped; waits are on conditions only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPool, ProcessPool, type Executor } from '@creditlab/runner';
import { Host } from './host';

const trainerModule = new URL('../../workspaces/runner/test/fixtures/trainer.ts', import.meta.url).href;
const spec = { version: 1, name: 'shutdown', seeds: [0], budget: { steps: 1e9 }, base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } }, arms: [{ name: 'report' }] };

async function until(cond: () => boolean, what: string, limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cases: { name: string; executor: () => Executor }[] = [
  { name: 'runs as threads of the host process (the Electron app)', executor: () => new LocalPool({ workers: 1, trainerModule }) },
  { name: 'each run in a process of its own (CLI, serve)', executor: () => new ProcessPool({ workers: 1, trainerModule }) },
];

for (const c of cases) {
  test(`host shutdown, ${c.name}: every metric the run logged is stored and the run is resumable`, { timeout: 300_000 }, async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'creditlab-shutdown-'));
    let host: Host | null = new Host({ workspace, workers: 1, executor: c.executor() });
    try {
      const { experimentId, runIds } = host.launch(spec);
      const reportedFile = join(host.store.runDir(runIds[0]), 'reported');
      await until(() => existsSync(reportedFile), 'the run to report what it logged');
      const reported = Number(readFileSync(reportedFile, 'utf8'));
      await host.close();
      host = new Host({ workspace, workers: 1, executor: c.executor() });
      const [returns] = host.store.series(experimentId, 'charts/episodic_return');
      assert.deepEqual(returns.steps, Array.from({ length: reported }, (_, i) => i + 1), `stored ${returns.steps.length} of the ${reported} points the run logged`);
      const run = await host.getRun(runIds[0]);
      assert.equal(run.status, 'interrupted', `${run.status}: ${run.error}`);
      assert.match(run.error ?? '', /host shut down/);
      const resumed = await host.resume(runIds[0]);
      assert.deepEqual(resumed.restarted.map((r) => r.run), [runIds[0]], 'resume takes the run back');
      await host.cancelRun(runIds[0]);
    } finally {
      await host?.close();
    }
  });
}
