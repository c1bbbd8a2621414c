import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { deepMerge, resolveExperiment, RlhfRunConfigSchema } from '@creditlab/spec';
import { ensureBackend } from '@creditlab/rl/backend';
import { GruModel, batchTensors, clippedStep } from '../src/model';
import { dpoPairLoss } from '../src/losses';
import { tregLoss } from '../src/dpo';
import { nllLoss } from '../src/sft';
import { CONTROL, confidenceTokenRewards, contrastiveTokenRewards, controlPrompt, oracleTokenRewards, tregPairLoss } from '../src/treg';
import { checkSolution, encode, encodePrompt, splitProblems, DEFAULT_TASK, promptWidth, VOCAB_SIZE } from '../src/task';
import { trainRlhf } from '../src/train';
import { fakeContext } from './helpers';

const { train } = splitProblems(DEFAULT_TASK);
const W = promptWidth(DEFAULT_TASK);
const logpOf = (m: GruModel, prompts: number[][], responses: number[][], width = W) => {
  const { tokens, mask } = batchTensors(prompts, responses);
  const out = tf.tidy(() => m.responseLogProbs(tokens, width).logp.arraySync() as number[][]);
  tf.dispose([tokens, mask]);
  return out;
};

test('T-REG term on given numbers: −βα/#pairs · Σ w·r̂·log π over unmasked tokens, computed by hand', () => {
  const logp = tf.tensor2d([[-0.5, -1, -2], [-0.2, -3, -7]]);
  const mask = tf.tensor2d([[1, 1, 1], [1, 1, 0]]);
  const rhat = tf.tensor2d([[0.4, -0.2, 0.1], [-0.3, 0.25, 0.45]]);
  // Row 0: −0.2 + 0.2 − 0.2 = −0.2; row 1: 0.06 − 0.75 = −0.69 (the third token is masked); w = 0.6 on both.
  // −(0.1 · 0.5 / 1) · 0.6 · (−0.2 − 0.69) = 0.0267.
  const got = tregPairLoss(logp, mask, rhat, tf.tensor1d([0.6, 0.6]), 0.1, 0.5, 1).dataSync()[0];
  assert.ok(Math.abs(got - 0.0267) < 1e-7, `${got}`);
  // Two pairs halve it; a row outside every pair (w = 0) contributes nothing.
  assert.ok(Math.abs(tregPairLoss(logp, mask, rhat, tf.tensor1d([0.6, 0.6]), 0.1, 0.5, 2).dataSync()[0] - 0.01335) < 1e-7);
  assert.ok(Math.abs(tregPairLoss(logp, mask, rhat, tf.tensor1d([0.6, 0]), 0.1, 0.5, 1).dataSync()[0] - -0.05 * 0.6 * -0.2) < 1e-7);
});

test('T-REG total on a tiny model: DPO pair loss + the regulariser equals the scalar formula of dpo.ts', async () => {
  await ensureBackend('wasm');
  const m = new GruModel({ vocab: VOCAB_SIZE, hidden: 8, embedding: 4 }, 3, true);
  const prompts = train.slice(0, 2).map((p) => encodePrompt(p, W));
  const resp = [encode('8;11;A:11.'), encode('3;A:3.')];
  const lp = logpOf(m, prompts, resp).map((row, b) => row.slice(0, resp[b].length));
  const ref = resp.map((r) => r.map(() => -1.5));
  const rh = [resp[0].map((_, t) => (t % 3) / 10 - 0.1), resp[1].map((_, t) => 0.2 - t / 20)];
  const beta = 0.1;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const w = 1 / (1 + Math.exp(-(beta * (sum(lp[1]) - sum(ref[1])) - beta * (sum(lp[0]) - sum(ref[0])))));
  const { tokens, mask, L } = batchTensors(prompts, resp);
  for (const alpha of [0, 0.25, 0.5]) {
    const got = tf.tidy(() => {
      const logp = m.responseLogProbs(tokens, W).logp;
      const rhat = tf.tensor2d(rh.map((r) => [...r, ...new Array(L - r.length).fill(0)]));
      const d = dpoPairLoss(logp, mask, tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]), tf.tensor1d([sum(ref[0])]), tf.tensor1d([sum(ref[1])]), beta);
      return d.loss.add(tregPairLoss(logp, mask, rhat, tf.tensor1d([w, w]), beta, alpha, 1)).dataSync()[0];
    });
    const want = tregLoss({ logp: lp[0], ref: ref[0], tokenRewards: rh[0] }, { logp: lp[1], ref: ref[1], tokenRewards: rh[1] }, beta, alpha);
    assert.ok(Math.abs(got - want) < 1e-5, `α ${alpha}: ${got} vs ${want}`);
  }
  tf.dispose([tokens, mask]);
  m.dispose();
});

test('a gradient step on the T-REG term alone raises log π where r̂ > 0 and lowers it where r̂ < 0', async () => {
  await ensureBackend('wasm');
  const prompts = [encodePrompt(train[0], W)];
  const resp = [encode('8;11;A:11.')];
  const { tokens, mask, L } = batchTensors(prompts, resp);
  for (const t of [0, 2, 5])
    for (const sign of [1, -1]) {
      const m = new GruModel({ vocab: VOCAB_SIZE, hidden: 8, embedding: 4 }, 5, true);
      const before = logpOf(m, prompts, resp)[0][t];
      const rhat = tf.tensor2d([Array.from({ length: L }, (_, i) => (i === t ? 0.4 * sign : 0))]);
      const opt = tf.train.sgd(0.05);
      clippedStep(opt, m.trainableVars(), () => tregPairLoss(m.responseLogProbs(tokens, W).logp, mask, rhat as tf.Tensor2D, tf.tensor1d([0.5]), 0.1, 1, 1), 100);
      const after = logpOf(m, prompts, resp)[0][t];
      assert.ok(sign * (after - before) > 0, `token ${t}, r̂ ${0.4 * sign}: log π ${before} → ${after}`);
      tf.dispose([rhat]);
      opt.dispose();
      m.dispose();
    }
  tf.dispose([tokens, mask]);
});

test('contrastive r̂ follows the contrast, not the likelihood: two tokens equally likely to a careful writer get opposite signs', async () => {
  await ensureBackend('wasm');
  // Careful writers start with 7 or 3 alike; careless ones always start with 3.
  const m = new GruModel({ vocab: VOCAB_SIZE, hidden: 16, embedding: 8 }, 2, true);
  const p = train[0];
  const prompts: number[][] = [], responses: number[][] = [];
  for (let i = 0; i < 24; i++) {
    prompts.push(controlPrompt(p, W, i % 3 === 2 ? CONTROL.careless : CONTROL.careful));
    responses.push(encode(i % 3 === 2 ? '3' : i % 3 === 0 ? '7' : '3'));
  }
  const { tokens, mask } = batchTensors(prompts, responses);
  const opt = tf.train.adam(0.05);
  for (let it = 0; it < 150; it++) clippedStep(opt, m.trainableVars(), () => nllLoss(m, tokens, mask, W + 1), 5);
  tf.dispose([tokens, mask]);
  opt.dispose();
  const seven = encode('7'), three = encode('3');
  const careful = logpOf(m, [controlPrompt(p, W, CONTROL.careful), controlPrompt(p, W, CONTROL.careful)], [seven, three], W + 1);
  assert.ok(Math.abs(careful[0][0] - careful[1][0]) < 0.3, `careful writer: log π(7) ${careful[0][0]}, log π(3) ${careful[1][0]}`);
  const [r7, r3] = contrastiveTokenRewards(m, [p, p], [seven, three], W).map((r) => r[0]);
  assert.ok(r7 > 0.2, `r̂(7) ${r7}`);
  assert.ok(r3 < -0.05, `r̂(3) ${r3}`);
  // Expected from the conditioned likelihoods: σ(log ½ − log 1) − 0.5 ≈ −0.17 for 3.
  assert.ok(Math.abs(r3 - (1 / (1 + Math.exp(Math.LN2)) - 0.5)) < 0.08, `r̂(3) ${r3}`);
  const swapped = contrastiveTokenRewards(m, [p], [seven], W, { careful: CONTROL.careless, careless: CONTROL.careful })[0][0];
  assert.ok(Math.abs(swapped + r7) < 1e-6, 'swapping the two conditions flips r̂');
  m.dispose();
});

test("confidence r̂ is σ(1.5·log π_ref(y_t) + c_t) − 0.5: at one position it ranks tokens by the reference's own likelihood", async () => {
  await ensureBackend('wasm');
  const m = new GruModel({ vocab: VOCAB_SIZE, hidden: 16, embedding: 8 }, 11);
  const p = train[3];
  const logit = (r: number) => Math.log((r + 0.5) / (0.5 - r));
  for (const prefix of [[], encode('8;1')]) {
    const cands = ['2', '5', '9', ';', 'A'].map((c) => [...prefix, ...encode(c)]);
    const t = prefix.length;
    const rh = confidenceTokenRewards(m, cands.map(() => p), cands, W).map((r) => r[t]);
    const lp = logpOf(m, cands.map(() => encodePrompt(p, W)), cands).map((r) => r[t]);
    for (let i = 1; i < cands.length; i++) {
      const want = 1.5 * (lp[i] - lp[0]);
      assert.ok(Math.abs(logit(rh[i]) - logit(rh[0]) - want) < 2e-3, `position ${t}, candidate ${i}: ${logit(rh[i]) - logit(rh[0])} vs ${want}`);
    }
  }
  m.dispose();
});

test('oracle r̂: positive on correct steps, negative on the first wrong step, 0 after it', () => {
  const p = { start: 5, add: 3, count: 2 };
  const resp = encode('8;12;A:12.');
  const r = oracleTokenRewards(resp.length, checkSolution(p, resp));
  const pos = 1 / (1 + Math.exp(-2)) - 0.5;
  assert.deepEqual(r.map((x) => Math.sign(x)), [1, 1, -1, -1, -1, 0, 0, 0, 0, 0]);
  assert.ok(Math.abs(r[0] - pos) < 1e-12 && Math.abs(r[2] + pos) < 1e-12);
});

test("T-REG validation: only under DPO, and the old source 'temperature' is refused with its new name", () => {
  const r = RlhfRunConfigSchema.safeParse({ kind: 'rlhf', algo: { type: 'rloo', treg: { alpha: 0.1 } } });
  assert.ok(!r.success);
  assert.deepEqual(r.error.issues[0].path, ['algo', 'treg', 'alpha']);
  const old = RlhfRunConfigSchema.safeParse({ kind: 'rlhf', algo: { type: 'dpo', treg: { alpha: 0.5, source: 'temperature' } } });
  assert.ok(!old.success);
  assert.deepEqual(old.error.issues[0].path, ['algo', 'treg', 'source']);
  assert.match(old.error.issues[0].message, /renamed 'confidence'/);
  for (const source of ['contrastive', 'confidence', 'oracle'])
    assert.ok(RlhfRunConfigSchema.safeParse({ kind: 'rlhf', algo: { type: 'dpo', treg: { alpha: 0.5, source } } }).success, source);
});

// Every arm of the presets, 2 iterations at toy sizes: the preset resolves, validates and trains.
const tiny = {
  model: { hidden: 16, embedding: 8 },
  sft: { iterations: 2, batchSize: 8, cache: false },
  algo: { promptsPerBatch: 2, samplesPerPrompt: 3, treg: { iterations: 2, batchSize: 4 } },
  reward: { lscSamples: 2 },
  evaluation: { every: 1, problems: 6, samples: 2 },
};
// eval/credit_* values at step 0 of each treg-dpo arm (seed 0), to check that every arm is scored on one set.
const tregStart = new Map<string, Record<string, number>>();
for (const preset of ['treg-dpo', 'reward-transform', 'macro-actions', 'prm-hacking']) {
  const { runs } = resolveExperiment(JSON.parse(readFileSync(new URL(`../../../presets/${preset}.json`, import.meta.url), 'utf8')));
  for (const run of runs.filter((r) => r.seed === runs[0].seed)) {
    if (preset === 'prm-hacking' && !run.arm.endsWith('literal')) continue; // the other arms are covered by train.test.ts
    test(`2-iteration smoke run: ${preset} / ${run.arm}`, async () => {
      // treg-dpo: a few SFT iterations, so that some sampled answers get a step right before going wrong.
      const config = deepMerge(run.config as never, (preset === 'treg-dpo' ? deepMerge(tiny as never, { sft: { iterations: 30, batchSize: 16, lr: 0.03 }, evaluation: { problems: 12 } } as never) : tiny) as never);
      const ctx = fakeContext(config, 2);
      await trainRlhf(ctx);
      assert.deepEqual(ctx.progressed, [1, 2]);
      const all = Object.assign({}, ...ctx.logs.map((l) => l.metrics));
      for (const key of ['eval/accuracy', 'train/reward', 'losses/policy']) assert.ok(Number.isFinite(all[key]), key);
      const g = ctx.samples.find((s) => s.kind === 'generation')!.data as { tokens: string[]; credits: Record<string, number[]> };
      for (const series of Object.values(g.credits)) assert.equal(series.length, g.tokens.length);
      if (preset !== 'treg-dpo') return;
      const cfg = RlhfRunConfigSchema.parse(config);
      assert.ok('dpo_implicit' in g.credits);
      assert.equal(`rhat_${cfg.algo.treg.source}` in g.credits, cfg.algo.treg.alpha > 0);
      const evals = ctx.logs.filter((l) => 'eval/accuracy' in l.metrics);
      assert.equal(evals.length, 3);
      for (const e of evals) {
        const x = e.metrics['eval/credit_auroc'];
        assert.ok(x >= 0 && x <= 1, `eval/credit_auroc ${x}`);
      }
      const start = evals[0].metrics;
      // The policy starts as a copy of the reference: every implicit token reward is 0, a constant credit.
      assert.equal(start['eval/credit_auroc'], 0.5);
      assert.equal(start['eval/credit_auroc_baseline/uniform'], 0.5);
      assert.equal('eval/credit_auroc_rhat' in start, cfg.algo.treg.alpha > 0);
      tregStart.set(run.arm, Object.fromEntries(Object.entries(start).filter(([k]) => k.startsWith('eval/credit_auroc_baseline/') || k === 'eval/credit_set_wrong_answers')));
    });
  }
}

test('every treg-dpo arm of a seed is scored on the same credit set: identical baselines', () => {
  const all = [...tregStart.values()];
  assert.ok(all.length >= 4, `${all.length} arms`);
  assert.ok(all[0]['eval/credit_set_wrong_answers'] > 0);
  for (const x of all.slice(1)) assert.deepEqual(x, all[0]);
});
