import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedRun } from '@creditlab/spec';
import { LocalPool, type WorkerEvent } from '../src/index';

const trainerModule = new URL('./fixtures/trainer.ts', import.meta.url).href;

function run(arm: string, steps = 20, index = 0): ResolvedRun {
  return {
    schema: 'creditlab.run/1',
    experiment: 't',
    arm,
    seed: 0,
    index,
    budget: { steps },
    config: { kind: 'rl', env: { id: 'CartPole-v1', params: {} }, algo: { name: 'ppo' } } as never,
    hash: arm,
  };
}

async function execute(pool: LocalPool, runs: ResolvedRun[], onEvent?: (id: string, e: WorkerEvent) => void) {
  const events = new Map<string, WorkerEvent[]>();
  pool.submit(
    runs.map((r, i) => ({ runId: `${r.arm}-${i}`, run: r, runDir: '' })),
    (id, e) => {
      (events.get(id) ?? events.set(id, []).get(id)!).push(e);
      onEvent?.(id, e);
    },
  );
  await pool.idle();
  return events;
}

const last = (evs: WorkerEvent[] | undefined) => evs?.[evs.length - 1];

test('a throwing, an aborting and an out-of-memory worker fail only their own runs', async () => {
  const pool = new LocalPool({ workers: 2, trainerModule, maxHeapMb: 64 });
  const ev = await execute(pool, [run('ok'), run('throw'), run('crash'), run('oom'), run('ok', 20, 4)]);
  assert.deepEqual(last(ev.get('ok-0')), { type: 'done', cancelled: false });
  assert.deepEqual(last(ev.get('ok-4')), { type: 'done', cancelled: false });
  const thrown = last(ev.get('throw-1'));
  assert.equal(thrown?.type, 'failed');
  assert.match((thrown as { message: string }).message, /boom at step 5/);
  const crashed = last(ev.get('crash-2'));
  assert.equal(crashed?.type, 'failed');
  const oom = last(ev.get('oom-3'));
  assert.equal(oom?.type, 'failed');
  assert.match((oom as { message: string }).message, /out of memory|heap/i);
  // Metrics logged before a failure still arrive.
  const pts = ev.get('throw-1')!.flatMap((e) => (e.type === 'metrics' ? e.points : []));
  assert.ok(pts.some((p) => p.step === 5 && p.metric === 'charts/episodic_return'));
});

test('metrics arrive in batches, not one message per step', async () => {
  const pool = new LocalPool({ workers: 1, trainerModule });
  const ev = await execute(pool, [run('ok', 5000)]);
  const batches = ev.get('ok-0')!.filter((e) => e.type === 'metrics');
  const points = batches.reduce((n, e) => n + (e.type === 'metrics' ? e.points.length : 0), 0);
  assert.equal(points, 10000);
  assert.ok(batches.length <= 10, `${batches.length} metric messages for 5000 steps`);
});

test('cancelling a running run stops it at its next check; a queued run never starts', async () => {
  const pool = new LocalPool({ workers: 1, trainerModule });
  let cancelled = false;
  const ev = await execute(pool, [run('slow', 100000), run('slow2', 100000)], (id, e) => {
    if (!cancelled && id === 'slow-0' && e.type === 'progress') {
      cancelled = true;
      pool.cancel('slow2-1');
      pool.cancel('slow-0');
    }
  });
  assert.deepEqual(last(ev.get('slow-0')), { type: 'done', cancelled: true });
  assert.deepEqual(ev.get('slow2-1'), [{ type: 'done', cancelled: true }]);
});

test('a run stuck in a loop is terminated after the cancel grace period', async () => {
  const pool = new LocalPool({ workers: 1, trainerModule, cancelGraceMs: 300 });
  let asked = false;
  const ev = await execute(pool, [run('hang', 100)], (id, e) => {
    if (!asked && e.type === 'started') {
      asked = true;
      setTimeout(() => pool.cancel(id), 300);
    }
  });
  assert.deepEqual(last(ev.get('hang-0')), { type: 'done', cancelled: true });
});

test('budget.timeLimitSeconds fails a run that runs too long', async () => {
  const pool = new LocalPool({ workers: 1, trainerModule });
  const r = run('hang', 100);
  r.budget.timeLimitSeconds = 1;
  const ev = await execute(pool, [r]);
  const end = last(ev.get('hang-0'));
  assert.equal(end?.type, 'failed');
  assert.match((end as { message: string }).message, /time limit/);
});
