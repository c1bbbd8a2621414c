import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { deepMerge, resolveExperiment } from '@creditlab/spec/resolve';
import { ensureBackend } from '@creditlab/rl/backend';
import { GruModel } from '../src/model';
import { dpoPairLoss } from '../src/losses';
import { dpoLoss, tregLoss } from '../src/dpo';
import { CONTROL, contrastiveTokenRewards, oracleTokenRewards, temperatureTokenRewards, trainConditioning, tregPairLoss } from '../src/treg';
import { checkSolution, encode, encodePrompt, splitProblems, DEFAULT_TASK, promptWidth, VOCAB_SIZE } from '../src/task';
import { trainRlhf } from '../src/train';
import { RlhfRunConfigSchema } from '@creditlab/spec/rlhf';
import { fakeContext } from './helpers';

test('contrastive token rewards of a conditioned model: r̂ ∈ (−0.5, 0.5), sign flips when the controls swap', async () => {
  await ensureBackend('wasm');
  const { train } = splitProblems(DEFAULT_TASK);
  const W = promptWidth(DEFAULT_TASK);
  const m = new GruModel({ vocab: VOCAB_SIZE, hidden: 16, embedding: 8 }, 0, true);
  trainConditioning(m, train, { iterations: 3, batchSize: 8, lr: 1e-2 }, { restateRate: 0.3, wrongRate: 0.1 }, W, new Rng(0));
  const probs = train.slice(0, 3);
  const resp = [encode('8;11;A:11.'), encode('3;A:3.'), encode('9;9;12;A:12.')];
  const rh = contrastiveTokenRewards(m, probs, resp, W);
  const sw = contrastiveTokenRewards(m, probs, resp, W, { careful: CONTROL.careless, careless: CONTROL.careful });
  rh.forEach((row, b) => {
    assert.equal(row.length, resp[b].length);
    row.forEach((x, t) => {
      assert.ok(x > -0.5 && x < 0.5);
      assert.ok(Math.abs(x + sw[b][t]) < 1e-6, 'swapping careful and careless flips the sign');
    });
  });
  assert.ok(rh.flat().some((x) => x !== 0), 'the controls condition the model');
  const same = contrastiveTokenRewards(m, probs, resp, W, { careful: CONTROL.careful, careless: CONTROL.careful });
  assert.ok(same.flat().every((x) => x === 0), 'identical conditioning gives r̂ = 0');
  m.dispose();
});

test('T-REG tensor loss equals the scalar formula; α = 0 is DPO; w = 0.5 and L = ln 2 at π = π_ref', () => {
  const lw = [-0.3, -1.2, -0.7], ll = [-2, -0.1];
  const rw = [0.3, -0.2, 0.1], rl = [0.1, -0.1];
  const logp = tf.tensor2d([lw, [...ll, 0]]);
  const mask = tf.tensor2d([[1, 1, 1], [1, 1, 0]]);
  const rhat = tf.tensor2d([rw, [...rl, 0.4]]);
  const selW = tf.tensor2d([[1, 0]]), selL = tf.tensor2d([[0, 1]]);
  const refW = [-1, -1, -1], refL = [-0.5, -0.5];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const beta = 0.1;
  const w = 1 / (1 + Math.exp(-(beta * (sum(ll) - sum(refL)) - beta * (sum(lw) - sum(refW)))));
  const total = (alpha: number, rW: number[], rL: number[], ww: number) =>
    dpoPairLoss(logp, mask, selW, selL, tf.tensor1d([sum(rW)]), tf.tensor1d([sum(rL)]), beta).loss.add(tregPairLoss(logp, mask, rhat, tf.tensor1d([ww, ww]), beta, alpha, 1)).dataSync()[0];
  for (const alpha of [0, 0.1, 0.25, 0.5]) {
    const want = tregLoss({ logp: lw, ref: refW, tokenRewards: rw }, { logp: ll, ref: refL, tokenRewards: rl }, beta, alpha);
    assert.ok(Math.abs(total(alpha, refW, refL, w) - want) < 1e-6, `α = ${alpha}`);
  }
  const dpo = dpoLoss({ logp: lw, ref: refW }, { logp: ll, ref: refL }, beta);
  assert.ok(Math.abs(total(0, refW, refL, w) - dpo) < 1e-6, 'α = 0 is plain DPO');
  assert.ok(Math.abs(dpoPairLoss(logp, mask, selW, selL, tf.tensor1d([sum(lw)]), tf.tensor1d([sum(ll)]), beta).loss.dataSync()[0] - Math.LN2) < 1e-6);
});

// Every arm of the new presets, 2 iterations at toy sizes: the preset resolves, validates and trains.
const tiny = {
  model: { hidden: 16, embedding: 8 },
  sft: { iterations: 2, batchSize: 8, cache: false },
  algo: { promptsPerBatch: 2, samplesPerPrompt: 3, treg: { iterations: 2, batchSize: 4 } },
  reward: { lscSamples: 2 },
  evaluation: { every: 1, problems: 6, samples: 2 },
};
for (const preset of ['treg-dpo', 'reward-transform', 'macro-actions', 'prm-hacking']) {
  const { runs } = resolveExperiment(JSON.parse(readFileSync(new URL(`../../../presets/${preset}.json`, import.meta.url), 'utf8')));
  for (const run of runs.filter((r) => r.seed === runs[0].seed)) {
    if (preset === 'prm-hacking' && !run.arm.endsWith('literal')) continue; // the other arms are covered by train.test.ts
    test(`2-iteration smoke run: ${preset} / ${run.arm}`, async () => {
      const config = deepMerge(run.config as never, tiny as never);
      const ctx = fakeContext(config, 2);
      await trainRlhf(ctx);
      assert.deepEqual(ctx.progressed, [1, 2]);
      const all = Object.assign({}, ...ctx.logs.map((l) => l.metrics));
      for (const key of ['eval/accuracy', 'eval/credit_localization', 'train/reward', 'losses/policy']) assert.ok(Number.isFinite(all[key]), key);
      const g = ctx.samples.find((s) => s.kind === 'generation')!.data as { tokens: string[]; credits: Record<string, number[]> };
      for (const series of Object.values(g.credits)) assert.equal(series.length, g.tokens.length);
      if (preset === 'treg-dpo') {
        assert.ok('dpo_implicit' in g.credits && 'treg' in g.credits);
        assert.ok('eval/treg_localization' in all);
        const first = ctx.logs.find((l) => 'treg/weight' in l.metrics);
        // The policy starts as a copy of the reference, so DPO's weight is exactly σ(0).
        if (first && first.step === 1) assert.equal(first.metrics['treg/weight'], 0.5);
      }
    });
  }
}

test('T-REG outside DPO fails validation at its path', () => {
  const r = RlhfRunConfigSchema.safeParse({ kind: 'rlhf', algo: { type: 'rloo', treg: { alpha: 0.1 } } });
  assert.ok(!r.success);
  assert.deepEqual(r.error.issues[0].path, ['algo', 'treg', 'alpha']);
  assert.ok(RlhfRunConfigSchema.safeParse({ kind: 'rlhf', algo: { type: 'dpo', treg: { alpha: 0.5, source: 'oracle' } } }).success);
  assert.ok(!RlhfRunConfigSchema.safeParse({ kind: 'rlhf', reward: { transform: 'lsc-or' } }).success);
});

test('oracle r̂: positive on correct steps, negative on the first wrong step, 0 after it', () => {
  const p = { start: 5, add: 3, count: 2 };
  const resp = encode('8;12;A:12.');
  const r = oracleTokenRewards(resp.length, checkSolution(p, resp));
  const pos = 1 / (1 + Math.exp(-2)) - 0.5;
  assert.deepEqual(r.map((x) => Math.sign(x)), [1, 1, -1, -1, -1, 0, 0, 0, 0, 0]);
  assert.ok(Math.abs(r[0] - pos) < 1e-12 && Math.abs(r[2] + pos) < 1e-12);
});

test('temperature-contrast token rewards: r̂ > 0 on the model’s own argmax tokens, r̂ < 0 on tokens it ranks last', async () => {
  await ensureBackend('wasm');
  const { train } = splitProblems(DEFAULT_TASK);
  const W = promptWidth(DEFAULT_TASK);
  const m = new GruModel({ vocab: VOCAB_SIZE, hidden: 16, embedding: 8 }, 3);
  const probs = train.slice(0, 4);
  const greedy = m.sample(probs.map((p) => encodePrompt(p, W)), { maxTokens: 8, rng: new Rng(0), greedy: true });
  for (const row of temperatureTokenRewards(m, probs, greedy, W)) for (const r of row) assert.ok(r > 0 && r < 0.5, `argmax token: r̂ ${r}`);
  // The least likely non-PAD token at each step, by teacher forcing one step at a time.
  const worst: number[][] = probs.map(() => []);
  for (let t = 0; t < 4; t++) {
    const cands = Array.from({ length: VOCAB_SIZE - 1 }, (_, v) => v + 1);
    const scored = cands.map((v) => temperatureTokenRewards(m, probs, worst.map((w) => [...w, v]), W).map((row) => row[t]));
    const lp = cands.map((v) => {
      const tokens = tf.tensor2d(probs.map((p, b) => [...encodePrompt(p, W), ...worst[b], v]), undefined, 'int32');
      const out = tf.tidy(() => m.responseLogProbs(tokens, W).logp.arraySync() as number[][]);
      tokens.dispose();
      return out.map((row) => row[t]);
    });
    probs.forEach((_, b) => {
      let lo = 0;
      cands.forEach((_, i) => lp[i][b] < lp[lo][b] && (lo = i));
      assert.ok(scored[lo][b] < 0, `least likely token: r̂ ${scored[lo][b]}`);
      worst[b].push(cands[lo]);
    });
  }
});
