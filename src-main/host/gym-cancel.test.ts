// A run whose Gymnasium env hangs inside `step`: its trainer's thread is blocked in a read (FIFO) or an
// Atomics.wait (relay) that only the env's reply ends. Cancelling it, or shutting the host down, must kill
// the Python process at once through the run's cancel word (not wait for the step time limit, set far
// beyond these tests' waits) and end the run as cancelled (interrupted, for a shutdown); both keep every
// episode that ended before the hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePython } from '@creditlab/gym';
import { LocalPool } from '@creditlab/runner';
import { Host } from './host';

const PY = resolvePython().python;
const noGym = spawnSync(PY, ['-c', 'import gymnasium'], { stdio: 'ignore' }).status === 0 ? false : `skipped: ${PY} cannot import gymnasium (set CREDITLAB_PYTHON, or run creditlab env setup-python)`;
const skip = noGym || (process.platform !== 'linux' && 'skipped: reads /proc');
const GYM_TEST_DIR = fileURLToPath(new URL('../../workspaces/gym/test/', import.meta.url));
/** Far past any wait below: if the cancel does not reach Python, the run fails at this limit instead. */
const STEP_TIMEOUT_S = 900;

/** Bridge processes whose environment carries `token` (only this test's own do). */
function withToken(token: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (!readFileSync(`/proc/${d}/cmdline`, 'latin1').includes('creditlab_bridge.py')) continue;
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(token)) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

async function until(cond: () => boolean, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

/** A PPO run on CartPole whose 300th env step never returns; resolves once Python is inside that step. */
async function launchHanging(host: Host, dir: string) {
  const hangFile = join(dir, 'hang.json');
  const { runIds, done } = host.launch({
    version: 1,
    name: 'gym-cancel',
    seeds: [0],
    budget: { steps: 100_000 },
    base: {
      kind: 'rl',
      env: { id: 'gymnasium:CartPole-v1', python: PY, wrappers: [{ name: 'hang_wrapper.HangAt', kwargs: { at: 300, file: hangFile } }], stepTimeoutSeconds: STEP_TIMEOUT_S },
      algo: { name: 'ppo', numEnvs: 1, numSteps: 64 },
    },
    arms: [{ name: 'a' }],
  });
  assert.ok(await until(() => existsSync(hangFile), 180_000), 'the env reached its hanging step');
  const hung = JSON.parse(readFileSync(hangFile, 'utf8')) as { pid: number; episodes: number };
  assert.ok(hung.episodes > 0, 'episodes ended before the hang');
  return { runId: runIds[0], done, hung };
}

const cases = [
  { name: 'cancel, each run in a process of its own (CLI, serve)', executor: () => undefined, stop: 'cancel' },
  { name: 'cancel, runs as threads of the host process (the Electron app)', executor: () => new LocalPool({ workers: 1 }), stop: 'cancel' },
  { name: 'host shutdown, runs as threads of the host process (quitting the Electron app)', executor: () => new LocalPool({ workers: 1 }), stop: 'close' },
  { name: 'host shutdown, each run in a process of its own (stopping serve)', executor: () => undefined, stop: 'close' },
] as const;

for (const c of cases) {
  test(`a Gymnasium env hung in step: ${c.name} kills its Python at once; every episode before the hang is stored`, { skip, timeout: 600_000 }, async () => {
    const token = `CREDITLAB_GYM_CANCEL_TEST=${process.pid}-${Date.now()}`;
    const [key, value] = token.split('=');
    process.env[key] = value;
    process.env.PYTHONPATH = [GYM_TEST_DIR, process.env.PYTHONPATH].filter(Boolean).join(':');
    const dir = mkdtempSync(join(tmpdir(), 'creditlab-gymcancel-'));
    const workspace = join(dir, 'ws');
    let host: Host | null = new Host({ workspace, workers: 1, executor: c.executor() });
    try {
      const { runId, done, hung } = await launchHanging(host, dir);
      assert.ok(withToken(token).includes(hung.pid), 'the hung Python carries the test token');
      if (c.stop === 'cancel') {
        await host.cancelRun(runId);
        await done;
      } else {
        await host.close();
        host = null;
      }
      assert.ok(await until(() => withToken(token).length === 0, 120_000), `left behind: ${withToken(token).join(', ')}`);
      host ??= new Host({ workspace, workers: 1 });
      const run = await host.getRun(runId);
      // A shutdown leaves the run resumable; either way the run sent what it had buffered before it ended.
      assert.equal(run.status, c.stop === 'cancel' ? 'cancelled' : 'interrupted', `${run.status}: ${run.error}`);
      const [returns] = host.store.series(run.experimentId, 'charts/episodic_return');
      assert.equal(returns.steps.length, hung.episodes, 'every episode that ended before the hang is stored');
    } finally {
      await host?.close();
      delete process.env[key];
    }
  });
}
