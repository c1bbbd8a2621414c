// T-REG: Preference Optimization with Token-Level Reward Regularization — Zhou et al., arXiv:2412.02685
// The paper's token rewards are self-generated: the frozen model scores each response token under two
// contrasting revision prompts (x⁺ "be more helpful/correct", x⁻ the opposite) and
// r̂_t = σ(log π(y_t | x⁺) − log π(y_t | x⁻)) − 0.5. Closest feasible version here (algo.treg.source
// 'contrastive'): a 64-unit GRU cannot read a natural-language instruction, so the two prompts become two
// control tokens appended to the prompt, and the model has to be taught what they mean: a copy of the SFT
// model is fine-tuned on correct solutions behind CAREFUL and on wrong ones behind CARELESS. Differences from
// the paper: a tiny GRU instead of an instruction-following LLM; control tokens learnt from labelled data
// (the step checker decides which solutions are careless) instead of prompts the model already understands;
// the scorer is that fine-tuned copy, not the frozen reference itself; online pairs instead of the paper's
// offline reference samples scored by a reward model.
// 'confidence' is not a contrast at all: reading one model at T 0.5 and T 2 gives
// σ(1.5·log π_ref(y_t) + c(context)) − 0.5, a monotone function of the reference's own token likelihood
// (a confidence regulariser), kept as a comparison. 'oracle' takes r̂ from the step checker (a control).
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { GruModel, batchTensors, clippedStep } from './model';
import { nllLoss } from './sft';
import { checkSolution, encode, encodePrompt, sftSolution, type Problem, type SftDataConfig, type SolutionCheck } from './task';
import { sigmoid, tregTokenRewards } from './dpo';

// Two existing prompt symbols that never follow '=' in task data, so the vocabulary (and every cached
// SFT checkpoint) is unchanged; the control token is appended after the prompt, next to the response.
export const CONTROL = { careful: encode('+')[0], careless: encode('*')[0] } as const;

export const controlPrompt = (p: Problem, width: number, ctrl: number) => [...encodePrompt(p, width), ctrl];

export interface ConditioningConfig {
  iterations: number;
  batchSize: number;
  lr: number;
}

/**
 * Fine-tunes `model` (a copy of the SFT policy) in place. Careless rows: half the SFT policy's own wrong
 * samples (drawn before fine-tuning, so r̂ knows the errors the policy actually makes: miscounted steps,
 * wrong sums, early answers), half synthetic one-wrong-step ones. Careful rows: half solutions without a
 * wrong step; half synthetic one-wrong-step solutions trained only AFTER their wrong step, so the careful
 * writer also learns to carry an existing error forward consistently, so that careful and careless can only
 * disagree on making the error, not on what follows it. How well the resulting r̂ finds errors is logged as
 * eval/credit_auroc_rhat (RESULTS.md).
 */
export function trainConditioning(model: GruModel, problems: Problem[], cfg: ConditioningConfig, data: SftDataConfig, width: number, rng: Rng, maxTokens = 40): number[] {
  const careful: SftDataConfig = { restateRate: data.restateRate, wrongRate: 0 };
  const careless: SftDataConfig = { restateRate: 0, wrongRate: 1 };
  const own: { p: Problem; r: number[] }[] = [];
  for (let i = 0; i < 8 && own.length < 4 * cfg.batchSize; i++) {
    const ps = Array.from({ length: 256 }, () => problems[rng.int(problems.length)]);
    const rs = model.sample(ps.map((p) => encodePrompt(p, width)), { maxTokens, rng });
    rs.forEach((r, b) => !checkSolution(ps[b], r).success && own.push({ p: ps[b], r }));
  }
  const opt = tf.train.adam(cfg.lr);
  const losses: number[] = [];
  for (let it = 0; it < cfg.iterations; it++) {
    const prompts: number[][] = [];
    const responses: number[][] = [];
    // Per row, the response tokens the loss ignores (the prefix up to and including a careful row's wrong step).
    const skip: number[] = [];
    for (let i = 0; i < cfg.batchSize; i++) {
      skip.push(0);
      if (i % 4 === 0) {
        const p = problems[rng.int(problems.length)];
        prompts.push(controlPrompt(p, width, CONTROL.careful));
        responses.push(encode(sftSolution(p, careful, rng)));
      } else if (i % 4 === 2) {
        const p = problems[rng.int(problems.length)];
        const r = encode(sftSolution(p, careless, rng));
        const c = checkSolution(p, r);
        prompts.push(controlPrompt(p, width, CONTROL.careful));
        responses.push(r);
        skip[i] = c.firstWrong >= 0 ? c.steps[c.firstWrong].end + 1 : 0;
      } else if (i % 4 === 1 && own.length) {
        const { p, r } = own[rng.int(own.length)];
        prompts.push(controlPrompt(p, width, CONTROL.careless));
        responses.push(r);
      } else {
        const p = problems[rng.int(problems.length)];
        prompts.push(controlPrompt(p, width, CONTROL.careless));
        responses.push(encode(sftSolution(p, careless, rng)));
      }
    }
    const { tokens, mask: full, L } = batchTensors(prompts, responses);
    const m = full.arraySync() as number[][];
    skip.forEach((n, b) => m[b].fill(0, 0, Math.min(n, L)));
    const mask = tf.tensor2d(m);
    losses.push(clippedStep(opt, model.trainableVars(), () => nllLoss(model, tokens, mask, width + 1), 1).loss);
    tf.dispose([tokens, full, mask]);
  }
  opt.dispose();
  return losses;
}

/** r̂ per response token (rows trimmed to each response's length), from the conditioned model. */
export function contrastiveTokenRewards(model: GruModel, problems: Problem[], responses: number[][], width: number, controls: { careful: number; careless: number } = CONTROL): number[][] {
  if (!problems.length) return [];
  const logps = (ctrl: number) => {
    const { tokens, mask } = batchTensors(problems.map((p) => controlPrompt(p, width, ctrl)), responses);
    const lp = tf.tidy(() => model.responseLogProbs(tokens, width + 1).logp);
    const rows = lp.arraySync() as number[][];
    tf.dispose([tokens, mask, lp]);
    return rows;
  };
  const pos = logps(controls.careful);
  const neg = logps(controls.careless);
  return responses.map((r, b) => tregTokenRewards(pos[b].slice(0, r.length), neg[b].slice(0, r.length)));
}

/** Temperatures of the two readings for algo.treg.source 'confidence'. */
export const CONFIDENCE_TEMPERATURES = { sharp: 0.5, flat: 2 } as const;

/**
 * The confidence regulariser (algo.treg.source 'confidence'): σ(log π_{T=0.5}(y_t) − log π_{T=2}(y_t)) − 0.5 of
 * the frozen reference. With logits z, log π_T(y) = z_y/T − logsumexp(z/T), so the argument is
 * 1.5·log π(y_t) + c_t where c_t depends on the context only: at every position r̂ ranks tokens exactly by
 * the reference's own likelihood. It says how sure the reference is of a token, not whether a better writer
 * would have written it; no contrast between two conditions is involved.
 */
export function confidenceTokenRewards(model: GruModel, problems: Problem[], responses: number[][], width: number): number[][] {
  if (!problems.length) return [];
  const { tokens, mask } = batchTensors(problems.map((p) => encodePrompt(p, width)), responses);
  const [pos, neg] = tf.tidy(() => [CONFIDENCE_TEMPERATURES.sharp, CONFIDENCE_TEMPERATURES.flat].map((T) => model.responseLogProbs(tokens, width, T).logp.arraySync() as number[][]));
  tf.dispose([tokens, mask]);
  return responses.map((r, b) => tregTokenRewards(pos[b].slice(0, r.length), neg[b].slice(0, r.length)));
}

/**
 * The T-REG term α·Σ_pairs w·(L_REG(y_w) + L_REG(y_l)) / #pairs with L_REG = −β Σ_t r̂_t log π(y_t).
 * `rowWeight[b]` is w = σ(r_l − r_w) of the pair row b belongs to (0 outside pairs), computed from the
 * pre-update log-probs so it carries no gradient.
 */
export function tregPairLoss(logp: tf.Tensor2D, mask: tf.Tensor, rhat: tf.Tensor2D, rowWeight: tf.Tensor1D, beta: number, alpha: number, nPairs: number): tf.Scalar {
  return logp.mul(rhat).mul(rowWeight.expandDims(1)).mul(mask).sum().mul(-beta * alpha / Math.max(1, nPairs)) as tf.Scalar;
}

/**
 * A control for the contrastive r̂: what a careful writer who knows the answer would say. Tokens of
 * correct steps get σ(2) − 0.5, the first wrong step σ(−2) − 0.5, later tokens 0 (the error is already made).
 */
export function oracleTokenRewards(length: number, check: SolutionCheck): number[] {
  const r = new Array<number>(length).fill(0);
  const pos = sigmoid(2) - 0.5;
  for (let k = 0; k < check.steps.length; k++) {
    const s = check.steps[k];
    for (let t = s.start; t <= s.end && t < length; t++) r[t] = k === check.firstWrong ? -pos : pos;
    if (k === check.firstWrong) break;
  }
  return r;
}
