// A pool worker that is reused must not carry anything of one run into the next: the same runs give the
// same metrics whether each gets a fresh worker or they follow each other in one warm worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExperiment, type ResolvedRun } from '@creditlab/spec';
import { LocalPool, type WorkerEvent } from '../src/index';

const reward = 'export default (ctx: RewardContext) => ctx.envReward - 0.1 * Math.abs(ctx.nextObs[2]);';

function runs(): ResolvedRun[] {
  return resolveExperiment({
    version: 1,
    name: 'reuse',
    seeds: [1, 0],
    budget: { steps: 1024 },
    base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 64, numMinibatches: 2, updateEpochs: 2 } },
    arms: [{ name: 'user-reward', reward: { code: reward } }, { name: 'env-reward' }],
  }).runs;
}

/** Every metric point of each run (wall-clock ones left out), and the worker thread each ran on. */
async function execute(pool: LocalPool, rs: ResolvedRun[]) {
  const points = new Map<string, string[]>();
  const threads = new Map<string, number | undefined>();
  const ends = new Map<string, WorkerEvent>();
  const unfit: string[] = [];
  const id = (r: ResolvedRun) => `${r.arm}/${r.seed}`;
  pool.submit(
    rs.map((run) => ({ runId: id(run), run, runDir: '' })),
    (runId, e) => {
      if (e.type === 'metrics') for (const p of e.points) if (p.metric !== 'charts/SPS' && !p.metric.startsWith('perf/')) (points.get(runId) ?? points.set(runId, []).get(runId)!).push(`${p.metric}@${p.step}=${p.value}`);
      if (e.type === 'started') threads.set(runId, e.thread);
      if (e.type === 'log' && /not reused/.test(e.line)) unfit.push(`${runId}: ${e.line}`);
      if (e.type === 'done' || e.type === 'failed') ends.set(runId, e);
    },
  );
  await pool.idle();
  for (const [runId, e] of ends) assert.deepEqual(e, { type: 'done', cancelled: false }, runId);
  return { points, threads, unfit };
}

test('runs that follow each other in one reused worker give the same metrics as each in a fresh worker', async () => {
  const rs = runs();
  assert.equal(rs.length, 4);
  const warm = new LocalPool({ workers: 1 });
  const reused = await execute(warm, rs);
  await warm.shutdown();
  assert.equal(new Set(reused.threads.values()).size, 1, `all four runs in one worker: ${[...reused.threads.values()]}`);
  const fresh = await execute(new LocalPool({ workers: 2, reuseWorkers: false }), rs);
  assert.equal(new Set(fresh.threads.values()).size, 4, 'each run in a worker of its own');
  for (const r of rs) {
    const key = `${r.arm}/${r.seed}`;
    const a = reused.points.get(key) ?? [];
    assert.ok(a.some((p) => p.startsWith('charts/episodic_return@')), `${key} logged returns`);
    assert.deepEqual(a, fresh.points.get(key), `${key}: reused worker vs fresh worker`);
  }
  // The seeds really differ, so equal results above are not two copies of one run.
  assert.notDeepEqual(reused.points.get('env-reward/0'), reused.points.get('env-reward/1'));
});

// RLHF runs keep more per-thread state than RL ones (the SFT model cache, tfjs variables, the fused GRU's
// buffers): a warm worker that ran an RL run and another RLHF run must still give an RLHF run exactly the
// metrics a fresh worker gives it.
function mixedRuns(): ResolvedRun[] {
  const rlhf = resolveExperiment({
    version: 1,
    name: 'reuse-rlhf',
    seeds: [0, 1],
    budget: { steps: 2 },
    base: {
      kind: 'rlhf',
      task: { type: 'repeated-addition' },
      sft: { iterations: 20, batchSize: 16, lr: 0.005, restateRate: 0.3, wrongRate: 0.1 },
      rewardModel: { type: 'oracle' },
      algo: { type: 'rloo', promptsPerBatch: 4, samplesPerPrompt: 2 },
      reward: { type: 'clip-delta', placement: 'own-step' },
      evaluation: { every: 1, samples: 2, problems: 8 },
    },
    arms: [{ name: 'rlhf' }],
  }).runs;
  const [rl] = runs();
  return [rlhf[0], rl, rlhf[1]];
}

test('RLHF runs after an RL run and another RLHF run in one warm worker match fresh workers', async () => {
  const rs = mixedRuns();
  const warm = new LocalPool({ workers: 1 });
  const reused = await execute(warm, rs);
  await warm.shutdown();
  assert.deepEqual(reused.unfit, [], 'no run leaves the worker unfit for the next (e.g. tensors left allocated)');
  assert.equal(new Set(reused.threads.values()).size, 1, 'all three runs in one worker');
  const fresh = await execute(new LocalPool({ workers: 1, reuseWorkers: false }), rs);
  assert.equal(new Set(fresh.threads.values()).size, 3, 'each run in a worker of its own');
  for (const r of rs) {
    const key = `${r.arm}/${r.seed}`;
    const a = reused.points.get(key) ?? [];
    assert.ok(a.length > 5, `${key} logged metrics`);
    assert.deepEqual(a, fresh.points.get(key), `${key}: reused worker vs fresh worker`);
  }
  assert.notDeepEqual(reused.points.get('rlhf/0'), reused.points.get('rlhf/1'));
});
