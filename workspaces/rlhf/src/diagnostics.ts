// What a trainer logs besides its losses: greedy held-out evaluation with a few solutions and their per-token
// credit for the UI, the credit AUROC on a shared set of wrong SFT answers (credit-auroc.ts), the batch's
// train metrics, and the closing summary.
import * as tf from '@tensorflow/tfjs';
import { hashValue } from '@creditlab/common';
import { join } from 'node:path';
import { batchTensors } from './model';
import { evaluatePolicy } from './evaluate';
import { decode, encodePrompt, promptOf, type Problem, type SolutionCheck } from './task';
import { returnsToGo } from './process-reward';
import { mean } from './advantages';
import { baselineCredits, creditAuroc, sampleCreditSet, tokenLogProbs, type CreditSet } from './credit-auroc';
import { cacheDir, sftCacheKey, type RlhfRun } from './setup';
import { scoreBatch, type Rollout, type Scored } from './rollout';

/** T-REG's token rewards r̂ under its configured source, for the credit view (DPO with α > 0 only). */
export interface RhatView {
  source: string;
  of(problems: Problem[], responses: number[][], checks: SolutionCheck[]): number[][];
}

export interface EvalOptions {
  /** DPO has no explicit token rewards: its credit is the implicit reward β·log(π/π_ref) per token (r → Q*). */
  implicitBeta: number | null;
  rhat: RhatView | null;
}

export type Evaluate = (step: number) => ReturnType<typeof evaluatePolicy>;

/** Builds the run's evaluator; samples the shared credit set now (it is fixed for the whole run). */
export function evaluator(run: RlhfRun, opts: EvalOptions): Evaluate {
  const { ctx, cfg, task, W, evalSet, policy, ref, scorer } = run;
  const a = cfg.algo;

  // Per-token credit of each response under this run's method: the shaped token rewards, or DPO's implicit reward.
  const creditsOf = (problems: Problem[], responses: number[][]): Scored[] => {
    const all = scoreBatch(cfg, problems, responses, scorer);
    if (opts.implicitBeta !== null) {
      const beta = opts.implicitBeta;
      const { tokens, mask } = batchTensors(problems.map((p) => encodePrompt(p, W)), responses);
      const d = tf.tidy(() => policy.responseLogProbs(tokens, W).logp.sub(ref.responseLogProbs(tokens, W).logp).mul(beta));
      const rows = d.arraySync() as number[][];
      tf.dispose([tokens, mask, d]);
      all.forEach((s, i) => (s.tokenRewards = rows[i].slice(0, responses[i].length)));
    }
    return all;
  };

  // eval/credit_auroc: one set of wrong SFT answers per seed, shared by every arm (credit-auroc.ts).
  let creditSet: CreditSet | null = null;
  let fixedAurocs: Record<string, number> = {};
  if (cfg.evaluation.creditSamples > 0 && !ctx.cancelled()) {
    const key = hashValue({ v: 1, sft: sftCacheKey(cfg), seed: ctx.run.seed, problems: evalSet.map(promptOf), samples: cfg.evaluation.creditSamples, maxTokens: task.maxResponseTokens });
    creditSet = sampleCreditSet(ref, evalSet, {
      samples: cfg.evaluation.creditSamples,
      seed: ctx.run.seed,
      promptWidth: W,
      maxTokens: task.maxResponseTokens,
      cacheFile: cfg.sft.cache ? join(cacheDir(), `rlhf-credit-set-${key}.json`) : undefined,
    });
    const set = creditSet;
    const score = (credits: number[][]) => creditAuroc(credits.map((c, i) => ({ credits: c, check: set.checks[i] }))).auroc;
    for (const [name, credits] of Object.entries(baselineCredits(ref, set, W))) fixedAurocs[`eval/credit_auroc_baseline/${name}`] = score(credits);
    // How well this run's own r̂ ranks the first wrong step (fixed: r̂ comes from frozen models or the checker).
    const rh = opts.rhat ? opts.rhat.of(set.problems, set.responses, set.checks) : null;
    if (rh) fixedAurocs['eval/credit_auroc_rhat'] = score(rh);
    fixedAurocs['eval/credit_set_wrong_answers'] = set.responses.length;
    fixedAurocs = Object.fromEntries(Object.entries(fixedAurocs).filter(([, v]) => Number.isFinite(v)));
    ctx.info(`credit set: ${set.responses.length} wrong answers of ${evalSet.length * cfg.evaluation.creditSamples} SFT samples`);
  }
  const refCreditLogp = creditSet && opts.implicitBeta !== null ? tokenLogProbs(ref, creditSet, W) : null;
  // The run's current per-token credit on the shared set: DPO's implicit reward, else the shaped token rewards.
  const currentCreditAuroc = (): Record<string, number> => {
    if (!creditSet) return {};
    const set = creditSet;
    const credits = refCreditLogp
      ? tokenLogProbs(policy, set, W).map((row, i) => row.map((l, t) => opts.implicitBeta! * (l - refCreditLogp[i][t])))
      : scoreBatch(cfg, set.problems, set.responses, scorer).map((s) => s.tokenRewards);
    const r = creditAuroc(credits.map((c, i) => ({ credits: c, check: set.checks[i] })));
    return Number.isFinite(r.auroc) ? { 'eval/credit_auroc': r.auroc, ...fixedAurocs } : { ...fixedAurocs };
  };

  return (step: number) => {
    const e = evaluatePolicy(policy, evalSet, { promptWidth: W, maxTokens: task.maxResponseTokens });
    const all = creditsOf(evalSet, e.responses);
    const nShow = Math.min(cfg.evaluation.samples, evalSet.length);
    const rhat = opts.rhat ? opts.rhat.of(evalSet.slice(0, nShow), e.responses.slice(0, nShow), all.slice(0, nShow).map((s) => s.check)) : null;
    ctx.log(step, {
      ...currentCreditAuroc(),
      'eval/accuracy': e.accuracy,
      'eval/steps_per_solution': e.stepsPerSolution,
      'eval/repeat_fraction': e.repeatFraction,
      'eval/truncated_fraction': e.truncatedFraction,
      'eval/response_length': e.responseLength,
      'eval/step_correctness': e.stepCorrectness,
    });
    // A few greedy solutions with the reward each token receives under this run's method, for the credit view.
    for (let i = 0; i < nShow; i++) {
      const p = evalSet[i];
      const resp = e.responses[i];
      const s = all[i];
      ctx.sample(step, 'generation', {
        prompt: promptOf(p),
        response: decode(resp),
        tokens: resp.map((t) => decode([t])),
        // GenerationSample (workspaces/api): named per-token credit series for the UI's credit view.
        credits: {
          reward: s.tokenRewards,
          'return-to-go': returnsToGo(s.tokenRewards, a.gamma),
          ...(opts.implicitBeta !== null ? { dpo_implicit: s.tokenRewards } : {}),
          ...(rhat && opts.rhat ? { [`rhat_${opts.rhat.source}`]: rhat[i] } : {}),
        },
        stepEnds: s.check.steps.map((x) => x.end),
        stepCorrect: s.check.steps.map((x) => x.correct),
        correct: s.check.success,
        reward: s.tokenRewards.reduce((acc, r) => acc + r, 0),
        tokenCredits: s.tokenRewards,
        returns: returnsToGo(s.tokenRewards, a.gamma),
        success: s.check.success,
        firstWrongStep: s.check.firstWrong,
        steps: s.check.steps.map((x) => ({ text: x.text, start: x.start, end: x.end, correct: x.correct, repeat: x.repeat })),
      });
    }
    return e;
  };
}

/**
 * The batch's train metrics, in the order every trainer logs them. objective/process_return (proxy) and
 * train/success (truth) are the reward-hacking alarm's RLHF pair (workspaces/stats/src/hacking.ts): keep both
 * logged every iteration under these names. Also adds the batch to the run's tally.
 */
export function batchMetrics(run: RlhfRun, roll: Rollout, t2: number, u: { loss: number; gradNorm: number }): Record<string, number> {
  const { scored, responses, t0, t1 } = roll;
  const B = responses.length;
  run.tally.sampleSecs += (t1 - t0) / 1000;
  run.tally.updateSecs += (t2 - t1) / 1000;
  const nTok = responses.reduce((s, r) => s + r.length, 0);
  run.tally.tokens += nTok;
  const checks = scored.map((s) => s.check);
  const nSteps = checks.reduce((s, c) => s + c.steps.length, 0);
  return {
    'train/reward': mean(scored.map((s) => s.success + s.processReturn)),
    'objective/scores': mean(scored.map((s) => s.success)),
    'objective/process_return': mean(scored.map((s) => s.processReturn)),
    'train/success': mean(checks.map((c) => +c.success)),
    'train/steps_per_solution': nSteps / B,
    'train/repeat_fraction': nSteps ? checks.reduce((s, c) => s + c.steps.filter((x) => x.repeat).length, 0) / nSteps : 0,
    'train/truncated_fraction': mean(checks.map((c) => +!c.finished)),
    'train/response_length': nTok / B,
    'losses/total': u.loss,
    'train/grad_norm': u.gradNorm,
    'perf/tokens_per_second': nTok / ((t2 - t0) / 1000),
    'perf/sample_fraction': (t1 - t0) / (t2 - t0),
  };
}

/** Logs iteration it+1, evaluates on schedule (the final evaluation is `finishRun`'s). */
export function logIteration(run: RlhfRun, it: number, metrics: Record<string, number>, evaluate: Evaluate): void {
  run.ctx.log(it + 1, metrics);
  run.ctx.progress(it + 1);
  if ((it + 1) % run.cfg.evaluation.every === 0 && it + 1 < run.iterations) evaluate(it + 1);
}

/** The final evaluation (unless cancelled) and the run's one-line summary. */
export function finishRun(run: RlhfRun, evaluate: Evaluate): void {
  const { ctx, tally } = run;
  const done = ctx.cancelled() ? undefined : evaluate(run.iterations);
  const secs = tally.sampleSecs + tally.updateSecs;
  ctx.info(
    `RL: ${secs.toFixed(1)} s (sampling ${tally.sampleSecs.toFixed(1)} s), ${Math.round(tally.tokens / Math.max(1e-9, secs))} response tokens/s` +
      (done ? `; final greedy accuracy ${done.accuracy.toFixed(3)}, ${done.stepsPerSolution.toFixed(2)} steps` : ''),
  );
}
