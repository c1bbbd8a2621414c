// Resume at the trainer level: a run continued from any of its checkpoints logs exactly what the
// uninterrupted run logged after that step, and ends with the same weights. Covers each trainer's
// paths (PPO's fused JS kernels and its tf path, box actions with observation normalisation) with a
// reward pipeline that keeps state (potential shaping, running normalisation) and periodic evaluation.
// The checkpoint goes through JSON, as it does on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExperiment, type ResolvedRun, type RunContext } from '@creditlab/spec';
import { ALGORITHMS, initBackend } from '@creditlab/rl';
import { rlTrainOptions } from '../src/reward-glue';

interface Log {
  step: number;
  metrics: Record<string, number>;
}

function resolved(base: Record<string, unknown>, steps: number): ResolvedRun {
  const { runs } = resolveExperiment({ version: 1, name: 'resume', seeds: [3], budget: { steps }, base, arms: [{ name: 'a' }] });
  return runs[0];
}

/** One training run; a checkpoint is due every eighth of the budget, and each is kept as its JSON text. */
async function train(run: ResolvedRun, resumeFrom: { step: number; state: unknown } | null) {
  const logs: Log[] = [];
  const checkpoints: { step: number; json: string }[] = [];
  const finals: unknown[] = [];
  let lastSaved = resumeFrom?.step ?? 0;
  const ctx: RunContext = {
    run,
    runDir: null,
    backend: 'cpu',
    log: (step, metrics) => logs.push({ step, metrics: { ...metrics } }),
    progress: () => {},
    cancelled: () => false,
    info: () => {},
    sample: () => {},
    checkpoint: (_step, data) => finals.push(data),
    resumeFrom,
    checkpointDue: (step) => step - lastSaved >= run.budget.steps / 8,
    saveResumeState: (step, state) => {
      lastSaved = step;
      checkpoints.push({ step, json: JSON.stringify(state) });
    },
  };
  const opts = rlTrainOptions(run, ctx);
  try {
    await (ALGORITHMS as Record<string, (c: RunContext, o: unknown) => Promise<void>>)[(run.config as { algo: { name: string } }).algo.name](ctx, opts);
  } finally {
    opts.dispose();
  }
  return { logs, checkpoints, finals };
}

/** Wall-clock speed is the one metric that may differ. */
const comparable = (logs: Log[]) =>
  logs.map((l) => ({ step: l.step, metrics: Object.fromEntries(Object.entries(l.metrics).filter(([k]) => k !== 'charts/SPS')) })).filter((l) => Object.keys(l.metrics).length > 0);

async function assertResumesExactly(name: string, base: Record<string, unknown>, steps: number) {
  const run = resolved(base, steps);
  const full = await train(run, null);
  assert.ok(full.checkpoints.length >= 2, `${name}: ${full.checkpoints.length} checkpoints`);
  // A checkpoint from the middle and the first one.
  for (const k of [Math.floor(full.checkpoints.length / 2), 0]) {
    const c = full.checkpoints[k];
    const resumed = await train(run, { step: c.step, state: JSON.parse(c.json) });
    assert.ok(resumed.logs.every((l) => l.step > c.step), `${name}: a resumed run logged at or before its checkpoint's step ${c.step}`);
    const after = full.logs.filter((l) => l.step > c.step);
    assert.ok(after.length > 0);
    assert.deepEqual(comparable(resumed.logs), comparable(after), `${name}: logs after step ${c.step} differ`);
    // Variable names carry a per-process counter; the values, in order, are what must match.
    const weights = (fs: unknown[]) => fs.map((f) => Object.values((f as { weights: Record<string, unknown> }).weights));
    assert.deepEqual(weights(resumed.finals), weights(full.finals), `${name}: final weights differ`);
  }
}

const reward = {
  shaping: [{ type: 'potential', terms: [{ field: 'obs[0]', weight: -0.5 }] }],
  transforms: [{ type: 'normalize' }],
};

test('PPO on its fused kernels resumes exactly (reward pipeline state, evaluation schedule, Adam, RNGs, envs)', async () => {
  await initBackend('cpu');
  await assertResumesExactly(
    'ppo-fused',
    { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 64, updateEpochs: 2, numMinibatches: 2 }, reward, eval: { every: 256, episodes: 2 } },
    1024,
  );
});

test('PPO on the tf path resumes exactly (tf Adam moments and step count)', async () => {
  await initBackend('cpu');
  process.env.CREDITLAB_PPO_FUSED = '0';
  try {
    await assertResumesExactly('ppo-tf', { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 32, updateEpochs: 1, numMinibatches: 2 }, reward }, 256);
  } finally {
    delete process.env.CREDITLAB_PPO_FUSED;
  }
});

test('PPO with box actions and observation normalisation resumes exactly', async () => {
  await initBackend('cpu');
  await assertResumesExactly('ppo-box', { kind: 'rl', env: { id: 'Pendulum-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 32, updateEpochs: 1, numMinibatches: 2, normalizeObs: true } }, 256);
});

test('A2C resumes exactly (RMSprop state)', async () => {
  await initBackend('cpu');
  await assertResumesExactly('a2c', { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'a2c', numEnvs: 2, numSteps: 8 }, reward }, 512);
});

test('REINFORCE resumes exactly (whole-episode updates, Adam)', async () => {
  await initBackend('cpu');
  await assertResumesExactly('reinforce', { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'reinforce', numEnvs: 2 }, reward }, 1024);
});

test('DQN resumes exactly (replay buffer, target network, exploration schedule)', async () => {
  await initBackend('cpu');
  await assertResumesExactly(
    'dqn',
    { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'dqn', numEnvs: 2, learningStarts: 100, bufferSize: 500, batchSize: 16, targetNetworkFrequency: 50 }, reward, eval: { every: 300, episodes: 1 } },
    800,
  );
});
