// The separate actor and critic MLPs of CleanRL's PPO agent (tanh, orthogonal init with gain √2, 0.01 for
// the policy head and 1 for the value head), shared by PPO, A2C and REINFORCE-with-baseline.
// Rollouts evaluate both nets for all env copies in one batched call and sample actions in JS from the
// returned array, so the per-step cost is one small forward pass and one download.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@creditlab/common';
import type { Space } from '@creditlab/envs';
import type { BatchPolicy } from './evaluate';
import {
  categoricalLogProbEntropy,
  clipToBox,
  gaussianLogProbEntropy,
  makeMlp,
  mlpForward,
  mlpVariables,
  sampleCategorical,
  sampleGaussian,
  uniqueTag,
  variableFrom,
  type AdamConfig,
  type Dense,
} from './nets';
import { FusedActorCritic } from './fused';

export class ActorCritic {
  readonly actor: Dense[];
  readonly critic: Dense[];
  /** State-independent log standard deviation, [1, actDim]; null for discrete actions. */
  readonly logStd: tf.Variable<tf.Rank.R2> | null;
  readonly vars: tf.Variable[];
  readonly discrete: boolean;
  /** Number of logits (discrete) or action dimensions (box). */
  readonly actDim: number;
  private logStdCache: Float32Array | null = null;
  /** Set by `useFused`: the JS mirror that evaluate/values run on instead of tf. */
  fused: FusedActorCritic | null = null;

  constructor(
    readonly obsDim: number,
    readonly actionSpace: Space,
    hidden: number[],
    rng: Rng,
    prefix = 'ac',
  ) {
    this.discrete = actionSpace.type === 'discrete';
    this.actDim = actionSpace.type === 'discrete' ? actionSpace.n : actionSpace.shape.reduce((a, b) => a * b, 1);
    const tag = uniqueTag(prefix);
    this.actor = makeMlp([obsDim, ...hidden, this.actDim], { scheme: 'orthogonal', outGain: 0.01 }, rng, `${tag}/actor`);
    this.critic = makeMlp([obsDim, ...hidden, 1], { scheme: 'orthogonal', outGain: 1 }, rng, `${tag}/critic`);
    this.logStd = this.discrete ? null : variableFrom(tf.zeros([1, this.actDim]), `${tag}/logstd`) as tf.Variable<tf.Rank.R2>;
    this.vars = [...mlpVariables(this.actor), ...mlpVariables(this.critic), ...(this.logStd ? [this.logStd] : [])];
  }

  /** Policy output (logits or mean) and state values, as tensors; call inside tf.tidy. */
  forward(x: tf.Tensor2D): { pi: tf.Tensor2D; value: tf.Tensor1D } {
    return { pi: mlpForward(this.actor, x, 'tanh'), value: tf.reshape(mlpForward(this.critic, x, 'tanh'), [-1]) as tf.Tensor1D };
  }

  value(x: tf.Tensor2D): tf.Tensor1D {
    return tf.reshape(mlpForward(this.critic, x, 'tanh'), [-1]) as tf.Tensor1D;
  }

  /** log π(a|s) and entropy of a batch; `actions` is [B] for discrete and [B, actDim] for box spaces. */
  logProbEntropy(pi: tf.Tensor2D, actions: tf.Tensor): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
    return this.discrete
      ? categoricalLogProbEntropy(pi, actions as tf.Tensor1D)
      : gaussianLogProbEntropy(pi, this.logStd!, actions as tf.Tensor2D);
  }

  /**
   * Switches a discrete agent to plain-JS kernels (fused.ts); returns null for box actions, which stay on tf.
   * While fused, the JS weights are the live ones: call `fused.syncToTf()` before reading the tf.Variables.
   */
  useFused(adam: AdamConfig): FusedActorCritic | null {
    if (!this.discrete) return null;
    const hidden = this.actor.slice(0, -1).map((l) => l.W.shape[1]);
    this.fused ??= new FusedActorCritic(this.obsDim, this.actDim, hidden, this.actor, this.critic, adam);
    return this.fused;
  }

  /**
   * Runs both nets on a row-major [n, obsDim] batch and downloads the result once:
   * row i of the returned array holds actDim policy outputs then the value.
   */
  evaluate(obs: Float32Array, n: number): Float32Array {
    if (this.fused) return this.fused.evaluate(obs, n);
    const out = tf.tidy(() => {
      const { pi, value } = this.forward(tf.tensor2d(obs, [n, this.obsDim]));
      return tf.concat([pi, tf.reshape(value, [-1, 1])], 1);
    });
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  }

  /** V(s) for a row-major [n, obsDim] batch. */
  values(obs: Float32Array, n: number): Float32Array {
    if (this.fused) return this.fused.values(obs, n);
    const out = tf.tidy(() => this.value(tf.tensor2d(obs, [n, this.obsDim])));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  }

  /** Call once per rollout: the log-std only changes in updates. */
  refreshLogStd(): void {
    this.logStdCache = this.logStd ? (this.logStd.dataSync() as Float32Array).slice() : null;
  }

  /**
   * Samples row i of `evaluate`'s output. Returns the action to store (unclipped), the one to send to the env
   * (clipped to the box) and its log-probability.
   */
  sample(out: Float32Array, i: number, rng: Rng, greedy = false): { action: number | Float64Array; envAction: number | Float64Array; logProb: number } {
    const off = i * (this.actDim + 1);
    if (this.discrete) {
      if (greedy) {
        let best = 0;
        for (let k = 1; k < this.actDim; k++) if (out[off + k] > out[off + best]) best = k;
        return { action: best, envAction: best, logProb: 0 };
      }
      const { action, logProb } = sampleCategorical(out, off, this.actDim, rng);
      return { action, envAction: action, logProb };
    }
    if (!this.logStdCache) this.refreshLogStd();
    const box = this.actionSpace as Extract<Space, { type: 'box' }>;
    if (greedy) {
      const mean = Float64Array.from(out.subarray(off, off + this.actDim));
      return { action: mean, envAction: clipToBox(mean, box.low, box.high), logProb: 0 };
    }
    const { action, logProb } = sampleGaussian(out, off, this.logStdCache!, rng);
    return { action, envAction: clipToBox(action, box.low, box.high), logProb };
  }

  /** The policy as a batch function, for evaluation episodes. */
  batchPolicy(rng: Rng): BatchPolicy {
    return (obs, n, greedy) => {
      this.refreshLogStd();
      const out = this.evaluate(obs, n);
      return Array.from({ length: n }, (_, i) => this.sample(out, i, rng, greedy).envAction);
    };
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
