import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RlhfRunConfigSchema } from '@creditlab/spec';
import { hackingPair } from '@creditlab/stats';
import { trainRlhf } from '../src/train';
import { GruModel } from '../src/model';
import { fakeContext } from './helpers';

const tiny = (over: Record<string, unknown>) =>
  RlhfRunConfigSchema.parse({
    kind: 'rlhf',
    model: { hidden: 16, embedding: 8 },
    sft: { iterations: 3, batchSize: 16, cache: false },
    algo: { promptsPerBatch: 3, samplesPerPrompt: 2 },
    evaluation: { every: 1, problems: 6, samples: 2 },
    ...over,
  });

for (const [name, over] of [
  ['rloo + clip-delta', { reward: { type: 'clip-delta' } }],
  ['rloo + first-step control', { reward: { type: 'first-step', alpha: 0.5 } }],
  ['ppo + clip-delta lagged', { reward: { type: 'clip-delta', placement: 'lagged' }, algo: { type: 'ppo', promptsPerBatch: 2, samplesPerPrompt: 2 } }],
  ['ppo + pr + k1 KL', { reward: { type: 'pr' }, algo: { type: 'ppo', promptsPerBatch: 3, samplesPerPrompt: 2, epochs: 2, minibatches: 2 }, kl: { coef: 0.05 } }],
  ['ppo + macro actions (ppl) + success', { algo: { type: 'ppo', promptsPerBatch: 2, samplesPerPrompt: 2, macro: { termination: 'ppl' } } }],
  ['rloo + pr + LSC transform', { reward: { type: 'pr', transform: 'lsc', lscSamples: 3 } }],
  ['online DPO on success-ranked pairs', { algo: { type: 'dpo', promptsPerBatch: 3, samplesPerPrompt: 3, treg: { iterations: 2, batchSize: 4 } } }],
  ['grpo + delta + k3 KL in loss', { reward: { type: 'delta' }, algo: { type: 'grpo', promptsPerBatch: 3, samplesPerPrompt: 2 }, kl: { coef: 0.04, estimator: 'k3', in: 'loss' } }],
] as const) {
  test(`2-iteration smoke run through trainRlhf: ${name}`, async () => {
    const ctx = fakeContext(tiny(over as Record<string, unknown>), 2);
    await trainRlhf(ctx);
    assert.deepEqual(ctx.progressed, [1, 2]);
    const steps = ctx.logs.map((l) => l.step);
    assert.ok(steps.includes(0) && steps.includes(2));
    const all = Object.assign({}, ...ctx.logs.map((l) => l.metrics));
    for (const key of ['eval/accuracy', 'eval/steps_per_solution', 'eval/repeat_fraction', 'eval/truncated_fraction', 'train/reward', 'train/kl', 'losses/policy', 'losses/total']) {
      assert.ok(key in all, `missing ${key}`);
      assert.ok(Number.isFinite(all[key]), `${key} = ${all[key]}`);
    }
    // The reward-hacking alarm reads its RLHF pair at the training cadence: both metrics at every iteration.
    const pair = hackingPair(Object.keys(all));
    assert.deepEqual(pair, { proxy: 'objective/process_return', truth: 'train/success' });
    for (const it of [1, 2]) {
      const m = Object.assign({}, ...ctx.logs.filter((l) => l.step === it).map((l) => l.metrics));
      assert.ok(Number.isFinite(m[pair!.proxy]) && Number.isFinite(m[pair!.truth]), `iteration ${it} lacks the alarm's pair`);
    }
    const gens = ctx.samples.filter((s) => s.kind === 'generation');
    assert.ok(gens.length >= 2);
    const g = gens[0].data as { tokens: string[]; tokenCredits: number[]; prompt: string };
    assert.equal(g.tokens.length, g.tokenCredits.length);
    assert.match(g.prompt, /^Q:\d+\+\d\*\d=$/);
  });
}

test('compute: the run records its path, and "tfjs" keeps every model of the run off the fused GRU', async () => {
  const proto = GruModel.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const calls = { fused: 0 };
  const originals = { fusedHiddenStates: proto.fusedHiddenStates, fusedStepper: proto.fusedStepper };
  for (const name of Object.keys(originals) as (keyof typeof originals)[]) {
    proto[name] = function (this: unknown, ...a: unknown[]) {
      calls.fused++;
      return originals[name].apply(this, a);
    };
  }
  try {
    const tfjs = fakeContext(tiny({ compute: 'tfjs' }), 1);
    await trainRlhf(tfjs);
    assert.deepEqual(tfjs.computes.map((c) => [c.compute, c.backend]), [['tfjs', 'wasm']]);
    assert.equal(calls.fused, 0, 'a tfjs run called the fused kernel');
    const auto = fakeContext(tiny({}), 1);
    await trainRlhf(auto);
    assert.equal(auto.computes[0].compute, 'fused');
    assert.match(auto.computes[0].backend, /^js(\+simd)? \/ wasm$/);
    assert.ok(calls.fused > 0);
  } finally {
    Object.assign(proto, originals);
  }
});
