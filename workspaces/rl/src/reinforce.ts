// REINFORCE with a learned state-value baseline.
//   Williams (1992), "Simple Statistical Gradient-Following Algorithms for Connectionist Reinforcement
//   Learning", Machine Learning 8:229–256; the baseline b(s) = V(s) as in Sutton & Barto (2018), §13.4.
// Each update collects one complete episode from each of numEnvs env copies (the batch is numEnvs
// episodes, all from the current policy), computes Monte-Carlo returns G_t, and takes one Adam step on
//   −mean(log π(a_t|s_t)·(G_t − b(s_t))) + vfCoef·½·mean((G_t − b(s_t))²) − entCoef·mean(H).
// The advantage uses b(s_t) evaluated before the step, so no gradient flows from the policy term into b.
// A time-limit truncation starts the return from b(final obs) instead of 0 (bootstrapTruncated), so the
// arbitrary cut does not look like a terminal state. If the budget runs out mid-batch, the unfinished
// episodes are dropped (their steps still count against the budget).
import * as tf from '@tensorflow/tfjs';
import { ReinforceConfigSchema, type RunContext } from '@creditlab/spec';
import { ActorCritic } from './actor-critic';
import { assertFiniteLosses, clipByGlobalNorm, exportVariables, explainedVariance, finiteMetrics, normalizeInPlace } from './nets';
import { beginRlRun, recordCompute, yieldToEventLoop } from './ppo';
import { Evaluator } from './evaluate';
import type { TrainOptions } from './shaping';
import { VectorEnv, transitionOf } from './vec-env';
import { fromSnapshot, loadTfState, maybeSaveResume, restoreInto, resumeState, saveTfState, type TfState } from './resume';

/** Discounted returns of one episode; `tail` is the value the return starts from after the last reward. */
export function discountedReturns(rewards: ArrayLike<number>, gamma: number, tail = 0): Float32Array {
  const out = new Float32Array(rewards.length);
  let g = tail;
  for (let t = rewards.length - 1; t >= 0; t--) {
    g = rewards[t] + gamma * g;
    out[t] = g;
  }
  return out;
}

export async function trainReinforce(ctx: RunContext, opts: TrainOptions = {}): Promise<void> {
  const { cfg, args, backend, shapeReward, seed, rng } = await beginRlRun(ctx, opts, ReinforceConfigSchema);
  recordCompute(ctx, backend, 'fused kernels exist for ppo only');
  const policyRng = rng.fork('policy');
  const budget = ctx.run.budget.steps;

  const N = args.numEnvs;
  const vec = new VectorEnv(cfg.env, N, seed, { log: (m) => ctx.info(m) });
  const agent = new ActorCritic(vec.obsDim, vec.actionSpace, args.hiddenSizes, rng.fork('init'), 'reinforce');
  const optimizer = tf.train.adam(args.learningRate, 0.9, 0.999, 1e-8);
  const D = vec.obsDim;
  const W = agent.discrete ? 1 : agent.actDim;
  ctx.info(`reinforce on ${cfg.env.id}: ${N} episodes per update, ${budget} steps, seed ${seed}`);

  let globalStep = 0;
  const evaluator = new Evaluator(ctx, cfg);
  const evalRng = rng.fork('eval-policy');
  const evalPolicy = agent.batchPolicy(evalRng);

  // Resume: weights and Adam's state, generators, envs, the reward pipeline, counters.
  const saveState = async () => ({
    algo: 'reinforce',
    globalStep,
    vec,
    rngs: { policy: policyRng, evalPolicy: evalRng },
    evaluator: evaluator.saveState(),
    tf: await saveTfState(agent.vars, optimizer as tf.AdamOptimizer),
    reward: opts.rewardState?.save() ?? null,
  });
  const saved = resumeState(ctx, 'reinforce');
  if (saved) {
    restoreInto(vec, saved.vec);
    restoreInto({ policy: policyRng, evalPolicy: evalRng }, saved.rngs);
    evaluator.loadState(fromSnapshot(saved.evaluator) as number);
    await loadTfState(agent.vars, optimizer as tf.AdamOptimizer, fromSnapshot(saved.tf) as TfState);
    if (saved.reward !== null) opts.rewardState?.load(saved.reward);
    globalStep = fromSnapshot(saved.globalStep) as number;
  }
  const startStep = globalStep;
  const start = performance.now();
  try {
    while (globalStep < budget) {
      if (ctx.cancelled()) {
        ctx.info(`reinforce: cancelled at step ${globalStep}`);
        return;
      }
      // Expected number of updates is unknown up front, so annealing runs on the fraction of budget used.
      const lr = args.annealLr ? (1 - globalStep / budget) * args.learningRate : args.learningRate;
      (optimizer as unknown as { learningRate: number }).learningRate = lr;

      // ---- one episode per env copy ----
      const obs: number[][] = Array.from({ length: N }, () => []);
      const actions: number[][] = Array.from({ length: N }, () => []);
      const rewards: number[][] = Array.from({ length: N }, () => []);
      const tail = new Float64Array(N);
      const truncObs = new Float32Array(N * D);
      const truncated = new Uint8Array(N);
      const active = new Uint8Array(N).fill(1);
      vec.resetAll();
      agent.refreshLogStd();
      let running = N;
      const stepping = new Uint8Array(N);
      const stepActions: (number | Float64Array | undefined)[] = new Array(N);
      const sampled: (number | Float64Array)[] = new Array(N);
      const before: Float64Array[] = new Array(N);
      while (running > 0 && globalStep < budget) {
        const out = agent.evaluate(vec.obsBatch, N);
        // The copies still in their episode step together, as many as the budget has room for.
        let room = budget - globalStep;
        stepActions.fill(undefined);
        for (let e = 0; e < N; e++) {
          stepping[e] = active[e] && room > 0 ? 1 : 0;
          if (!stepping[e]) continue;
          room--;
          const { action, envAction } = agent.sample(out, e, policyRng);
          sampled[e] = action;
          stepActions[e] = envAction;
          before[e] = vec.obs(e);
          for (let k = 0; k < D; k++) obs[e].push(vec.obsBatch[e * D + k]);
        }
        const steps = vec.stepAll(stepActions, stepping);
        for (let e = 0; e < N; e++) {
          if (!stepping[e]) continue;
          const action = sampled[e];
          const r = steps[e]!;
          rewards[e].push(shapeReward(transitionOf(before[e], action, r, e, globalStep)));
          globalStep++;
          if (typeof action === 'number') actions[e].push(action);
          else for (const a of action) actions[e].push(a);
          if (r.episode) {
            ctx.log(globalStep, { 'charts/episodic_return': r.episode.return, 'charts/episodic_length': r.episode.length });
            active[e] = 0;
            running--;
            if (r.truncated && !r.terminated && args.bootstrapTruncated) {
              truncObs.set(r.finalInput!, e * D);
              truncated[e] = 1;
            }
          }
        }
      }
      const done = Array.from({ length: N }, (_, e) => e).filter((e) => !active[e]);
      ctx.progress(globalStep);
      if (done.length === 0) break;

      // ---- returns, baseline, advantages ----
      if (truncated.some((t) => t)) {
        const v = agent.values(truncObs, N);
        for (const e of done) if (truncated[e]) tail[e] = v[e];
      }
      const B = done.reduce((n, e) => n + rewards[e].length, 0);
      const bObs = new Float32Array(B * D);
      const bActions = new Float32Array(B * W);
      const bReturns = new Float32Array(B);
      let row = 0;
      for (const e of done) {
        bObs.set(obs[e], row * D);
        bActions.set(actions[e], row * W);
        bReturns.set(discountedReturns(rewards[e], args.gamma, tail[e]), row);
        row += rewards[e].length;
      }
      const baseline = agent.values(bObs, B);
      const adv = new Float32Array(B);
      for (let i = 0; i < B; i++) adv[i] = bReturns[i] - baseline[i];
      if (args.normAdv) normalizeInPlace(adv);

      // ---- one gradient step ----
      const out = tf.tidy(() => {
        const x = tf.tensor2d(bObs, [B, D]);
        const acts = agent.discrete ? tf.tensor1d(bActions) : tf.tensor2d(bActions, [B, W]);
        const advT = tf.tensor1d(adv);
        const ret = tf.tensor1d(bReturns);
        const kept: { stats?: tf.Tensor } = {};
        const { grads } = tf.variableGrads(() => {
          const { pi, value } = agent.forward(x);
          const { logProb, entropy } = agent.logProbEntropy(pi, acts);
          const pgLoss = tf.neg(tf.mean(tf.mul(advT, logProb)));
          const vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(ret, value))));
          const entLoss = tf.mean(entropy);
          kept.stats = tf.keep(tf.stack([pgLoss, vLoss, entLoss]));
          return tf.add(tf.sub(pgLoss, tf.mul(args.entCoef, entLoss)), tf.mul(args.vfCoef, vLoss)) as tf.Scalar;
        }, agent.vars);
        if (args.maxGradNorm !== null) optimizer.applyGradients(clipByGlobalNorm(grads, args.maxGradNorm).grads);
        else optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
        return kept.stats!;
      });
      const stats = out.dataSync();
      out.dispose();
      assertFiniteLosses(globalStep, { 'the value loss': stats[1], 'the policy loss': stats[0] });
      ctx.log(
        globalStep,
        finiteMetrics({
          'charts/learning_rate': lr,
          'losses/policy_loss': stats[0],
          'losses/value_loss': stats[1],
          'losses/entropy': stats[2],
          'losses/explained_variance': explainedVariance(baseline, bReturns),
          'charts/SPS': (globalStep - startStep) / ((performance.now() - start) / 1000),
        }),
      );
      evaluator.maybeRun(globalStep, evalPolicy);
      await maybeSaveResume(ctx, globalStep, globalStep >= budget, saveState);
      await yieldToEventLoop();
    }
    ctx.checkpoint(globalStep, {
      algo: 'reinforce',
      obsDim: vec.obsDim,
      actionSpace: vec.actionSpace,
      hiddenSizes: args.hiddenSizes,
      weights: exportVariables(agent.vars),
    });
  } finally {
    agent.dispose();
    optimizer.dispose();
    evaluator.close();
    vec.close();
  }
}
