// Online DPO, optionally with T-REG's token-level regulariser:
//   Direct Preference Optimization: Your Language Model is Secretly a Reward Model — Rafailov et al., arXiv:2305.18290
//   T-REG: Preference Optimization with Token-Level Reward Regularization — Zhou et al., arXiv:2412.02685
//   From r to Q*: Your Language Model is Secretly a Q-Function — Rafailov et al., arXiv:2404.12358 (the
//     implicit per-token reward β·log(π/π_ref) this run shows as its credit)
// Each batch samples k responses per prompt; the best and the worst by the configured reward form a pair
// (ties give none) and the loss is −log σ(r_w − r_l) on r = β·log(π/π_ref), plus α·w·(L_REG(y_w) + L_REG(y_l)).
// Hyperparameters (cfg.algo): beta, promptsPerBatch, samplesPerPrompt, lr, gradClip, temperature, topK, epochs;
// treg: alpha, source (contrastive | confidence | oracle) and the conditioned model's iterations, batchSize, lr.
import * as tf from '@tensorflow/tfjs';
import type { RlhfRunConfig, RunContext } from '@creditlab/spec';
import { clippedStep } from './model';
import type { Problem } from './task';
import { mean } from './advantages';
import { dpoPairLoss, k3KlLoss } from './losses';
import { confidenceTokenRewards, contrastiveTokenRewards, oracleTokenRewards, tregPairLoss } from './treg';
import { sigmoid } from './dpo';
import { startRun } from './setup';
import { klShapedRewards, logProbs, lscCentring, rollout, rolloutTensors, toMatrix } from './rollout';
import { batchMetrics, evaluator, finishRun, logIteration, type RhatView } from './diagnostics';
import { checkpointer } from './checkpoint';

export async function trainDpo(ctx: RunContext, cfg: RlhfRunConfig): Promise<void> {
  const run = await startRun(ctx, cfg, { valueHead: false });
  if (!run) return;
  const { policy, ref, cond, W } = run;
  const a = cfg.algo;
  const k = a.samplesPerPrompt;
  const klInLoss = cfg.kl.coef > 0 && cfg.kl.in === 'loss';
  // T-REG's model-made r̂; the oracle source needs each response's step check instead.
  const rhatOf: ((ps: Problem[], rs: number[][]) => number[][]) | null =
    a.treg.alpha === 0 || a.treg.source === 'oracle'
      ? null
      : a.treg.source === 'confidence'
        ? (ps, rs) => confidenceTokenRewards(ref, ps, rs, W)
        : (ps, rs) => contrastiveTokenRewards(cond!, ps, rs, W);
  const rhat: RhatView | null =
    a.treg.alpha === 0 ? null : { source: a.treg.source, of: (ps, rs, checks) => (rhatOf ? rhatOf(ps, rs) : rs.map((r, i) => oracleTokenRewards(r.length, checks[i]))) };
  const opt = tf.train.adam(a.lr);
  const evaluate = evaluator(run, { implicitBeta: a.beta, rhat });
  const lsc = lscCentring(run);
  const ckpt = checkpointer(run, lsc, opt, null);

  const start = await ckpt.start(() => evaluate(0));
  for (let it = start; it < run.iterations && !ctx.cancelled(); it++) {
    const roll = rollout(run, lsc);
    const { problems, responses, scored } = roll;
    const B = problems.length;
    const { tokens, mask, L } = rolloutTensors(roll);
    // Pair rewards need log π and log π_ref of every response.
    const { oldLogp, refLogp } = await logProbs(run, tokens, { old: true, ref: true });
    const { kls } = klShapedRewards(cfg, scored, oldLogp, refLogp);
    const seqLogp = (rows: number[][], b: number) => rows[b].slice(0, responses[b].length).reduce((x, y) => x + y, 0);

    // ---- pairs: the best and the worst sample of each prompt by the configured reward; ties give no pair.
    const pairs: [number, number][] = [];
    const sc = (i: number) => scored[i].success + scored[i].processReturn;
    for (let g = 0; g < B; g += k) {
      let best = g, worst = g;
      for (let i = g + 1; i < g + k; i++) {
        if (sc(i) > sc(best)) best = i;
        if (sc(i) < sc(worst)) worst = i;
      }
      if (sc(best) > sc(worst)) pairs.push([best, worst]);
    }
    // Row-selection matrices [pairs, B] for the chosen and the rejected responses, and their log π_ref sums.
    const sel = (col: 0 | 1) => {
      const m = new Float32Array(pairs.length * B);
      pairs.forEach((p, i) => (m[i * B + p[col]] = 1));
      return tf.tensor2d(m, [pairs.length, B]);
    };
    const refSum = (col: 0 | 1) => tf.tensor1d(pairs.map((p) => seqLogp(refLogp!, p[col])));
    const refT = refLogp ? toMatrix(refLogp, L) : null;
    const dpoT = pairs.length ? { selW: sel(0), selL: sel(1), refW: refSum(0), refL: refSum(1) } : null;

    // ---- T-REG: r̂ of both responses of each pair, weighted by w = σ(r_l − r_w) from the pre-update
    // log-probs (DPO's own gradient weight, without a gradient through it).
    let tregT: { rhat: tf.Tensor2D; w: tf.Tensor1D } | null = null;
    let tregW = 0;
    if (dpoT && a.treg.alpha > 0) {
      const rows = pairs.flat();
      const rh =
        a.treg.source === 'oracle'
          ? rows.map((b) => oracleTokenRewards(responses[b].length, scored[b].check))
          : rhatOf!(rows.map((b) => problems[b]), rows.map((b) => responses[b]));
      const full = responses.map(() => [] as number[]);
      rows.forEach((b, i) => (full[b] = rh[i]));
      const seqR = (b: number) => a.beta * (seqLogp(oldLogp!, b) - seqLogp(refLogp!, b));
      const w = new Float32Array(B);
      for (const [bw, bl] of pairs) w[bw] = w[bl] = sigmoid(seqR(bl) - seqR(bw));
      tregW = pairs.reduce((acc, [bw]) => acc + w[bw], 0) / pairs.length;
      tregT = { rhat: toMatrix(full, L), w: tf.tensor1d(w) };
    }

    // ---- update: the pairs span the whole batch, so it is never split into minibatches.
    let dpoMargin = 0, lastPolicy = 0, lastLoss = 0, gradNorm = 0;
    for (let ep = 0; ep < (dpoT ? a.epochs : 0); ep++) {
      const kept: tf.Scalar[] = [];
      const step = tf.tidy(() =>
        clippedStep(
          opt,
          policy.trainableVars(),
          () => {
            const out = policy.responseLogProbs(tokens, W);
            const d = dpoPairLoss(out.logp, mask, dpoT!.selW, dpoT!.selL, dpoT!.refW, dpoT!.refL, a.beta);
            let pl = d.loss;
            if (tregT) pl = pl.add(tregPairLoss(out.logp, mask, tregT.rhat, tregT.w, a.beta, a.treg.alpha, pairs.length));
            const margin = tf.keep(d.margin.mean() as tf.Scalar);
            let loss = pl;
            if (klInLoss) loss = loss.add(k3KlLoss(out.logp, refT!, mask).mul(cfg.kl.coef));
            kept.push(tf.keep(pl.clone()), margin);
            return loss as tf.Scalar;
          },
          a.gradClip,
        ),
      );
      lastLoss = step.loss;
      gradNorm = step.gradNorm;
      lastPolicy = kept[0].dataSync()[0];
      dpoMargin = kept[1].dataSync()[0];
      tf.dispose(kept);
    }
    tf.dispose([tokens, mask, refT].filter((x): x is tf.Tensor2D => x !== null));
    if (dpoT) tf.dispose(Object.values(dpoT));
    if (tregT) tf.dispose([tregT.rhat, tregT.w]);

    const metrics = batchMetrics(run, roll, performance.now(), { loss: lastLoss, gradNorm });
    metrics['losses/policy'] = lastPolicy;
    metrics['losses/dpo'] = lastPolicy;
    metrics['train/pairs'] = pairs.length;
    if (pairs.length) metrics['rewards/margins'] = dpoMargin;
    if (tregT) metrics['treg/weight'] = tregW;
    metrics['train/kl'] = metrics['objective/kl'] = mean(kls);
    logIteration(run, it, metrics, evaluate);
    await ckpt.maybeSave(it);
  }
  finishRun(run, evaluate);
  opt.dispose();
  run.dispose();
}
