// Proximal Policy Optimization with the clipped surrogate objective.
//   Schulman, Wolski, Dhariwal, Radford, Klimov (2017), "Proximal Policy Optimization Algorithms", arXiv:1707.06347.
//   GAE: Schulman, Moritz, Levine, Jordan, Abbeel (2016), arXiv:1506.02438.
// Structured after CleanRL's single-file ppo.py (Huang et al., 2022, "The 37 Implementation Details of PPO"):
// separate tanh actor/critic, orthogonal init, GAE, per-minibatch advantage normalisation, clipped value loss,
// entropy bonus, global grad-norm clipping, Adam(eps=1e-5) with linear LR annealing, optional target-KL stop.
//
// Differences from CleanRL, on purpose:
// - Time-limit truncations are bootstrapped: when an episode is cut by the time limit (truncated and not
//   terminated) γ·V(final obs) is added to that step's training reward, then the step is treated as an episode
//   end in GAE. CleanRL treats truncation as termination. `bootstrapTruncated: false` restores that.
// - Every env reward goes through `shapeReward` before it is stored; `charts/episodic_return` is always the
//   true env return.
// - Sampling happens in JS on the downloaded logits with the run's seeded Rng, so a seed fixes the run.
// Compute path (`compute` in the run config, resolved once at start and recorded with the run): discrete-action
// agents run rollouts and updates on fused kernels by default (fused.ts: plain JS around a WebAssembly SIMD
// matrix product), because at CleanRL's sizes tfjs's per-op engine overhead, not arithmetic, dominated
// (figures in bench/README.md). Box-action agents, and `compute: "tfjs"`, take the tf path: the rollout runs
// actor and critic for all env copies in one batched forward pass with one download per step, and the
// update's dense layers use a hand-written gradient (nets.ts) because wasm's transposed matMul and tanh were
// its dominant costs. test/fused.test.ts checks the two paths' losses, gradients and Adam step agree.
import * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import { Rng } from '@creditlab/common';
import { gemmKernel } from '@creditlab/common/gemm';
import { PpoConfigSchema, resolveCompute, type Compute, type RunContext, type RlRunConfig } from '@creditlab/spec';
import { ActorCritic } from './actor-critic';
import type { PpoLossConfig, PpoMinibatch } from './fused';
import { ensureBackend } from './backend';
import { adamOptimizer, assertFiniteLosses, clipByGlobalNorm, exportVariables, explainedVariance, finiteMetrics, normalizeInPlace, type AdamConfig } from './nets';
import { Evaluator } from './evaluate';
import { batchShaper, resolveShaper, type ShapeRewards, type ShapeRollout, type TrainOptions, type Transition } from './shaping';
import { VectorEnv, transitionOf } from './vec-env';
import { fromSnapshot, loadTfState, maybeSaveResume, restoreInto, resumeState, saveTfState, type TfState } from './resume';

// ---------------------------------------------------------------------------------------------------------
// GAE

export interface GaeInput {
  /** [numSteps * numEnvs], step-major: index t * numEnvs + e. */
  rewards: ArrayLike<number>;
  values: ArrayLike<number>;
  /** 1 where the transition at (t, e) ended its episode: no value flows back across it. */
  dones: ArrayLike<number>;
  /** V of the observation after the last stored step, per env. */
  lastValues: ArrayLike<number>;
  numSteps: number;
  numEnvs: number;
  gamma: number;
  lambda: number;
}

/** Â_t = δ_t + γλ(1−d_t)Â_{t+1}, δ_t = r_t + γ(1−d_t)V_{t+1} − V_t; returns R_t = Â_t + V_t. */
export function computeGae(p: GaeInput): { advantages: Float32Array; returns: Float32Array } {
  const { numSteps: T, numEnvs: N, gamma, lambda } = p;
  const advantages = new Float32Array(T * N);
  const returns = new Float32Array(T * N);
  for (let e = 0; e < N; e++) {
    let lastGae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + e;
      const nextValue = t === T - 1 ? p.lastValues[e] : p.values[i + N];
      const notDone = 1 - p.dones[i];
      const delta = p.rewards[i] + gamma * nextValue * notDone - p.values[i];
      lastGae = delta + gamma * lambda * notDone * lastGae;
      advantages[i] = lastGae;
      returns[i] = lastGae + p.values[i];
    }
  }
  return { advantages, returns };
}

// ---------------------------------------------------------------------------------------------------------
// Losses

/** L^CLIP as a loss: mean(max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε))). */
export function ppoClipLoss(ratio: tf.Tensor, advantages: tf.Tensor, clipCoef: number): tf.Scalar {
  const unclipped = tf.mul(tf.neg(advantages), ratio);
  const clipped = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - clipCoef, 1 + clipCoef));
  return tf.mean(tf.maximum(unclipped, clipped));
}

/** ½·mean(max((V−R)², (V_old + clip(V−V_old, ±ε) − R)²)), or ½·mean((V−R)²) unclipped. */
export function valueLoss(newValue: tf.Tensor, oldValue: tf.Tensor, returns: tf.Tensor, clipCoef: number | null): tf.Scalar {
  const unclipped = tf.square(tf.sub(newValue, returns));
  if (clipCoef === null) return tf.mul(0.5, tf.mean(unclipped));
  const vClipped = tf.add(oldValue, tf.clipByValue(tf.sub(newValue, oldValue), -clipCoef, clipCoef));
  return tf.mul(0.5, tf.mean(tf.maximum(unclipped, tf.square(tf.sub(vClipped, returns)))));
}

/**
 * PPO's loss on one minibatch as tfjs ops (the tf path; fused.ts computes the same in JS), and the
 * diagnostics [policy loss, value loss, entropy, old approx KL, approx KL, clip fraction]. Call inside a tape.
 */
export function ppoTfLoss(agent: ActorCritic, mb: PpoMinibatch, cfg: PpoLossConfig): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const x = tf.tensor2d(mb.obs, [mb.n, agent.obsDim]);
  const acts = agent.discrete ? tf.tensor1d(mb.actions) : tf.tensor2d(mb.actions, [mb.n, agent.actDim]);
  const { pi, value } = agent.forward(x);
  const { logProb, entropy } = agent.logProbEntropy(pi, acts);
  const logRatio = tf.sub(logProb, tf.tensor1d(mb.oldLogProbs));
  const ratio = tf.exp(logRatio);
  const pgLoss = ppoClipLoss(ratio, tf.tensor1d(mb.advantages), cfg.clipCoef);
  const vLoss = valueLoss(value, tf.tensor1d(mb.oldValues), tf.tensor1d(mb.returns), cfg.clipVloss ? cfg.clipCoef : null);
  const entLoss = tf.mean(entropy);
  const loss = tf.add(tf.sub(pgLoss, tf.mul(cfg.entCoef, entLoss)), tf.mul(cfg.vfCoef, vLoss)) as tf.Scalar;
  const oldApproxKl = tf.mean(tf.neg(logRatio));
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipfrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipCoef), 'float32'));
  return { loss, stats: tf.stack([pgLoss, vLoss, entLoss, oldApproxKl, approxKl, clipfrac]) as tf.Tensor1D };
}

/** One tf-path minibatch step: loss, gradient, global-norm clip, Adam. Returns the diagnostics. */
export function tfUpdate(agent: ActorCritic, optimizer: tf.Optimizer, mb: PpoMinibatch, cfg: PpoLossConfig): Float32Array {
  const out = tf.tidy(() => {
    const kept: { stats?: tf.Tensor } = {};
    const { grads } = tf.variableGrads(() => {
      const { loss, stats } = ppoTfLoss(agent, mb, cfg);
      // Kept so the gradient tape's tidy does not free the diagnostics.
      kept.stats = tf.keep(stats);
      return loss;
    }, agent.vars);
    optimizer.applyGradients(clipByGlobalNorm(grads, cfg.maxGradNorm).grads);
    return kept.stats!;
  });
  const stats = out.dataSync() as Float32Array;
  out.dispose();
  return stats;
}

// ---------------------------------------------------------------------------------------------------------
// Rollout (shared with A2C)

export class RolloutBuffer {
  readonly obs: Float32Array;
  /** Discrete: one action index per entry; box: actDim values per entry. */
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly rewards: Float32Array;
  readonly dones: Float32Array;
  readonly values: Float32Array;
  readonly lastValues: Float32Array;
  readonly actWidth: number;
  constructor(
    readonly numSteps: number,
    readonly numEnvs: number,
    readonly obsDim: number,
    agent: ActorCritic,
  ) {
    const n = numSteps * numEnvs;
    this.actWidth = agent.discrete ? 1 : agent.actDim;
    this.obs = new Float32Array(n * obsDim);
    this.actions = new Float32Array(n * this.actWidth);
    this.logProbs = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.dones = new Float32Array(n);
    this.values = new Float32Array(n);
    this.lastValues = new Float32Array(numEnvs);
  }
}

export interface RolloutState {
  vec: VectorEnv;
  agent: ActorCritic;
  rng: Rng;
  /** Shapes one vector step's transitions (one per env copy) in one call. */
  shapeRewards: ShapeRewards;
  /** When set, the whole rollout is shaped in one call after it is collected (see ShapeRollout). */
  shapeRollout?: ShapeRollout;
  gamma: number;
  bootstrapTruncated: boolean;
  globalStep: number;
  ctx: RunContext;
}

/**
 * Fills `buf` with numSteps steps of every env copy and logs each finished episode's true return.
 * Rewards stored are shaped (plus the truncation bootstrap); the logged returns are not.
 */
export function collectRollout(s: RolloutState, buf: RolloutBuffer): void {
  const { vec, agent, rng, ctx } = s;
  const N = vec.num;
  const D = vec.obsDim;
  agent.refreshLogStd();
  const truncIdx: number[] = [];
  const truncObs = new Float32Array(N * D);
  const actions: (number | Float64Array)[] = new Array(N);
  const envActions: (number | Float64Array)[] = new Array(N);
  const obs: Float64Array[] = new Array(N);
  const transitions: Transition[] = new Array(N);
  // Deferred shaping keeps every transition (copies: env buffers may be reused by the next step) and
  // each truncation bootstrap term, added to its shaped reward afterwards exactly as below.
  const rollout: Transition[] | null = s.shapeRollout ? new Array(buf.numSteps * N) : null;
  const bootstrap = rollout ? new Map<number, number>() : null;
  for (let t = 0; t < buf.numSteps; t++) {
    buf.obs.set(vec.obsBatch, t * N * D);
    const out = agent.evaluate(vec.obsBatch, N);
    truncIdx.length = 0;
    for (let e = 0; e < N; e++) {
      const { action, envAction, logProb } = agent.sample(out, e, rng);
      actions[e] = action;
      envActions[e] = envAction;
      obs[e] = vec.obs(e);
      buf.logProbs[t * N + e] = logProb;
    }
    const steps = vec.stepAll(envActions);
    for (let e = 0; e < N; e++) {
      const i = t * N + e;
      const action = actions[e];
      const r = steps[e]!;
      transitions[e] = transitionOf(obs[e], action, r, e, s.globalStep + e);
      if (typeof action === 'number') buf.actions[i] = action;
      else buf.actions.set(action, i * buf.actWidth);
      buf.values[i] = out[e * (agent.actDim + 1) + agent.actDim];
      buf.dones[i] = r.terminated || r.truncated ? 1 : 0;
      if (r.truncated && !r.terminated && s.bootstrapTruncated) {
        truncObs.set(r.finalInput!, truncIdx.length * D);
        truncIdx.push(i);
      }
      if (r.episode) {
        ctx.log(s.globalStep + e + 1, { 'charts/episodic_return': r.episode.return, 'charts/episodic_length': r.episode.length });
      }
    }
    if (rollout) {
      for (let e = 0; e < N; e++) rollout[t * N + e] = copyTransition(transitions[e]);
    } else {
      // All copies' rewards in one call: user reward code crosses its sandbox boundary once per vector step.
      const shaped = s.shapeRewards(transitions);
      for (let e = 0; e < N; e++) buf.rewards[t * N + e] = shaped[e];
    }
    s.globalStep += N;
    if (truncIdx.length > 0) {
      const v = agent.values(truncObs.subarray(0, truncIdx.length * D), truncIdx.length);
      if (bootstrap) truncIdx.forEach((i, k) => bootstrap.set(i, s.gamma * v[k]));
      else truncIdx.forEach((i, k) => (buf.rewards[i] += s.gamma * v[k]));
    }
  }
  if (rollout) {
    const shaped = s.shapeRollout!(rollout);
    for (let i = 0; i < rollout.length; i++) buf.rewards[i] = shaped[i];
    for (const [i, b] of bootstrap!) buf.rewards[i] += b;
  }
  buf.lastValues.set(agent.values(vec.obsBatch, N));
}

const copyTransition = (t: Transition): Transition => ({
  ...t,
  obs: t.obs.slice(),
  nextObs: t.nextObs.slice(),
  action: typeof t.action === 'number' ? t.action : t.action.slice(),
});

/** Lets the host's timers and message handlers run between iterations. */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

export function rlConfig(ctx: RunContext): RlRunConfig {
  const cfg = ctx.run.config;
  if (cfg.kind !== 'rl') throw new Error(`an RL trainer got a "${cfg.kind}" run`);
  return cfg;
}

/** What every RL trainer starts from: its config and hyperparameters, the backend, the reward seam, the seed. */
export async function beginRlRun<S extends z.ZodType>(ctx: RunContext, opts: TrainOptions, schema: S) {
  const cfg = rlConfig(ctx);
  const args = schema.parse(cfg.algo) as z.output<S>;
  const backend = await ensureBackend(ctx.backend);
  const shapeReward = resolveShaper(ctx, opts);
  const shapeRewards = batchShaper(shapeReward, opts);
  const seed = ctx.run.seed;
  return { cfg, args, backend, shapeReward, shapeRewards, seed, rng: new Rng(seed) };
}

/**
 * Resolves an RL run's compute path (see @creditlab/spec's resolveCompute), records it with the run and
 * returns it. `fusedUnavailable` is null when fused kernels cover the run, else why not.
 */
export function recordCompute(ctx: RunContext, backend: string, fusedUnavailable: string | null, resumed: Compute | null = null): Compute {
  const choice = resolveCompute({ requested: rlConfig(ctx).compute, kind: 'rl', fusedUnavailable, resumed });
  // Fused PPO never touches tfjs while training: its arithmetic is JS loops and the gemm kernel.
  const engine = choice.compute === 'fused' ? (gemmKernel() === 'simd' ? 'js+simd' : 'js') : backend;
  ctx.reportCompute?.({ ...choice, backend: engine });
  return choice.compute;
}

// ---------------------------------------------------------------------------------------------------------
// Training

/** Adam as CleanRL's PPO (ε = 1e-5, not PyTorch's default 1e-8), for the tf optimizer and the fused one alike. */
export const PPO_ADAM: AdamConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 };

export async function trainPpo(ctx: RunContext, opts: TrainOptions = {}): Promise<void> {
  const { cfg, args, backend, shapeRewards, seed, rng } = await beginRlRun(ctx, opts, PpoConfigSchema);

  const vec = new VectorEnv(cfg.env, args.numEnvs, seed, { normalize: args.normalizeObs, log: (m) => ctx.info(m) });
  const agent = new ActorCritic(vec.obsDim, vec.actionSpace, args.hiddenSizes, rng.fork('init'), 'ppo');
  const optimizer = adamOptimizer(args.learningRate, PPO_ADAM);
  const batchSize = args.numEnvs * args.numSteps;
  const minibatchSize = Math.floor(batchSize / args.numMinibatches);
  if (minibatchSize < 1) throw new Error(`ppo: numEnvs × numSteps (${batchSize}) must be at least numMinibatches (${args.numMinibatches})`);
  const numIterations = Math.max(1, Math.floor(ctx.run.budget.steps / batchSize));
  ctx.info(
    `ppo on ${cfg.env.id}: ${numIterations} iterations × ${batchSize} steps, minibatch ${minibatchSize}, seed ${seed}`,
  );

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
  const shuffleRng = rng.fork('minibatches');
  const indices = Array.from({ length: batchSize }, (_, i) => i);
  const D = vec.obsDim;
  const W = buf.actWidth;
  const mbObs = new Float32Array(minibatchSize * D);
  const mbActions = new Float32Array(minibatchSize * W);
  const mbLogProbs = new Float32Array(minibatchSize);
  const mbAdv = new Float32Array(minibatchSize);
  const mbReturns = new Float32Array(minibatchSize);
  const mbValues = new Float32Array(minibatchSize);
  const saved = resumeState(ctx, 'ppo');
  const resumedCompute = saved ? (fromSnapshot(saved.fused) !== null ? 'fused' : 'tfjs') : null;
  const compute = recordCompute(ctx, backend, agent.discrete ? null : 'fused PPO kernels cover discrete actions only', resumedCompute);
  const fused = compute === 'fused' ? agent.useFused(PPO_ADAM) : null;
  const lossCfg = { clipCoef: args.clipCoef, clipVloss: args.clipVloss, entCoef: args.entCoef, vfCoef: args.vfCoef, maxGradNorm: args.maxGradNorm };
  const evaluator = new Evaluator(ctx, cfg, vec.normalizer?.frozenView() ?? null);
  const evalRng = rng.fork('eval-policy');
  const evalPolicy = agent.batchPolicy(evalRng);

  // Resume: everything an iteration reads that earlier iterations changed.
  const saveState = async (iteration: number) => ({
    algo: 'ppo',
    iteration,
    globalStep: state.globalStep,
    vec,
    rngs: { policy: state.rng, minibatches: shuffleRng, evalPolicy: evalRng },
    indices,
    evaluator: evaluator.saveState(),
    fused: fused?.saveState() ?? null,
    tf: fused ? null : await saveTfState(agent.vars, optimizer as tf.AdamOptimizer),
    reward: opts.rewardState?.save() ?? null,
  });
  let firstIteration = 1;
  if (saved) {
    restoreInto(vec, saved.vec);
    restoreInto({ policy: state.rng, minibatches: shuffleRng, evalPolicy: evalRng }, saved.rngs);
    restoreInto(indices, saved.indices);
    evaluator.loadState(fromSnapshot(saved.evaluator) as number);
    if (fused) fused.loadState(fromSnapshot(saved.fused) as Parameters<typeof fused.loadState>[0]);
    else await loadTfState(agent.vars, optimizer as tf.AdamOptimizer, fromSnapshot(saved.tf) as TfState);
    if (saved.reward !== null) opts.rewardState?.load(saved.reward);
    state.globalStep = fromSnapshot(saved.globalStep) as number;
    firstIteration = (fromSnapshot(saved.iteration) as number) + 1;
  }
  const startStep = state.globalStep;
  const start = performance.now();

  try {
    for (let iteration = firstIteration; iteration <= numIterations; iteration++) {
      if (ctx.cancelled()) {
        ctx.info(`ppo: cancelled at step ${state.globalStep}`);
        return;
      }
      const lr = args.annealLr ? (1 - (iteration - 1) / numIterations) * args.learningRate : args.learningRate;
      // tfjs's Adam reads this field on every step, so assigning it anneals without rebuilding the optimizer.
      (optimizer as unknown as { learningRate: number }).learningRate = lr;

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

      // stats: policy loss, value loss, entropy, old approx KL, approx KL, clip fraction (last minibatch, as CleanRL)
      const stats = new Float32Array(6);
      let clipfracSum = 0;
      let clipfracCount = 0;
      for (let epoch = 0; epoch < args.updateEpochs; epoch++) {
        shuffleRng.shuffle(indices);
        for (let startIdx = 0; startIdx + minibatchSize <= batchSize; startIdx += minibatchSize) {
          for (let k = 0; k < minibatchSize; k++) {
            const j = indices[startIdx + k];
            mbObs.set(buf.obs.subarray(j * D, (j + 1) * D), k * D);
            if (W === 1) mbActions[k] = buf.actions[j];
            else mbActions.set(buf.actions.subarray(j * W, (j + 1) * W), k * W);
            mbLogProbs[k] = buf.logProbs[j];
            mbAdv[k] = advantages[j];
            mbReturns[k] = returns[j];
            mbValues[k] = buf.values[j];
          }
          if (args.normAdv) normalizeInPlace(mbAdv);
          if (fused) {
            const st = fused.update(
              { n: minibatchSize, obs: mbObs, actions: mbActions, oldLogProbs: mbLogProbs, advantages: mbAdv, returns: mbReturns, oldValues: mbValues },
              lossCfg,
              lr,
            );
            for (let k = 0; k < 6; k++) stats[k] = st[k];
            clipfracSum += stats[5];
            clipfracCount++;
            continue;
          }
          stats.set(tfUpdate(agent, optimizer, { n: minibatchSize, obs: mbObs, actions: mbActions, oldLogProbs: mbLogProbs, advantages: mbAdv, returns: mbReturns, oldValues: mbValues }, lossCfg));
          clipfracSum += stats[5];
          clipfracCount++;
        }
        if (args.targetKl !== null && stats[4] > args.targetKl) break;
      }

      assertFiniteLosses(state.globalStep, { 'the value loss': stats[1], 'the policy loss': stats[0] }, buf.rewards);
      const sps = (state.globalStep - startStep) / ((performance.now() - start) / 1000);
      ctx.log(
        state.globalStep,
        finiteMetrics({
          'charts/learning_rate': lr,
          'losses/value_loss': stats[1],
          'losses/policy_loss': stats[0],
          'losses/entropy': stats[2],
          'losses/old_approx_kl': stats[3],
          'losses/approx_kl': stats[4],
          'losses/clipfrac': clipfracSum / Math.max(1, clipfracCount),
          'losses/explained_variance': explainedVariance(buf.values, returns),
          'charts/SPS': sps,
        }),
      );
      ctx.progress(state.globalStep);
      evaluator.maybeRun(state.globalStep, evalPolicy);
      await maybeSaveResume(ctx, state.globalStep, iteration === numIterations, () => saveState(iteration));
      await yieldToEventLoop();
    }
    fused?.syncToTf();
    ctx.checkpoint(state.globalStep, {
      algo: 'ppo',
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
