import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { initBackend } from '@creditlab/rl/backend';
import { GruModel, batchTensors } from '../src/model';
import { trainSft } from '../src/sft';
import { DEFAULT_TASK, VOCAB_SIZE, encodePrompt, promptWidth, splitProblems, TOK } from '../src/task';

const W = promptWidth(DEFAULT_TASK);
const { train } = splitProblems(DEFAULT_TASK);
const cfg = { vocab: VOCAB_SIZE, hidden: 32, embedding: 8 };

test('SFT loss decreases', async () => {
  await initBackend();
  const m = new GruModel(cfg, 0);
  const losses = await trainSft(m, train, { iterations: 40, batchSize: 32, lr: 1e-2, gradClip: 1, restateRate: 0.3, wrongRate: 0.1 }, W, new Rng(0));
  const head = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const tail = losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(tail < head * 0.8, `loss ${head} → ${tail}`);
  assert.ok(Math.abs(head - Math.log(VOCAB_SIZE)) < 0.5, 'starts near uniform');
  m.dispose();
});

test('sampler: deterministic under a seed, stops at ".", log-probs agree with teacher forcing', async () => {
  await initBackend();
  const m = new GruModel(cfg, 3);
  const prompts = train.slice(0, 6).map((p) => encodePrompt(p, W));
  const a = m.sample(prompts, { maxTokens: 12, rng: new Rng(7) });
  const b = m.sample(prompts, { maxTokens: 12, rng: new Rng(7) });
  const c = m.sample(prompts, { maxTokens: 12, rng: new Rng(8) });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const r of a) {
    assert.ok(r.length >= 1 && r.length <= 12);
    assert.ok(!r.slice(0, -1).includes(TOK.END), 'nothing after "."');
    assert.ok(!r.includes(0), 'never samples PAD');
  }
  const g1 = m.sample(prompts, { maxTokens: 12, rng: new Rng(1), greedy: true });
  const g2 = m.sample(prompts, { maxTokens: 12, rng: new Rng(2), greedy: true });
  assert.deepEqual(g1, g2, 'greedy ignores the rng');
  // The greedy token is the argmax of the teacher-forced distribution at every position.
  const { tokens, mask } = batchTensors(prompts, g1);
  const lp = tf.tidy(() => m.responseLogProbs(tokens, W).logp);
  const lps = (await lp.array()) as number[][];
  g1.forEach((r, i) => r.forEach((_, t) => assert.ok(lps[i][t] > Math.log(1 / VOCAB_SIZE) - 1e-6)));
  // A frozen clone gives identical log-probs and has no trainable variables.
  const ref = m.clone();
  const lp2 = tf.tidy(() => ref.responseLogProbs(tokens, W).logp);
  assert.ok(tf.max(tf.abs(lp.sub(lp2))).dataSync()[0] < 1e-6);
  assert.ok(ref.trainableVars().every((v) => !v.trainable));
  tf.dispose([tokens, mask, lp, lp2]);
  m.dispose();
  ref.dispose();
});
