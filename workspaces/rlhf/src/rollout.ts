// One batch of experience, shared by every trainer: draw prompts, sample k responses each from the policy,
// check and score them under the configured reward method, then read the log-probabilities the update needs.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@creditlab/common';
import { logSigmoid, quantile } from '@creditlab/rewards';
import type { RlhfRunConfig } from '@creditlab/spec';
import { batchTensors } from './model';
import { checkSolution, encodePrompt, promptOf, type Problem, type SolutionCheck } from './task';
import { resolvePlacement, stepPayments, tokenRewards } from './process-reward';
import { klPerToken } from './advantages';
import type { RlhfRun, StepScorer } from './setup';

export interface Scored {
  tokenRewards: number[];
  success: number;
  processReturn: number;
  check: SolutionCheck;
}

function scoreResponse(cfg: RlhfRunConfig, response: number[], check: SolutionCheck, rp: number[]): Scored {
  const success = check.success ? cfg.reward.success : 0;
  const m = cfg.reward;
  const pay = stepPayments(rp, m.type, m.eta, resolvePlacement(m.type, m.placement));
  const r = tokenRewards({ length: response.length, stepEnds: check.steps.map((s) => s.end), payments: pay, alpha: m.alpha, success });
  return { tokenRewards: r, success, processReturn: m.alpha * pay.reduce((a, b) => a + b, 0), check };
}

export function scoreBatch(cfg: RlhfRunConfig, problems: Problem[], responses: number[][], scorer: StepScorer): Scored[] {
  const checks = problems.map((p, i) => checkSolution(p, responses[i]));
  const rps = cfg.reward.type === 'success' ? checks.map((c) => c.steps.map(() => 0)) : scorer(problems, responses, checks);
  return checks.map((c, i) => scoreResponse(cfg, responses[i], c, rps[i]));
}

/** Rows of unequal length as a [rows, L] float32 tensor, zero-padded and cut at L. */
export const toMatrix = (rows: number[][], L: number) => {
  const out = new Float32Array(rows.length * L);
  rows.forEach((r, b) => out.set(r.slice(0, L), b * L));
  return tf.tensor2d(out, [rows.length, L]);
};

export type LscTable = Map<string, { sum: number; success: number; process: number }>;

/** Log-sigmoid centring's r_ref(x) per prompt, from the reference policy's own samples. */
export interface LscCentring {
  table: LscTable;
  rng: Rng;
  refs(problems: Problem[]): { sum: number; success: number; process: number }[];
}

// Computed the first time a prompt is drawn, so short runs only pay for the prompts they see.
export function lscCentring(run: RlhfRun): LscCentring {
  const { cfg, ref, W, task, scorer } = run;
  const a = cfg.algo;
  const table: LscTable = new Map();
  const rng = run.root.fork('lsc');
  const refs = (problems: Problem[]) => {
    const fresh = [...new Map(problems.filter((p) => !table.has(promptOf(p))).map((p) => [promptOf(p), p])).values()];
    if (fresh.length) {
      const n = cfg.reward.lscSamples;
      const reps = fresh.flatMap((p) => new Array<Problem>(n).fill(p));
      const outs: number[][] = [];
      for (let i = 0; i < reps.length; i += 256)
        outs.push(...ref.sample(reps.slice(i, i + 256).map((p) => encodePrompt(p, W)), { maxTokens: task.maxResponseTokens, rng, temperature: a.temperature, topK: a.topK }));
      const sc = scoreBatch(cfg, reps, outs, scorer);
      const q = (xs: number[]) => quantile(xs, cfg.reward.lscQuantile);
      fresh.forEach((p, i) => {
        const mine = sc.slice(i * n, (i + 1) * n);
        table.set(promptOf(p), { sum: q(mine.map((s) => s.success + s.processReturn)), success: q(mine.map((s) => s.success)), process: q(mine.map((s) => s.processReturn)) });
      });
    }
    return problems.map((p) => table.get(promptOf(p))!);
  };
  return { table, rng, refs };
}

export interface Rollout {
  /** B = promptsPerBatch × samplesPerPrompt rows; row b's prompt group is ⌊b/k⌋. */
  problems: Problem[];
  prompts: number[][];
  responses: number[][];
  scored: Scored[];
  /** performance.now() before sampling and after scoring. */
  t0: number;
  t1: number;
}

export function rollout(run: RlhfRun, lsc: LscCentring): Rollout {
  const { cfg, train, W, task, policy } = run;
  const a = cfg.algo;
  const t0 = performance.now();
  const problems: Problem[] = [];
  for (let i = 0; i < a.promptsPerBatch; i++) {
    const p = train[run.rngs.prompts.int(train.length)];
    for (let j = 0; j < a.samplesPerPrompt; j++) problems.push(p);
  }
  const prompts = problems.map((p) => encodePrompt(p, W));
  const responses = policy.sample(prompts, { maxTokens: task.maxResponseTokens, rng: run.rngs.sample, temperature: a.temperature, topK: a.topK });
  const scored = scoreBatch(cfg, problems, responses, run.scorer);
  if (cfg.reward.transform !== 'none') {
    // Log-sigmoid centring: only the final token is paid, u = log σ(r − r_ref(x)) (or one term per component).
    const refs = lsc.refs(problems);
    scored.forEach((s, b) => {
      const u =
        cfg.reward.transform === 'lsc'
          ? logSigmoid(s.success + s.processReturn - refs[b].sum)
          : logSigmoid(s.success - refs[b].success) + logSigmoid(s.processReturn - refs[b].process);
      s.tokenRewards = s.tokenRewards.map((_, t) => (t === s.tokenRewards.length - 1 ? u : 0));
    });
  }
  return { problems, prompts, responses, scored, t0, t1: performance.now() };
}

/** The batch as tensors: tokens [B, W+L], the response mask [B, L] and L. */
export const rolloutTensors = (r: Rollout) => batchTensors(r.prompts, r.responses);

/** Pre-update log π (and the value head's V, if any) and log π_ref per response token, as arrays. */
export async function logProbs(run: RlhfRun, tokens: tf.Tensor2D, want: { old: boolean; ref: boolean }) {
  let oldLogp: number[][] | null = null, refLogp: number[][] | null = null, oldValues: number[][] | null = null;
  if (want.old) {
    const o = tf.tidy(() => run.policy.responseLogProbs(tokens, run.W));
    oldLogp = (await o.logp.array()) as number[][];
    if (o.values) oldValues = (await o.values.array()) as number[][];
    tf.dispose([o.logp, o.values, o.entropy]);
  }
  if (want.ref) {
    const r = tf.tidy(() => run.ref.responseLogProbs(tokens, run.W).logp);
    refLogp = (await r.array()) as number[][];
    r.dispose();
  }
  return { oldLogp, refLogp, oldValues };
}

/**
 * Per-token rewards with the KL penalty −c·KL_t subtracted when the config puts it in the reward (Ziegler
 * et al.'s per-token penalty), and each response's summed KL to π_ref for the logs (needs both log-probs).
 */
export function klShapedRewards(cfg: RlhfRunConfig, scored: Scored[], oldLogp: number[][] | null, refLogp: number[][] | null): { rewards: number[][]; kls: number[] } {
  const kls: number[] = [];
  const rewards = scored.map((s, b) => {
    const r = [...s.tokenRewards];
    let kl = 0;
    if (oldLogp && refLogp)
      for (let t = 0; t < r.length; t++) {
        const kt = klPerToken(oldLogp[b][t], refLogp[b][t], cfg.kl.estimator);
        kl += kt;
        if (cfg.kl.coef > 0 && cfg.kl.in === 'reward') r[t] -= cfg.kl.coef * kt;
      }
    kls.push(kl);
    return r;
  });
  return { rewards, kls };
}
