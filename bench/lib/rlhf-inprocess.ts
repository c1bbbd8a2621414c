// rlhf-ppo-tiny-lm, our side: the RLHF task's policy (GruModel, hidden/embedding/vocab of the default rlhf
// config) sampling 32 prompts × 8 samples token by token (GruModel.sample: hidden state carried, the GRU's
// KV-cache equivalent) up to the task's maxResponseTokens, then one RLOO policy-gradient update with Adam
// and global-norm clipping (PolicyGradientStep, the update trainRlhf runs for RLOO, on the model's compute
// path). Random init (no SFT): throughput only. Mirrored by bench/reference/rlhf_gru.py.
//   node --import tsx bench/lib/rlhf-inprocess.ts [iterations] [warmup]
import { Rng } from '@creditlab/common';
import { initBackend } from '@creditlab/rl';
import { GruModel, PolicyGradientStep, looBaseline, DEFAULT_TASK, VOCAB_SIZE, TOK, encodePrompt, promptWidth, splitProblems } from '@creditlab/rlhf';

export const RLHF_BENCH = { prompts: 32, samples: 8, hidden: 64, embedding: 16, lr: 1e-3, gradClip: 1 } as const;

export interface RlhfBenchResult {
  tokens: number;
  seconds: number;
  /** CPU time (user + system) of this process over the timed iterations: less sensitive to a shared machine. */
  cpuSeconds: number;
  tokensPerSecond: number;
  tokensPerCpuSecond: number;
  sampleFraction: number;
  meanLength: number;
  /** The policy's compute path ('fused' or 'tf'). */
  compute: string;
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
  const update = new PolicyGradientStep(policy, RLHF_BENCH.lr, RLHF_BENCH.gradClip);
  const rng = new Rng(seed).fork('sample');
  const batches = rlhfBenchPrompts(warmup + iterations, seed);
  let tokens = 0, sampleMs = 0, t0 = 0;
  let cpu0 = process.cpuUsage();
  for (let it = 0; it < warmup + iterations; it++) {
    if (it === warmup) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    }
    const ts = performance.now();
    const prompts = batches[it];
    const responses = policy.sample(prompts, { maxTokens, rng, temperature: 1 });
    const tu = performance.now();
    // Reward: 1 for a finished response (ended with '.'), else 0; RLOO baseline over each prompt's k samples.
    const totals = responses.map((r) => (r.at(-1) === TOK.END ? 1 : 0));
    const base = looBaseline(totals, k);
    update.step(prompts, responses, responses.map((r, b) => new Array<number>(r.length).fill(totals[b] - base[b])), W);
    if (it >= warmup) {
      tokens += responses.reduce((s, r) => s + r.length, 0);
      sampleMs += tu - ts;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  update.dispose();
  policy.dispose();
  return { tokens, seconds, cpuSeconds, tokensPerSecond: tokens / seconds, tokensPerCpuSecond: tokens / cpuSeconds, sampleFraction: sampleMs / 1000 / seconds, meanLength: tokens / (iterations * RLHF_BENCH.prompts * k), compute: policy.impl };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await rlhfInProcess(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 2), Number(process.argv[4] ?? 0));
  console.log(JSON.stringify(r));
}
