// Cancelling a run whose Gymnasium env hangs inside `step`: the trainer's thread is blocked in a read
// JavaScript cannot interrupt, so the run ends (cancelled, or failed at the step time limit, whichever
// comes first) and its Python process is gone, once the step time limit has killed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePython } from '@creditlab/gym';
import { Host } from './host';

const PY = resolvePython().python;
const noGym = spawnSync(PY, ['-c', 'import gymnasium'], { stdio: 'ignore' }).status === 0 ? false : `skipped: ${PY} cannot import gymnasium (set CREDITLAB_PYTHON, or run creditlab env setup-python)`;
const GYM_TEST_DIR = fileURLToPath(new URL('../../workspaces/gym/test/', import.meta.url));

/** Processes of this user whose environment carries `token` (only this test's own children do). */
function withToken(token: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(token)) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out.filter((p) => p !== process.pid);
}

async function until(cond: () => boolean, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

test('cancelling a run whose Gymnasium env hangs leaves no Python process', { skip: noGym || (process.platform !== 'linux' && 'skipped: reads /proc') }, async () => {
  const token = `CREDITLAB_GYM_CANCEL_TEST=${process.pid}-${Date.now()}`;
  const [key, value] = token.split('=');
  process.env[key] = value;
  process.env.PYTHONPATH = [GYM_TEST_DIR, process.env.PYTHONPATH].filter(Boolean).join(':');
  const host = new Host({ workspace: mkdtempSync(join(tmpdir(), 'creditlab-gymcancel-')), workers: 1 });
  try {
    const { runIds, done } = host.launch({
      version: 1,
      name: 'gym-cancel',
      seeds: [0],
      budget: { steps: 100_000 },
      base: {
        kind: 'rl',
        env: { id: 'gymnasium:CartPole-v1', python: PY, wrappers: [{ name: 'hang_wrapper.HangAt', kwargs: { at: 20 } }], stepTimeoutSeconds: 3 },
        algo: { name: 'ppo', numEnvs: 1, numSteps: 64 },
      },
      arms: [{ name: 'a' }],
    });
    assert.ok(await until(() => withToken(token).length > 0, 120_000), 'the bridge started');
    await host.cancelRun(runIds[0]);
    await done;
    const run = await host.getRun(runIds[0]);
    assert.ok(run.status === 'cancelled' || (run.status === 'failed' && /step took longer than 3 s/.test(run.error ?? '')), `${run.status}: ${run.error}`);
    assert.ok(await until(() => withToken(token).length === 0, 60_000), `left behind: ${withToken(token).join(', ')}`);
  } finally {
    await host.close();
    delete process.env[key];
  }
});
