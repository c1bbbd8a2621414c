// Building blocks shared by the trainers: MLPs as raw tf.Variables (no tfjs-layers, so the forward pass is
// a handful of fused ops), seeded initialisation in JS, action distributions evaluated in JS for the
// rollout and in tf for the loss, and global gradient-norm clipping.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@creditlab/common';

/** Adam's hyperparameters besides the learning rate: one object feeds tf.train.adam and the fused kernels' Adam. */
export interface AdamConfig {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** tf.train.adam with an AdamConfig. */
export function adamOptimizer(lr: number, c: AdamConfig): tf.AdamOptimizer {
  return tf.train.adam(lr, c.beta1, c.beta2, c.epsilon);
}

/** What Optimizer.applyGradients takes (tfjs does not export the name). */
export type GradMap = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** tf.variable shares the initial tensor's storage but not its handle; the handle must be freed. */
export function variableFrom(init: tf.Tensor, name?: string, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable, name);
  init.dispose();
  return v;
}

let tagCounter = 0;
/** tfjs registers variables by name process-wide; a counter keeps runs sharing one process apart. */
export function uniqueTag(prefix: string): string {
  return `${prefix}${tagCounter++}`;
}

export interface Dense {
  W: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R1>;
}

/**
 * A gain-scaled (semi-)orthogonal matrix [rows, cols], as torch.nn.init.orthogonal_ (Saxe et al., 2014):
 * Gram–Schmidt on Gaussian vectors of the longer dimension, which is QR with the diag(R) sign fix.
 * Done in JS with our own Rng so initial weights depend only on the seed, whatever the backend.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const long = Math.max(rows, cols);
  const short = Math.min(rows, cols);
  const v: Float64Array[] = [];
  for (let k = 0; k < short; k++) {
    const x = new Float64Array(long);
    for (let i = 0; i < long; i++) x[i] = rng.normal();
    // Two passes of modified Gram–Schmidt keep the basis orthogonal to float precision.
    for (let pass = 0; pass < 2; pass++) {
      for (const u of v) {
        let d = 0;
        for (let i = 0; i < long; i++) d += x[i] * u[i];
        for (let i = 0; i < long; i++) x[i] -= d * u[i];
      }
    }
    let n = 0;
    for (let i = 0; i < long; i++) n += x[i] * x[i];
    n = Math.sqrt(n);
    for (let i = 0; i < long; i++) x[i] /= n;
    v.push(x);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? v[c][r] : v[r][c]);
  return out;
}

/** PyTorch's nn.Linear default: U(−1/√fan_in, 1/√fan_in) for weights and biases (what CleanRL's DQN uses). */
function torchDefault(n: number, fanIn: number, rng: Rng): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

export interface MlpInit {
  /** 'orthogonal': CleanRL's layer_init (orthogonal weights, zero biases); 'torch': nn.Linear's default. */
  scheme: 'orthogonal' | 'torch';
  hiddenGain?: number;
  outGain?: number;
}

export function makeMlp(sizes: number[], init: MlpInit, rng: Rng, name: string): Dense[] {
  const layers: Dense[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    const last = l + 2 === sizes.length;
    let w: Float32Array;
    let b: Float32Array;
    if (init.scheme === 'orthogonal') {
      w = orthogonal(fin, fout, last ? (init.outGain ?? 1) : (init.hiddenGain ?? Math.SQRT2), rng);
      b = new Float32Array(fout);
    } else {
      w = torchDefault(fin * fout, fin, rng);
      b = torchDefault(fout, fin, rng);
    }
    layers.push({
      W: variableFrom(tf.tensor2d(w, [fin, fout]), `${name}/${l}/W`) as tf.Variable<tf.Rank.R2>,
      b: variableFrom(tf.tensor1d(b), `${name}/${l}/b`) as tf.Variable<tf.Rank.R1>,
    });
  }
  return layers;
}

/**
 * One dense layer y = act(x·W + b) with a hand-written gradient. The wasm backend's matMul is much slower
 * with transposeA/transposeB (the shapes autodiff produces) than with an explicit transpose, and its tanh is
 * much slower than its sigmoid; together these dominated a PPO update. tanh(z) = 2σ(2z) − 1 is exact.
 */
type DenseFn = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
const denseFns = new Map<string, DenseFn>();
function denseFn(activation: 'tanh' | 'relu' | 'linear'): DenseFn {
  let f = denseFns.get(activation);
  if (f) return f;
  const g = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, W, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const z = tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b);
    const y = activation === 'tanh' ? tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1) : activation === 'relu' ? tf.relu(z) : z;
    save([x, W, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sW, sy] = saved;
        const dz =
          activation === 'tanh'
            ? tf.mul(dy, tf.sub(1, tf.square(sy)))
            : activation === 'relu'
              ? tf.mul(dy, tf.step(sy))
              : dy;
        return [
          tf.matMul(dz as tf.Tensor2D, tf.transpose(sW as tf.Tensor2D)),
          tf.matMul(tf.transpose(sx as tf.Tensor2D), dz as tf.Tensor2D),
          tf.sum(dz, 0),
        ];
      },
    };
  });
  f = g as unknown as DenseFn;
  denseFns.set(activation, f);
  return f;
}

export function mlpForward(layers: Dense[], x: tf.Tensor2D, activation: 'tanh' | 'relu'): tf.Tensor2D {
  let h = x;
  layers.forEach((layer, i) => {
    h = denseFn(i + 1 < layers.length ? activation : 'linear')(h, layer.W, layer.b);
  });
  return h;
}

export function mlpVariables(layers: Dense[]): tf.Variable[] {
  return layers.flatMap((l) => [l.W, l.b]);
}

export function disposeVariables(vars: tf.Variable[]): void {
  for (const v of vars) v.dispose();
}

/** Plain-number copies of the weights, for JSON checkpoints. */
export function exportVariables(vars: tf.Variable[]): Record<string, { shape: number[]; values: number[] }> {
  const out: Record<string, { shape: number[]; values: number[] }> = {};
  for (const v of vars) out[v.name] = { shape: v.shape, values: Array.from(v.dataSync()) };
  return out;
}

/** Copies `src` into `dst` (tau = 1) or moves it a fraction tau of the way (Polyak averaging). */
export function softUpdate(dst: tf.Variable[], src: tf.Variable[], tau: number): void {
  tf.tidy(() => {
    dst.forEach((d, i) => d.assign(tau >= 1 ? src[i] : tf.add(tf.mul(src[i], tau), tf.mul(d, 1 - tau))));
  });
}

/**
 * Rescales gradients so their global L2 norm is at most maxNorm, as torch.nn.utils.clip_grad_norm_.
 * Returns the new gradients and the pre-clip norm (a scalar tensor). Call inside tf.tidy.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: GradMap; norm: tf.Scalar } {
  const names = Object.keys(grads);
  const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))) as tf.Scalar;
  const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
  const out: tf.NamedTensorMap = {};
  for (const n of names) out[n] = tf.mul(grads[n], scale);
  // applyGradients is typed for variables but only reads the tensors' values, keyed by variable name.
  return { grads: out as unknown as GradMap, norm };
}

// ---- categorical policy ----

/** Samples from softmax(logits[off .. off+n]) in JS; returns the action and its log-probability. */
export function sampleCategorical(logits: ArrayLike<number>, off: number, n: number, rng: Rng): { action: number; logProb: number } {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[off + k]);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(logits[off + k] - max);
  const lse = max + Math.log(sum);
  let u = rng.next() * sum;
  let action = n - 1;
  for (let k = 0; k < n; k++) {
    u -= Math.exp(logits[off + k] - max);
    if (u < 0) {
      action = k;
      break;
    }
  }
  return { action, logProb: logits[off + action] - lse };
}

export function argmax(xs: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (xs[off + k] > xs[off + best]) best = k;
  return best;
}

/**
 * log π(a|s) and entropy per row of a categorical policy. The action is picked with a one-hot product,
 * not tf.gather, because the wasm backend has no gradient for gather.
 */
export function categoricalLogProbEntropy(logits: tf.Tensor2D, actions: tf.Tensor1D): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
  const logp = tf.logSoftmax(logits);
  const onehot = tf.oneHot(tf.cast(actions, 'int32'), logits.shape[1]);
  const logProb = tf.sum(tf.mul(onehot, logp), 1) as tf.Tensor1D;
  const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
  return { logProb, entropy };
}

// ---- diagonal Gaussian policy with a state-independent log-std (as CleanRL's ppo_continuous_action) ----

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function sampleGaussian(
  mean: ArrayLike<number>,
  off: number,
  logStd: ArrayLike<number>,
  rng: Rng,
): { action: Float64Array; logProb: number } {
  const d = logStd.length;
  const action = new Float64Array(d);
  let logProb = 0;
  for (let k = 0; k < d; k++) {
    const z = rng.normal();
    action[k] = mean[off + k] + Math.exp(logStd[k]) * z;
    logProb += -0.5 * z * z - logStd[k] - HALF_LOG_2PI;
  }
  return { action, logProb };
}

export function gaussianLogProbEntropy(
  mean: tf.Tensor2D,
  logStd: tf.Tensor2D,
  actions: tf.Tensor2D,
): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
  const z = tf.div(tf.sub(actions, mean), tf.exp(logStd));
  const logProb = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), HALF_LOG_2PI), 1) as tf.Tensor1D;
  const entRow = tf.sum(tf.add(logStd, 0.5 + HALF_LOG_2PI), 1);
  const entropy = tf.mul(tf.ones([mean.shape[0]]), entRow) as tf.Tensor1D;
  return { logProb, entropy };
}

/** Clips a sampled action into the box bounds before the env sees it (the unclipped one is what is learned). */
export function clipToBox(a: Float64Array, low: number[], high: number[]): Float64Array {
  const out = new Float64Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = Math.min(high[k], Math.max(low[k], a[k]));
  return out;
}

// ---- statistics ----

/** 1 − Var(y − ŷ)/Var(y); NaN when Var(y) = 0 (as CleanRL). */
export function explainedVariance(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  const n = target.length;
  let my = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    my += target[i];
    md += target[i] - pred[i];
  }
  my /= n;
  md /= n;
  let vy = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vy += (target[i] - my) ** 2;
    vd += (target[i] - pred[i] - md) ** 2;
  }
  return vy === 0 ? NaN : 1 - vd / vy;
}

/** In-place (x − mean)/(std + 1e-8) with the unbiased std, as torch's Tensor.std. */
export function normalizeInPlace(x: Float32Array): void {
  const n = x.length;
  if (n < 2) return;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  const s = Math.sqrt(v / (n - 1)) + 1e-8;
  for (let i = 0; i < n; i++) x[i] = (x[i] - m) / s;
}

/**
 * Fails the run when a loss is NaN or infinite: the update that produced it has already written NaN into
 * the weights, and finiteMetrics would drop it from the logs, so the run would go on "finishing" with a
 * broken policy. The usual cause is a reward too large for float32 training (about 1e18 and up overflows
 * a squared error; past 3.4e38 the reward itself is infinite in the buffers): `rewards` gives the
 * update's largest reward magnitude for the message.
 */
export function assertFiniteLosses(step: number, losses: Record<string, number>, rewards?: ArrayLike<number>): void {
  for (const [name, v] of Object.entries(losses)) {
    if (Number.isFinite(v)) continue;
    let why = '';
    if (rewards) {
      let max = 0;
      for (let i = 0; i < rewards.length; i++) max = Math.max(max, Math.abs(rewards[i]));
      why = ` The largest reward magnitude in this update was ${Number.isNaN(max) ? 'NaN' : max.toPrecision(3)}${max > 1e15 ? ': scale the reward down (float32 training overflows near 1e18)' : ''}.`;
    }
    throw new Error(`training diverged at step ${step}: ${name} is ${v}, and the update has made the weights meaningless; the run is stopped.${why}`);
  }
}

/** ctx.log with the non-finite values left out (a NaN would poison JSON storage and charts). */
export function finiteMetrics(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (Number.isFinite(v)) out[k] = v;
  return out;
}
