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

const threadOf = (evs: WorkerEvent[] | undefined) => (evs?.find((e) => e.type === 'started') as { thread?: number } | undefined)?.thread;

test('a worker is reused after a run that finished, never after one that failed, was terminated or left work behind', async () => {
  const pool = new LocalPool({ workers: 1, trainerModule, cancelGraceMs: 300 });
  await pool.prewarm();
  assert.equal(pool.threads, 1);
  const ev = await execute(pool, [run('ok'), run('ok', 20, 1), run('throw', 20, 2), run('ok', 20, 3), run('leak', 20, 4), run('ok', 20, 5)]);
  const t = [0, 1, 2, 3, 4, 5].map((i) => threadOf(ev.get(`${['ok', 'ok', 'throw', 'ok', 'leak', 'ok'][i]}-${i}`)));
  assert.ok(t.every((x) => typeof x === 'number'), `thread ids ${t}`);
  assert.equal(t[1], t[0], 'the second run reuses the warm worker');
  assert.equal(t[2], t[1], 'the failing run also starts on it');
  assert.notEqual(t[3], t[2], 'after a failed run the worker is replaced');
  assert.equal(t[4], t[3]);
  assert.notEqual(t[5], t[4], 'a run that left a timer running does not leave its worker to the next run');
  assert.deepEqual(last(ev.get('leak-4')), { type: 'done', cancelled: false });
  assert.ok(ev.get('leak-4')!.some((e) => e.type === 'log' && /not reused: the run left 1 Timeout active/.test(e.line)));

  // Terminated (cancel grace) and timed-out runs lose their worker too.
  const stuck = run('stuck', 100, 6);
  const limited = run('stuck', 100, 8);
  limited.budget.timeLimitSeconds = 1;
  let asked = false;
  const ev2 = await execute(pool, [stuck, run('ok', 20, 7), limited, run('ok', 20, 9)], (id, e) => {
    if (!asked && id === 'stuck-0' && e.type === 'started') {
      asked = true;
      pool.cancel(id);
    }
  });
  assert.deepEqual(last(ev2.get('stuck-0')), { type: 'done', cancelled: true });
  assert.notEqual(threadOf(ev2.get('ok-1')), threadOf(ev2.get('stuck-0')));
  assert.match((last(ev2.get('stuck-2')) as { message?: string }).message ?? '', /time limit/);
  assert.notEqual(threadOf(ev2.get('ok-3')), threadOf(ev2.get('stuck-2')));
  await pool.shutdown();
  assert.equal(pool.threads, 0);
});

test('reuseWorkers: false gives every run a fresh worker', async () => {
  const pool = new LocalPool({ workers: 1, trainerModule, reuseWorkers: false });
  const ev = await execute(pool, [run('ok'), run('ok', 20, 1)]);
  assert.notEqual(threadOf(ev.get('ok-0')), threadOf(ev.get('ok-1')));
});
