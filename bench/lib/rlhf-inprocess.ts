// rlhf-ppo-tiny-lm, our side: the RLHF task's policy (GruModel, hidden/embedding/vocab of the default rlhf
// config) sampling 32 prompts × 8 samples token by token (GruModel.sample: hidden state carried, the GRU's
// KV-cache equivalent) up to the task's maxResponseTokens, then one RLOO policy-gradient update with Adam
// and global-norm clipping (batchTensors + responseLogProbs + pgLoss + clippedStep, the same pieces
// trainRlhf's update runs). Random init (no SFT): throughput only. Mirrored by bench/reference/rlhf_gru.py.
//   node --import tsx bench/lib/rlhf-inprocess.ts [iterations] [warmup]
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { initBackend } from '@creditlab/rl';
import { GruModel, batchTensors, clippedStep, pgLoss, looBaseline, DEFAULT_TASK, VOCAB_SIZE, TOK, encodePrompt, promptWidth, splitProblems } from '@creditlab/rlhf';

export const RLHF_BENCH = { prompts: 32, samples: 8, hidden: 64, embedding: 16, lr: 1e-3, gradClip: 1 } as const;

export interface RlhfBenchResult {
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  sampleFraction: number;
  meanLength: number;
}

/** Prompts (left-padded token ids) for `iterations` batches: 32 train problems × 8 copies each. */
export function rlhfBenchPrompts(iterations: number, seed = 0): number[][][] {
  const { train } = splitProblems(DEFAULT_TASK);
  const W = promptWidth(DEFAULT_TASK);
  const rng = new Rng(seed).fork('bench-prompts');
  return Array.from({ length: iterations }, () => {
    const rows: number[][] = [];
    for (let i = 0; i < RLHF_BENCH.prompts; i++) {
      const p = encodePrompt(train[rng.int(train.length)], W);
      for (let j = 0; j < RLHF_BENCH.samples; j++) rows.push(p);
    }
    return rows;
  });
}

export async function rlhfInProcess(iterations: number, warmup: number, seed = 0): Promise<RlhfBenchResult> {
  await initBackend(process.env.CREDITLAB_BACKEND);
  const W = promptWidth(DEFAULT_TASK);
  const maxTokens = DEFAULT_TASK.maxResponseTokens;
  const k = RLHF_BENCH.samples;
  const policy = new GruModel({ vocab: VOCAB_SIZE, hidden: RLHF_BENCH.hidden, embedding: RLHF_BENCH.embedding }, seed);
  const opt = tf.train.adam(RLHF_BENCH.lr);
  const rng = new Rng(seed).fork('sample');
  const batches = rlhfBenchPrompts(warmup + iterations, seed);
  let tokens = 0, sampleMs = 0, t0 = 0;
  for (let it = 0; it < warmup + iterations; it++) {
    if (it === warmup) t0 = performance.now();
    const ts = performance.now();
    const prompts = batches[it];
    const responses = policy.sample(prompts, { maxTokens, rng, temperature: 1 });
    const tu = performance.now();
    // Reward: 1 for a finished response (ended with '.'), else 0; RLOO baseline over each prompt's k samples.
    const totals = responses.map((r) => (r.at(-1) === TOK.END ? 1 : 0));
    const base = looBaseline(totals, k);
    const { tokens: tok, mask, L } = batchTensors(prompts, responses);
    const adv = new Float32Array(responses.length * L);
    responses.forEach((_, b) => adv.fill(totals[b] - base[b], b * L, (b + 1) * L));
    const advT = tf.tensor2d(adv, [responses.length, L]);
    tf.tidy(() => clippedStep(opt, policy.trainableVars(), () => pgLoss(policy.responseLogProbs(tok, W).logp, advT, mask), RLHF_BENCH.gradClip));
    tf.dispose([tok, mask, advT]);
    if (it >= warmup) {
      tokens += responses.reduce((s, r) => s + r.length, 0);
      sampleMs += tu - ts;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  opt.dispose();
  policy.dispose();
  return { tokens, seconds, tokensPerSecond: tokens / seconds, sampleFraction: sampleMs / 1000 / seconds, meanLength: tokens / (iterations * RLHF_BENCH.prompts * k) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await rlhfInProcess(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 2), Number(process.argv[4] ?? 0));
  console.log(JSON.stringify(r));
}
