// Critic-free policy gradients on the token-level MDP, one update per batch of k samples per prompt:
//   Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human Feedback in LLMs —
//     Ahmadian et al., arXiv:2402.14740 (RLOO: each sample's baseline is the mean of the other k−1)
//   DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models — Shao et al.,
//     arXiv:2402.03300 (GRPO: group mean baseline, divided by the group std; clipped ratio over epochs)
//   REINFORCE: the batch-mean baseline.
// Hyperparameters (cfg.algo): promptsPerBatch, samplesPerPrompt (k), lr, gradClip, temperature, topK, gamma,
// advantageScale (rloo/reinforce), epochs/minibatches/clipEps (grpo); cfg.kl: coef, estimator, in (reward|loss).
import * as tf from '@tensorflow/tfjs';
import type { RlhfRunConfig, RunContext } from '@creditlab/spec';
import { PolicyGradientStep, clippedStep } from './model';
import { returnsToGo } from './process-reward';
import { looBaseline, mean, std } from './advantages';
import { k3KlLoss, pgLoss, ppoPolicyLoss } from './losses';
import { startRun } from './setup';
import { klShapedRewards, logProbs, lscCentring, rollout, rolloutTensors, toMatrix } from './rollout';
import { batchMetrics, evaluator, finishRun, logIteration } from './diagnostics';
import { checkpointer } from './checkpoint';

export async function trainPolicyGradient(ctx: RunContext, cfg: RlhfRunConfig): Promise<void> {
  const run = await startRun(ctx, cfg, { valueHead: false });
  if (!run) return;
  const { policy, W } = run;
  const a = cfg.algo;
  const k = a.samplesPerPrompt;
  const klInLoss = cfg.kl.coef > 0 && cfg.kl.in === 'loss';
  const opt = tf.train.adam(a.lr);
  // The plain loss (one epoch, one minibatch, no KL term in it) on the fused path is one fused update: head,
  // loss, backward and Adam without tfjs ops (fused-update.ts).
  const plainPg = a.epochs === 1 && a.minibatches === 1 && !klInLoss;
  const pgStep = plainPg && policy.impl === 'fused' ? new PolicyGradientStep(policy, a.lr, a.gradClip) : null;
  // GRPO over several epochs or minibatches optimises the clipped ratio to the pre-update policy.
  const needOld = a.type === 'grpo' && (a.epochs > 1 || a.minibatches > 1);
  const clipped = a.epochs > 1 || a.minibatches > 1;
  const evaluate = evaluator(run, { implicitBeta: null, rhat: null });
  const lsc = lscCentring(run);
  const ckpt = checkpointer(run, lsc, opt, pgStep);

  const start = await ckpt.start(() => evaluate(0));
  for (let it = start; it < run.iterations && !ctx.cancelled(); it++) {
    const roll = rollout(run, lsc);
    const B = roll.problems.length;
    const { tokens, mask, L } = rolloutTensors(roll);
    // log π and log π_ref are read when the KL is penalised and on evaluation iterations (for the logs).
    const logKl = cfg.kl.coef > 0 || (it + 1) % cfg.evaluation.every === 0;
    const { oldLogp, refLogp } = await logProbs(run, tokens, { old: needOld || logKl, ref: logKl });
    const { rewards, kls } = klShapedRewards(cfg, roll.scored, oldLogp, refLogp);

    // ---- advantages: return-to-go minus a baseline that depends only on the prompt and the other samples,
    // so the gradient stays unbiased.
    const G = rewards.map((r) => returnsToGo(r, a.gamma));
    const totals = G.map((g) => g[0] ?? 0);
    const base = a.type === 'reinforce' ? totals.map(() => mean(totals)) : a.type === 'grpo' ? groupMeans(totals, k) : looBaseline(totals, k);
    let adv = G.map((g, b) => g.map((v) => v - base[b]));
    if (a.type === 'grpo' || a.advantageScale === 'group-std') {
      const s = groupStds(totals, k);
      adv = adv.map((row, b) => row.map((v) => v / (s[b] + 1e-4)));
    } else if (a.advantageScale === 'batch-std') {
      const s = std(adv.flat(), false);
      adv = adv.map((row) => row.map((v) => v / (s + 1e-8)));
    }

    // ---- update
    let lastPolicy = 0, lastLoss = 0, gradNorm = 0;
    if (pgStep) {
      const s = pgStep.step(roll.prompts, roll.responses, adv, W);
      lastLoss = lastPolicy = s.loss;
      gradNorm = s.gradNorm;
    }
    const advT = toMatrix(adv, L);
    const oldT = oldLogp ? toMatrix(oldLogp, L) : null;
    const refT = refLogp ? toMatrix(refLogp, L) : null;
    const mbSize = Math.ceil(B / a.minibatches);
    for (let ep = 0; ep < (pgStep ? 0 : a.epochs); ep++) {
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
              const pl = clipped && oldT ? ppoPolicyLoss(out.logp, sl(oldT), ad, mk, a.clipEps).loss : pgLoss(out.logp, ad, mk);
              let loss = pl;
              if (klInLoss) loss = loss.add(k3KlLoss(out.logp, sl(refT!), mk).mul(cfg.kl.coef));
              kept.push(tf.keep(pl.clone()));
              return loss as tf.Scalar;
            },
            a.gradClip,
          );
        });
        lastLoss = step.loss;
        gradNorm = step.gradNorm;
        lastPolicy = kept[0].dataSync()[0];
        tf.dispose(kept);
      }
    }
    tf.dispose([tokens, mask, advT, oldT, refT].filter((x): x is tf.Tensor2D => x !== null));

    const metrics = batchMetrics(run, roll, performance.now(), { loss: lastLoss, gradNorm });
    metrics['losses/policy'] = lastPolicy;
    if (oldLogp && refLogp) metrics['train/kl'] = metrics['objective/kl'] = mean(kls);
    logIteration(run, it, metrics, evaluate);
    await ckpt.maybeSave(it);
  }
  finishRun(run, evaluate);
  opt.dispose();
  pgStep?.dispose();
  run.dispose();
}

function groupMeans(xs: number[], k: number): number[] {
  return xs.map((_, i) => mean(xs.slice(i - (i % k), i - (i % k) + k)));
}
function groupStds(xs: number[], k: number): number[] {
  return xs.map((_, i) => std(xs.slice(i - (i % k), i - (i % k) + k)));
}
