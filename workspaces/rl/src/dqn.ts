// Deep Q-Network.
//   Mnih, Kavukcuoglu, Silver, et al. (2015), "Human-level control through deep reinforcement learning",
//   Nature 518:529–533 (experience replay, a periodically synced target network, ε-greedy exploration).
// Structured after CleanRL's dqn.py, with its CartPole defaults: ReLU MLP 120-84 with PyTorch's default
// init, uniform replay of 10k transitions, ε decaying linearly from 1 to 0.05 over half the budget,
// learning from step 10k, one Adam step every 10 env steps on a batch of 128, hard target copy every 500 steps,
// loss MSE(r + γ(1 − terminated)·max_a' Q_target(s', a'), Q(s, a)).
// Time-limit truncations are handled exactly: the buffer stores the true final observation and a done flag
// that is set only on termination, so a truncated step still bootstraps from Q_target(s_final).
// Env rewards pass through `shapeReward` before they enter the buffer; episodic returns are logged unshaped.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { DqnConfigSchema, type RunContext } from '@creditlab/spec';
import { argmax, assertFiniteLosses, disposeVariables, exportVariables, finiteMetrics, makeMlp, mlpForward, mlpVariables, softUpdate, uniqueTag } from './nets';
import { beginRlRun, recordCompute, yieldToEventLoop } from './ppo';
import { Evaluator } from './evaluate';
import type { TrainOptions } from './shaping';
import { VectorEnv, transitionOf } from './vec-env';
import { fromSnapshot, loadTfState, maybeSaveResume, restoreInto, resumeState, saveTfState, type TfState } from './resume';

/** Metrics are logged every this many env steps, as CleanRL (every 100 global steps). */
const LOG_EVERY = 100;

/** ε at env step t: linear from startE to endE over `duration` steps, then flat. */
export function linearSchedule(startE: number, endE: number, duration: number, t: number): number {
  if (duration <= 0) return endE;
  const slope = (endE - startE) / duration;
  return Math.max(slope * t + startE, endE);
}

/** A ring buffer of transitions in flat typed arrays. */
export class ReplayBuffer {
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Float32Array;
  size = 0;
  private pos = 0;
  constructor(
    readonly capacity: number,
    readonly obsDim: number,
  ) {
    this.obs = new Float32Array(capacity * obsDim);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.dones = new Float32Array(capacity);
  }
  add(obs: ArrayLike<number>, nextObs: ArrayLike<number>, action: number, reward: number, done: boolean): void {
    const i = this.pos;
    for (let k = 0; k < this.obsDim; k++) {
      this.obs[i * this.obsDim + k] = obs[k];
      this.nextObs[i * this.obsDim + k] = nextObs[k];
    }
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.dones[i] = done ? 1 : 0;
    this.pos = (this.pos + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }
  /** Uniform sample with replacement (as SB3's ReplayBuffer, which CleanRL uses). */
  sample(n: number, rng: Rng) {
    const D = this.obsDim;
    const b = {
      obs: new Float32Array(n * D),
      nextObs: new Float32Array(n * D),
      actions: new Int32Array(n),
      rewards: new Float32Array(n),
      dones: new Float32Array(n),
    };
    for (let j = 0; j < n; j++) {
      const i = rng.int(this.size);
      b.obs.set(this.obs.subarray(i * D, (i + 1) * D), j * D);
      b.nextObs.set(this.nextObs.subarray(i * D, (i + 1) * D), j * D);
      b.actions[j] = this.actions[i];
      b.rewards[j] = this.rewards[i];
      b.dones[j] = this.dones[i];
    }
    return b;
  }
}

export async function trainDqn(ctx: RunContext, opts: TrainOptions = {}): Promise<void> {
  const { cfg, args, backend, shapeReward, seed, rng } = await beginRlRun(ctx, opts, DqnConfigSchema);
  recordCompute(ctx, backend, 'fused kernels exist for ppo only');
  const actRng = rng.fork('policy');
  const sampleRng = rng.fork('replay');
  const budget = ctx.run.budget.steps;

  const N = args.numEnvs;
  const vec = new VectorEnv(cfg.env, N, seed, { log: (m) => ctx.info(m) });
  if (vec.actionSpace.type !== 'discrete') throw new Error(`dqn needs a discrete action space; ${cfg.env.id} has a box`);
  const nActions = vec.actionSpace.n;
  const D = vec.obsDim;
  const sizes = [D, ...args.hiddenSizes, nActions];
  const initRng = rng.fork('init');
  const tag = uniqueTag('dqn');
  const qNet = makeMlp(sizes, { scheme: 'torch' }, initRng, `${tag}/q`);
  const targetNet = makeMlp(sizes, { scheme: 'torch' }, initRng, `${tag}/target`);
  const qVars = mlpVariables(qNet);
  const targetVars = mlpVariables(targetNet);
  softUpdate(targetVars, qVars, 1);
  const optimizer = tf.train.adam(args.learningRate, 0.9, 0.999, 1e-8);
  const rb = new ReplayBuffer(args.bufferSize, D);
  const explorationSteps = args.explorationFraction * budget;
  ctx.info(`dqn on ${cfg.env.id}: ${budget} steps, ${N} env(s), seed ${seed}`);

  const qValues = (obs: Float32Array, n: number): Float32Array => {
    const out = tf.tidy(() => mlpForward(qNet, tf.tensor2d(obs, [n, D]), 'relu'));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  };

  let globalStep = 0;
  let lastLog = 0;
  let lastTrain = 0;
  let lastTarget = 0;
  let stats: { loss: number; q: number } | null = null;
  const evaluator = new Evaluator(ctx, cfg);
  const evalRng = rng.fork('eval-policy');
  // Greedy evaluation is argmax Q; non-greedy keeps the final exploration rate, as CleanRL's evaluate().
  const evalPolicy = (obs: Float32Array, n: number, greedy: boolean) => {
    const q = qValues(obs, n);
    return Array.from({ length: n }, (_, e) =>
      !greedy && evalRng.next() < args.endE ? evalRng.int(nActions) : argmax(q, e * nActions, nActions),
    );
  };

  // Resume: both networks and Adam's state, the replay buffer, generators, envs, the reward pipeline, counters.
  let it = 0;
  const saveState = async () => ({
    algo: 'dqn',
    it,
    globalStep,
    counters: { lastLog, lastTrain, lastTarget, stats },
    vec,
    rb,
    rngs: { act: actRng, replay: sampleRng, evalPolicy: evalRng },
    evaluator: evaluator.saveState(),
    tf: await saveTfState([...qVars, ...targetVars], optimizer as tf.AdamOptimizer),
    reward: opts.rewardState?.save() ?? null,
  });
  const saved = resumeState(ctx, 'dqn');
  if (saved) {
    restoreInto(vec, saved.vec);
    restoreInto(rb, saved.rb);
    restoreInto({ act: actRng, replay: sampleRng, evalPolicy: evalRng }, saved.rngs);
    evaluator.loadState(fromSnapshot(saved.evaluator) as number);
    await loadTfState([...qVars, ...targetVars], optimizer as tf.AdamOptimizer, fromSnapshot(saved.tf) as TfState);
    if (saved.reward !== null) opts.rewardState?.load(saved.reward);
    globalStep = fromSnapshot(saved.globalStep) as number;
    ({ lastLog, lastTrain, lastTarget, stats } = fromSnapshot(saved.counters) as { lastLog: number; lastTrain: number; lastTarget: number; stats: typeof stats });
    it = (fromSnapshot(saved.it) as number) + 1;
  }
  const startStep = globalStep;
  const start = performance.now();
  const actions = new Int32Array(N);
  try {
    for (; globalStep < budget; it++) {
      if (it % 100 === 0) {
        if (ctx.cancelled()) {
          ctx.info(`dqn: cancelled at step ${globalStep}`);
          return;
        }
        ctx.progress(globalStep);
        await yieldToEventLoop();
      }
      const epsilon = linearSchedule(args.startE, args.endE, explorationSteps, globalStep);
      let greedy: Float32Array | null = null;
      for (let e = 0; e < N; e++) {
        if (actRng.next() < epsilon) actions[e] = actRng.int(nActions);
        else {
          greedy ??= qValues(vec.obsBatch, N);
          actions[e] = argmax(greedy, e * nActions, nActions);
        }
      }
      const obsRows = Array.from({ length: N }, (_, e) => vec.obsBatch.slice(e * D, (e + 1) * D));
      const obsBefore = Array.from({ length: N }, (_, e) => vec.obs(e));
      const steps = vec.stepAll(Array.from(actions));
      for (let e = 0; e < N; e++) {
        const obs = obsBefore[e];
        const obsRow = obsRows[e];
        const r = steps[e]!;
        const shaped = shapeReward(transitionOf(obs, actions[e], r, e, globalStep));
        globalStep++;
        const next = new Float32Array(D);
        vec.encode(r.nextObs, next, 0);
        rb.add(obsRow, next, actions[e], shaped, r.terminated);
        if (r.episode) {
          ctx.log(globalStep, { 'charts/episodic_return': r.episode.return, 'charts/episodic_length': r.episode.length });
        }
      }

      if (globalStep > args.learningStarts) {
        // Step counters are crossed rather than tested with %, so numEnvs > 1 keeps the same rates.
        if (Math.floor(globalStep / args.trainFrequency) > Math.floor(lastTrain / args.trainFrequency)) {
          lastTrain = globalStep;
          const b = rb.sample(args.batchSize, sampleRng);
          const target = tf.tidy(() => {
            const qNext = mlpForward(targetNet, tf.tensor2d(b.nextObs, [args.batchSize, D]), 'relu');
            const notDone = tf.sub(1, tf.tensor1d(b.dones));
            return tf.add(tf.tensor1d(b.rewards), tf.mul(tf.mul(args.gamma, tf.max(qNext, 1)), notDone));
          });
          const out = tf.tidy(() => {
            const x = tf.tensor2d(b.obs, [args.batchSize, D]);
            const onehot = tf.oneHot(tf.tensor1d(b.actions, 'int32'), nActions);
            const kept: { stats?: tf.Tensor } = {};
            const { grads } = tf.variableGrads(() => {
              // One-hot product instead of gather: the wasm backend has no gradient for gather.
              const q = tf.sum(tf.mul(mlpForward(qNet, x, 'relu'), onehot), 1);
              const loss = tf.mean(tf.square(tf.sub(target, q))) as tf.Scalar;
              kept.stats = tf.keep(tf.stack([loss, tf.mean(q)]));
              return loss;
            }, qVars);
            optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
            return kept.stats!;
          });
          target.dispose();
          const s = out.dataSync();
          out.dispose();
          stats = { loss: s[0], q: s[1] };
          assertFiniteLosses(globalStep, { 'the TD loss': s[0] });
        }
        if (Math.floor(globalStep / args.targetNetworkFrequency) > Math.floor(lastTarget / args.targetNetworkFrequency)) {
          lastTarget = globalStep;
          softUpdate(targetVars, qVars, args.tau);
        }
      } else {
        lastTrain = globalStep;
        lastTarget = globalStep;
      }

      evaluator.maybeRun(globalStep, evalPolicy);
      if (Math.floor(globalStep / LOG_EVERY) > Math.floor(lastLog / LOG_EVERY)) {
        lastLog = globalStep;
        const m: Record<string, number> = {
          'charts/epsilon': epsilon,
          'charts/SPS': (globalStep - startStep) / ((performance.now() - start) / 1000),
        };
        if (stats) {
          m['losses/td_loss'] = stats.loss;
          m['losses/q_values'] = stats.q;
        }
        ctx.log(globalStep, finiteMetrics(m));
      }
      await maybeSaveResume(ctx, globalStep, globalStep >= budget, saveState);
    }
    ctx.progress(globalStep);
    ctx.checkpoint(globalStep, { algo: 'dqn', obsDim: D, nActions, hiddenSizes: args.hiddenSizes, weights: exportVariables(qVars) });
  } finally {
    disposeVariables(qVars);
    disposeVariables(targetVars);
    optimizer.dispose();
    evaluator.close();
    vec.close();
  }
}
