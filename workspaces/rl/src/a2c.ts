// Advantage Actor-Critic: the synchronous, batched variant of A3C.
//   Mnih, Badia, Mirza, Graves, Lillicrap, Harley, Silver, Kavukcuoglu (2016),
//   "Asynchronous Methods for Deep Reinforcement Learning", arXiv:1602.01783.
// One gradient step per rollout of numSteps × numEnvs transitions (the paper's t_max-step returns with
// parallel actors; here the actors are synchronous copies, as in OpenAI Baselines and Stable-Baselines3).
// Defaults and loss follow SB3's A2C: gaeLambda = 1 (plain n-step advantage), value loss = MSE(R, V)
// without the ½, RMSprop with eps added outside the square root (PyTorch's convention; tfjs's own
// RMSprop puts it inside, which for eps = 1e-5 acts like a much larger damping, so it is written out here).
// Shares the rollout (auto-reset, truncation bootstrap, reward shaping seam) and GAE with ppo.ts.
import * as tf from '@tensorflow/tfjs';
import { A2cConfigSchema, type RunContext } from '@creditlab/spec';
import { ActorCritic } from './actor-critic';
import { assertFiniteLosses, clipByGlobalNorm, exportVariables, explainedVariance, finiteMetrics, normalizeInPlace, variableFrom } from './nets';
import { beginRlRun, recordCompute, collectRollout, computeGae, RolloutBuffer, yieldToEventLoop, type RolloutState } from './ppo';
import { Evaluator } from './evaluate';
import type { TrainOptions } from './shaping';
import { VectorEnv } from './vec-env';
import { fromSnapshot, loadTfState, maybeSaveResume, restoreInto, resumeState, saveTfState, type TfState } from './resume';

/** Loss metrics are logged every this many updates (an update is only numEnvs × numSteps env steps). */
const LOG_EVERY = 100;

export async function trainA2c(ctx: RunContext, opts: TrainOptions = {}): Promise<void> {
  const { cfg, args, backend, shapeRewards, seed, rng } = await beginRlRun(ctx, opts, A2cConfigSchema);
  recordCompute(ctx, backend, 'fused kernels exist for ppo only');

  const vec = new VectorEnv(cfg.env, args.numEnvs, seed, { log: (m) => ctx.info(m) });
  const agent = new ActorCritic(vec.obsDim, vec.actionSpace, args.hiddenSizes, rng.fork('init'), 'a2c');
  const squareAvg = agent.vars.map((v) => variableFrom(tf.zerosLike(v), undefined, false));
  const batchSize = args.numEnvs * args.numSteps;
  const numIterations = Math.max(1, Math.floor(ctx.run.budget.steps / batchSize));
  ctx.info(`a2c on ${cfg.env.id}: ${numIterations} updates × ${batchSize} steps, seed ${seed}`);

  const buf = new RolloutBuffer(args.numSteps, args.numEnvs, vec.obsDim, agent);
  const state: RolloutState = {
    vec,
    agent,
    rng: rng.fork('policy'),
    shapeRewards,
    shapeRollout: opts.shapeRollout,
    gamma: args.gamma,
    bootstrapTruncated: args.bootstrapTruncated,
    globalStep: 0,
    ctx,
  };
  const D = vec.obsDim;
  const W = buf.actWidth;
  const evaluator = new Evaluator(ctx, cfg);
  const evalRng = rng.fork('eval-policy');
  const evalPolicy = agent.batchPolicy(evalRng);

  // Resume: weights and RMSprop's running squares, generators, envs, the reward pipeline, counters.
  const saveState = async (iteration: number) => ({
    algo: 'a2c',
    iteration,
    globalStep: state.globalStep,
    vec,
    rngs: { policy: state.rng, evalPolicy: evalRng },
    evaluator: evaluator.saveState(),
    tf: await saveTfState([...agent.vars, ...squareAvg], null),
    reward: opts.rewardState?.save() ?? null,
  });
  let firstIteration = 1;
  const saved = resumeState(ctx, 'a2c');
  if (saved) {
    restoreInto(vec, saved.vec);
    restoreInto({ policy: state.rng, evalPolicy: evalRng }, saved.rngs);
    evaluator.loadState(fromSnapshot(saved.evaluator) as number);
    await loadTfState([...agent.vars, ...squareAvg], null, fromSnapshot(saved.tf) as TfState);
    if (saved.reward !== null) opts.rewardState?.load(saved.reward);
    state.globalStep = fromSnapshot(saved.globalStep) as number;
    firstIteration = (fromSnapshot(saved.iteration) as number) + 1;
  }
  const startStep = state.globalStep;
  const start = performance.now();

  try {
    for (let iteration = firstIteration; iteration <= numIterations; iteration++) {
      if (ctx.cancelled()) {
        ctx.info(`a2c: cancelled at step ${state.globalStep}`);
        return;
      }
      const lr = args.annealLr ? (1 - (iteration - 1) / numIterations) * args.learningRate : args.learningRate;
      collectRollout(state, buf);
      const { advantages, returns } = computeGae({
        rewards: buf.rewards,
        values: buf.values,
        dones: buf.dones,
        lastValues: buf.lastValues,
        numSteps: args.numSteps,
        numEnvs: args.numEnvs,
        gamma: args.gamma,
        lambda: args.gaeLambda,
      });
      if (args.normAdv) normalizeInPlace(advantages);

      const out = tf.tidy(() => {
        const x = tf.tensor2d(buf.obs, [batchSize, D]);
        const acts = agent.discrete ? tf.tensor1d(buf.actions) : tf.tensor2d(buf.actions, [batchSize, W]);
        const adv = tf.tensor1d(advantages);
        const ret = tf.tensor1d(returns);
        const kept: { stats?: tf.Tensor } = {};
        const { grads } = tf.variableGrads(() => {
          const { pi, value } = agent.forward(x);
          const { logProb, entropy } = agent.logProbEntropy(pi, acts);
          const pgLoss = tf.neg(tf.mean(tf.mul(adv, logProb)));
          const vLoss = tf.mean(tf.square(tf.sub(ret, value)));
          const entLoss = tf.mean(entropy);
          kept.stats = tf.keep(tf.stack([pgLoss, vLoss, entLoss]));
          return tf.add(tf.sub(pgLoss, tf.mul(args.entCoef, entLoss)), tf.mul(args.vfCoef, vLoss)) as tf.Scalar;
        }, agent.vars);
        const clipped = clipByGlobalNorm(grads, args.maxGradNorm).grads as unknown as tf.NamedTensorMap;
        agent.vars.forEach((v, k) => {
          const g = clipped[v.name];
          const sq = tf.add(tf.mul(squareAvg[k], args.rmspropAlpha), tf.mul(tf.square(g), 1 - args.rmspropAlpha));
          squareAvg[k].assign(sq);
          v.assign(tf.sub(v, tf.div(tf.mul(g, lr), tf.add(tf.sqrt(sq), args.rmspropEps))));
        });
        return kept.stats!;
      });
      const stats = out.dataSync();
      out.dispose();
      assertFiniteLosses(state.globalStep, { 'the value loss': stats[1], 'the policy loss': stats[0] }, buf.rewards);

      if (iteration % LOG_EVERY === 0 || iteration === numIterations) {
        ctx.log(
          state.globalStep,
          finiteMetrics({
            'charts/learning_rate': lr,
            'losses/policy_loss': stats[0],
            'losses/value_loss': stats[1],
            'losses/entropy': stats[2],
            'losses/explained_variance': explainedVariance(buf.values, returns),
            'charts/SPS': (state.globalStep - startStep) / ((performance.now() - start) / 1000),
          }),
        );
      }
      ctx.progress(state.globalStep);
      evaluator.maybeRun(state.globalStep, evalPolicy);
      await maybeSaveResume(ctx, state.globalStep, iteration === numIterations, () => saveState(iteration));
      if (iteration % 10 === 0) await yieldToEventLoop();
    }
    ctx.checkpoint(state.globalStep, {
      algo: 'a2c',
      obsDim: vec.obsDim,
      actionSpace: vec.actionSpace,
      hiddenSizes: args.hiddenSizes,
      weights: exportVariables(agent.vars),
    });
  } finally {
    agent.dispose();
    for (const v of squareAvg) v.dispose();
    evaluator.close();
    vec.close();
  }
}
