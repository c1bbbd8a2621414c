// Resume of RLHF runs at the trainer level: a run continued from one of its checkpoints logs exactly what
// the uninterrupted run logged after that step (every metric but the wall-clock perf/* ones, and every
// generation sample), for each algorithm and both compute paths. The checkpoint goes through JSON, as it
// does on disk; the frozen models are rebuilt by the resumed run (from the SFT cache, or retrained).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RlhfRunConfigSchema } from '@creditlab/spec';
import { trainRlhf } from '../src/train';
import { fakeContext } from './helpers';

const ITERATIONS = 4;

const config = (over: Record<string, unknown>) =>
  RlhfRunConfigSchema.parse({
    kind: 'rlhf',
    model: { hidden: 16, embedding: 8 },
    sft: { iterations: 20, batchSize: 16 },
    rewardModel: { type: 'oracle', noise: 0.2, flip: 0.05 },
    algo: { promptsPerBatch: 4, samplesPerPrompt: 2 },
    reward: { type: 'clip-delta' },
    evaluation: { every: 1, problems: 8, samples: 2, creditSamples: 2 },
    ...over,
  });

async function train(cfg: unknown, resumeFrom: { step: number; state: unknown } | null) {
  const ctx = fakeContext(cfg, ITERATIONS, 5);
  Object.assign(ctx, { backend: 'cpu' });
  const checkpoints: { step: number; json: string }[] = [];
  let lastSaved = resumeFrom?.step ?? 0;
  Object.assign(ctx, {
    resumeFrom,
    checkpointDue: (step: number) => step - lastSaved >= 1,
    saveResumeState: (step: number, state: unknown) => {
      // Everything logged so far is at or before the checkpoint's step.
      assert.ok(ctx.logs.every((l) => l.step <= step) && ctx.samples.every((s) => s.step <= step), `logged past the checkpoint at ${step}`);
      lastSaved = step;
      checkpoints.push({ step, json: JSON.stringify(state) });
    },
  });
  await trainRlhf(ctx);
  return { ctx, checkpoints };
}

const comparable = (logs: { step: number; metrics: Record<string, number> }[]) =>
  logs.map((l) => ({ step: l.step, metrics: Object.fromEntries(Object.entries(l.metrics).filter(([k]) => !k.startsWith('perf/'))) }));

async function assertResumesExactly(name: string, over: Record<string, unknown>) {
  const cfg = config(over);
  const full = await train(cfg, null);
  // A checkpoint after every iteration but the last (the run's end is not a resume point).
  assert.deepEqual(full.checkpoints.map((c) => c.step), [1, 2, 3], name);
  for (const c of [full.checkpoints[0], full.checkpoints[2]]) {
    const resumed = await train(cfg, { step: c.step, state: JSON.parse(c.json) });
    assert.ok(resumed.ctx.logs.every((l) => l.step > c.step), `${name}: a resumed run logged at or before its checkpoint's step ${c.step}`);
    assert.ok(resumed.ctx.logs.some((l) => l.step === ITERATIONS && 'eval/accuracy' in l.metrics), `${name}: the resumed run reached its final evaluation`);
    assert.deepEqual(comparable(resumed.ctx.logs), comparable(full.ctx.logs.filter((l) => l.step > c.step)), `${name}: metrics after step ${c.step} differ`);
    assert.deepEqual(resumed.ctx.samples, full.ctx.samples.filter((s) => s.step > c.step), `${name}: samples after step ${c.step} differ`);
    // Its own checkpoints continue the same run (tfjs names variables with a per-process counter).
    const unnamed = (ks: { step: number; json: string }[]) => ks.map((k) => ({ step: k.step, json: k.json.replace(/"name":"[^"]*"/g, '"name":""') }));
    const same = unnamed(resumed.checkpoints).every((k, i) => k.json === unnamed(full.checkpoints.filter((x) => x.step > c.step))[i]?.json);
    assert.ok(same && resumed.checkpoints.length === full.checkpoints.filter((x) => x.step > c.step).length, `${name}: checkpoints after step ${c.step} differ`);
  }
  return full;
}

// Each test its own cache folder: the first run trains SFT (and T-REG's conditioned model) and caches it,
// the resumed runs load it from there.
const freshCache = () => (process.env.CREDITLAB_CACHE_DIR = mkdtempSync(join(tmpdir(), 'creditlab-rlhf-resume-')));

test('RLOO on the fused update resumes exactly (fused Adam, sampling/prompt/noisy-oracle generators)', async () => {
  freshCache();
  await assertResumesExactly('rloo-fused', { compute: 'fused' });
});

test('REINFORCE with the log-sigmoid-centred reward resumes exactly (the r_ref table and its generator)', async () => {
  freshCache();
  await assertResumesExactly('reinforce-lsc', { compute: 'fused', algo: { type: 'reinforce', promptsPerBatch: 4, samplesPerPrompt: 2 }, reward: { type: 'pr', transform: 'lsc', lscSamples: 2 } });
});

test('GRPO on the tfjs path resumes exactly (tfjs Adam moments and β powers), SFT retrained rather than cached', async () => {
  freshCache();
  await assertResumesExactly('grpo-tfjs', { compute: 'tfjs', sft: { iterations: 20, batchSize: 16, cache: false }, algo: { type: 'grpo', promptsPerBatch: 4, samplesPerPrompt: 2 }, kl: { coef: 0.05 } });
});

test('PPO resumes exactly (value head, clipped epochs and minibatches)', async () => {
  freshCache();
  await assertResumesExactly('ppo', { compute: 'fused', algo: { type: 'ppo', promptsPerBatch: 4, samplesPerPrompt: 2, epochs: 2, minibatches: 2 } });
});

test('online DPO with contrastive T-REG resumes exactly (the conditioned model rebuilt from the cache)', async () => {
  freshCache();
  await assertResumesExactly('dpo-treg', { compute: 'fused', algo: { type: 'dpo', promptsPerBatch: 4, samplesPerPrompt: 2, treg: { alpha: 0.5, iterations: 10, batchSize: 8 } } });
});

test('RLOO with a learned Monte-Carlo PRM resumes exactly (the PRM retrained without a cache)', async () => {
  freshCache();
  await assertResumesExactly('rloo-mc-prm', {
    compute: 'fused',
    sft: { iterations: 20, batchSize: 16, cache: false },
    rewardModel: { type: 'mc-prm', problems: 8, completions: 2, iterations: 5 },
  });
});

test('a resumed run keeps the compute path its checkpoint was written by (auto, then CREDITLAB_GRU=tf)', async () => {
  freshCache();
  const cfg = config({ compute: 'auto' });
  const full = await train(cfg, null);
  assert.equal(full.ctx.computes[0]?.compute, 'fused');
  const c = full.checkpoints[1];
  process.env.CREDITLAB_GRU = 'tf';
  try {
    const resumed = await train(cfg, { step: c.step, state: JSON.parse(c.json) });
    assert.equal(resumed.ctx.computes[0]?.compute, 'fused', resumed.ctx.computes[0]?.reason);
    assert.deepEqual(comparable(resumed.ctx.logs), comparable(full.ctx.logs.filter((l) => l.step > c.step)));
  } finally {
    delete process.env.CREDITLAB_GRU;
  }
});

test('a checkpoint is refused when a rebuilt frozen model differs from the one it was trained with', async () => {
  freshCache();
  const cfg = config({ compute: 'fused' });
  const full = await train(cfg, null);
  const state = JSON.parse(full.checkpoints[0].json) as { frozen: { ref: string } };
  state.frozen.ref = '0'.repeat(32);
  await assert.rejects(train(cfg, { step: 1, state }), /SFT reference model rebuilt for this run differs/);
  const other = JSON.parse(full.checkpoints[0].json) as { algo: string };
  other.algo = 'rlhf-ppo';
  await assert.rejects(train(cfg, { step: 1, state: other }), /checkpoint is from "rlhf-ppo"/);
});
