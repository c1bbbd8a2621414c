// PPO with a value head on the token-level MDP:
//   Proximal Policy Optimization Algorithms — Schulman et al., arXiv:1707.06347
//   High-Dimensional Continuous Control Using Generalized Advantage Estimation — Schulman et al., arXiv:1506.02438
//   Fine-Tuning Language Models from Human Preferences — Ziegler et al., arXiv:1909.08593 (per-token KL penalty)
//   MA-RLHF: Reinforcement Learning from Human Feedback with Macro Actions — Chai et al., arXiv:2410.02743
//     (optional macro actions: GAE over n-grams, reasoning steps or perplexity segments; macro.ts)
// Hyperparameters (cfg.algo): promptsPerBatch, samplesPerPrompt, lr, gradClip, temperature, topK, gamma, lambda,
// clipEps, valueClip, vfCoef, epochs, minibatches, macro; cfg.kl: coef, estimator, in (reward|loss).
import * as tf from '@tensorflow/tfjs';
import type { RlhfRunConfig, RunContext } from '@creditlab/spec';
import { clippedStep } from './model';
import { TOK } from './task';
import { gae, mean, std } from './advantages';
import { k3KlLoss, ppoPolicyLoss, valueLoss } from './losses';
import { delimiterMacros, fixedMacros, macroGae, perplexityMacros } from './macro';
import { startRun } from './setup';
import { klShapedRewards, logProbs, lscCentring, rollout, rolloutTensors, toMatrix } from './rollout';
import { batchMetrics, evaluator, finishRun, logIteration } from './diagnostics';
import { checkpointer } from './checkpoint';

export async function trainPpo(ctx: RunContext, cfg: RlhfRunConfig): Promise<void> {
  const run = await startRun(ctx, cfg, { valueHead: true });
  if (!run) return;
  const { policy, W } = run;
  const a = cfg.algo;
  const macroRule = a.macro.termination;
  const klInLoss = cfg.kl.coef > 0 && cfg.kl.in === 'loss';
  const opt = tf.train.adam(a.lr);
  const evaluate = evaluator(run, { implicitBeta: null, rhat: null });
  const lsc = lscCentring(run);
  const ckpt = checkpointer(run, lsc, opt, null);

  const start = await ckpt.start(() => evaluate(0));
  for (let it = start; it < run.iterations && !ctx.cancelled(); it++) {
    const roll = rollout(run, lsc);
    const B = roll.problems.length;
    const { tokens, mask, L } = rolloutTensors(roll);
    // log π_ref is read when the KL is penalised, for perplexity macros, and on evaluation iterations.
    const logKl = cfg.kl.coef > 0 || macroRule === 'ppl' || (it + 1) % cfg.evaluation.every === 0;
    const { oldLogp, refLogp, oldValues } = await logProbs(run, tokens, { old: true, ref: logKl });
    const { rewards, kls } = klShapedRewards(cfg, roll.scored, oldLogp, refLogp);

    // ---- advantages: GAE(γ, λ) on the value head's V, per token or per macro action; batch-normalised.
    const g = rewards.map((r, b) => {
      const v = oldValues![b].slice(0, r.length);
      if (macroRule === 'none') return gae(r, v, a.gamma, a.lambda);
      const macros =
        macroRule === 'fixed'
          ? fixedMacros(r.length, a.macro.n)
          : macroRule === 'step'
            ? delimiterMacros(roll.responses[b], [TOK.SEMI, TOK.END])
            : perplexityMacros(refLogp![b].slice(0, r.length).map((l) => Math.exp(-l)));
      return macroGae(r, v, macros, a.gamma, a.lambda, a.macro.weighting);
    });
    const rets = g.map((x) => x.returns);
    const flat = g.flatMap((x) => x.advantages);
    const m = mean(flat), s = std(flat, false);
    const adv = g.map((x) => x.advantages.map((v) => (v - m) / (s + 1e-8)));

    // ---- update: epochs × minibatches of the clipped surrogate plus the clipped value loss
    const advT = toMatrix(adv, L);
    const oldT = toMatrix(oldLogp!, L);
    const refT = refLogp ? toMatrix(refLogp, L) : null;
    const oldVT = toMatrix(oldValues!, L);
    const retT = toMatrix(rets, L);
    let lastPolicy = 0, lastValue = 0, lastLoss = 0, gradNorm = 0;
    const mbSize = Math.ceil(B / a.minibatches);
    for (let ep = 0; ep < a.epochs; ep++) {
      for (let s0 = 0; s0 < B; s0 += mbSize) {
        const n = Math.min(mbSize, B - s0);
        const sl = (t: tf.Tensor2D) => (n === B ? t : (t.slice([s0, 0], [n, t.shape[1]]) as tf.Tensor2D));
        const kept: tf.Scalar[] = [];
        const step = tf.tidy(() => {
          const tok = sl(tokens), mk = sl(mask), ad = sl(advT);
          return clippedStep(
            opt,
            policy.trainableVars(),
            () => {
              const out = policy.responseLogProbs(tok, W);
              const pl = ppoPolicyLoss(out.logp, sl(oldT), ad, mk, a.clipEps).loss;
              const vl = valueLoss(out.values!, sl(oldVT), sl(retT), mk, a.valueClip);
              let loss = pl.add(vl.mul(a.vfCoef));
              if (klInLoss) loss = loss.add(k3KlLoss(out.logp, sl(refT!), mk).mul(cfg.kl.coef));
              kept.push(tf.keep(pl.clone()), tf.keep(vl.clone()));
              return loss as tf.Scalar;
            },
            a.gradClip,
          );
        });
        lastLoss = step.loss;
        gradNorm = step.gradNorm;
        lastPolicy = kept[0].dataSync()[0];
        lastValue = kept[1].dataSync()[0];
        tf.dispose(kept);
      }
    }
    tf.dispose([tokens, mask, advT, oldT, refT, oldVT, retT].filter((x): x is tf.Tensor2D => x !== null));

    const metrics = batchMetrics(run, roll, performance.now(), { loss: lastLoss, gradNorm });
    metrics['losses/policy'] = lastPolicy;
    metrics['losses/value'] = lastValue;
    if (oldLogp && refLogp) metrics['train/kl'] = metrics['objective/kl'] = mean(kls);
    logIteration(run, it, metrics, evaluate);
    await ckpt.maybeSave(it);
  }
  finishRun(run, evaluate);
  opt.dispose();
  run.dispose();
}
