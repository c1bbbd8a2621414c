// Fused plain-JS kernels for PPO's small discrete actor-critic (CleanRL's 64x64 tanh MLPs).
//
// Why: at these sizes (minibatch 128, hidden 64) a tfjs PPO update is dozens of kernel launches per layer
// pass, each paying tfjs's engine bookkeeping (tape, tensor tracking, scopes) and a JS→wasm call; profiling
// showed that overhead plus GC, not arithmetic, dominated training time. One forward + backward of both nets
// is a few million multiply-adds per minibatch, which straight loops over Float64Arrays do in milliseconds.
// The maths is the same as the tf path in ppo.ts / nets.ts (same losses, tfjs's max/clip gradient tie rules,
// global-norm clipping, Adam with tfjs/PyTorch bias correction and the same AdamConfig object as the tf
// optimizer); only the float width differs (float64 here). test/fused.test.ts checks both against each other.
// The tf.Variables stay the weights of record for checkpoints: `syncToTf` copies the JS weights back.
// Matrix products go through @creditlab/common/gemm (a WebAssembly SIMD kernel when it loads and passes its
// self-test, else a register-blocked JS loop).
import * as tf from '@tensorflow/tfjs';
import type { AdamConfig, Dense } from './nets';
import { gemmNT, transpose } from '@creditlab/common/gemm';

/**
 * One MLP with tanh hidden layers and a linear head. Weights are kept transposed, Wt[out, in], so the
 * forward pass is gemmNT(x, Wt); tf's [in, out] layout is restored only when syncing back.
 */
class JsMlp {
  readonly Wt: Float64Array[];
  readonly b: Float64Array[];
  /** Per layer: W in [in, out] layout for dx = dz·Wᵀ, refreshed after every optimizer step. */
  private readonly W: Float64Array[];
  constructor(
    readonly sizes: number[],
    layers: Dense[],
  ) {
    this.W = layers.map((l) => Float64Array.from(l.W.dataSync()));
    this.Wt = this.W.map((w, i) => {
      const t = new Float64Array(w.length);
      transpose(w, t, sizes[i], sizes[i + 1]);
      return t;
    });
    this.b = layers.map((l) => Float64Array.from(l.b.dataSync()));
  }

  /** acts[0] is the input; fills acts[1..L] for n rows. */
  forward(acts: Float64Array[], n: number): void {
    const L = this.Wt.length;
    for (let l = 0; l < L; l++) {
      const y = acts[l + 1];
      gemmNT(acts[l], this.Wt[l], y, n, this.sizes[l + 1], this.sizes[l], this.b[l]);
      // 1 − 2/(e^{2z}+1) is tanh to double rounding and cheaper than Math.tanh in V8.
      if (l + 1 < L)
        for (let i = 0, e = n * this.sizes[l + 1]; i < e; i++) {
          const z = y[i];
          y[i] = z > 20 ? 1 : z < -20 ? -1 : 1 - 2 / (Math.exp(2 * z) + 1);
        }
    }
  }

  /**
   * Backpropagates dOut (n × last size) through the activations of the last forward pass, writing the
   * gradients of Wt and b into gWt/gb. `s` holds per-layer scratch (dz, and transposes of dz and x).
   */
  backward(acts: Float64Array[], dOut: Float64Array, n: number, gWt: Float64Array[], gb: Float64Array[], s: { dz: Float64Array[]; dzT: Float64Array; xT: Float64Array }): void {
    const L = this.Wt.length;
    let dz = dOut;
    for (let l = L - 1; l >= 0; l--) {
      const fin = this.sizes[l];
      const fout = this.sizes[l + 1];
      const gbias = gb[l];
      gbias.fill(0);
      for (let r = 0; r < n; r++) for (let j = 0; j < fout; j++) gbias[j] += dz[r * fout + j];
      // gWt[j, k] = Σ_r dz[r, j]·x[r, k]: both transposed so the sum over r is contiguous.
      transpose(dz, s.dzT, n, fout);
      transpose(acts[l], s.xT, n, fin);
      gemmNT(s.dzT, s.xT, gWt[l], fout, fin, n, null);
      if (l === 0) break;
      // dx = dz·Wᵀ, then through the tanh below: d tanh = 1 − h².
      const dx = s.dz[l];
      gemmNT(dz, this.W[l], dx, n, fin, fout, null);
      const h = acts[l];
      for (let i = 0, e = n * fin; i < e; i++) dx[i] *= 1 - h[i] * h[i];
      dz = dx;
    }
  }

  /** Call after the weights in Wt changed. */
  refreshW(): void {
    for (let l = 0; l < this.Wt.length; l++) transpose(this.Wt[l], this.W[l], this.sizes[l + 1], this.sizes[l]);
  }

  /** Weights of layer l in tf's [in, out] layout. */
  weights(l: number): Float64Array {
    return this.W[l];
  }
}

/**
 * One Adam step at step count `t` (1-based) on gradients scaled by `gradScale`, as tf.train.adam and
 * torch.optim.Adam: bias-corrected moments, ε added outside the square root.
 */
export function adamStep(params: Float64Array[], grads: readonly Float64Array[], m1: Float64Array[], m2: Float64Array[], t: number, lr: number, gradScale: number, cfg: AdamConfig): void {
  const { beta1: b1, beta2: b2, epsilon: eps } = cfg;
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  for (let p = 0; p < params.length; p++) {
    const w = params[p];
    const g = grads[p];
    const m = m1[p];
    const v = m2[p];
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] * gradScale;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      w[i] -= (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
    }
  }
}

export interface PpoLossConfig {
  clipCoef: number;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
}

export interface PpoMinibatch {
  n: number;
  /** Row-major [n, obsDim]. */
  obs: Float32Array;
  actions: Float32Array;
  oldLogProbs: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  oldValues: Float32Array;
}

/** A JS mirror of a discrete ActorCritic's two MLPs, with PPO's loss, gradient and Adam fused. */
export class FusedActorCritic {
  private readonly actor: JsMlp;
  private readonly critic: JsMlp;
  private readonly params: Float64Array[];
  private readonly grads: Float64Array[];
  private readonly adamM: Float64Array[];
  private readonly adamV: Float64Array[];
  private adamT = 0;
  private readonly buffers = new Map<
    number,
    { a: Float64Array[]; c: Float64Array[]; scratch: { dz: Float64Array[]; dzT: Float64Array; xT: Float64Array }; dLogits: Float64Array; dValue: Float64Array; out: Float32Array }
  >();
  private readonly actorGW: Float64Array[];
  private readonly actorGb: Float64Array[];
  private readonly criticGW: Float64Array[];
  private readonly criticGb: Float64Array[];
  /** pg loss, value loss, entropy, old approx KL, approx KL, clip fraction of the last update. */
  readonly stats = new Float64Array(6);

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    hidden: number[],
    private readonly actorLayers: Dense[],
    private readonly criticLayers: Dense[],
    private readonly adamCfg: AdamConfig,
  ) {
    this.actor = new JsMlp([obsDim, ...hidden, actDim], actorLayers);
    this.critic = new JsMlp([obsDim, ...hidden, 1], criticLayers);
    const zerosLike = (xs: Float64Array[]) => xs.map((x) => new Float64Array(x.length));
    this.actorGW = zerosLike(this.actor.Wt);
    this.actorGb = zerosLike(this.actor.b);
    this.criticGW = zerosLike(this.critic.Wt);
    this.criticGb = zerosLike(this.critic.b);
    // Same order as ActorCritic.vars: actor W,b per layer, then critic.
    const interleave = (W: Float64Array[], b: Float64Array[]) => W.flatMap((w, i) => [w, b[i]]);
    this.params = [...interleave(this.actor.Wt, this.actor.b), ...interleave(this.critic.Wt, this.critic.b)];
    this.grads = [...interleave(this.actorGW, this.actorGb), ...interleave(this.criticGW, this.criticGb)];
    this.adamM = zerosLike(this.params);
    this.adamV = zerosLike(this.params);
  }

  private buf(n: number) {
    let b = this.buffers.get(n);
    if (!b) {
      const mk = (sizes: number[]) => sizes.map((s) => new Float64Array(n * s));
      b = {
        a: mk(this.actor.sizes),
        c: mk(this.critic.sizes),
        scratch: { dz: mk(this.actor.sizes), dzT: new Float64Array(n * Math.max(...this.actor.sizes)), xT: new Float64Array(n * Math.max(...this.actor.sizes)) },
        dLogits: new Float64Array(n * this.actDim),
        dValue: new Float64Array(n),
        out: new Float32Array(n * (this.actDim + 1)),
      };
      this.buffers.set(n, b);
    }
    return b;
  }

  private runForward(obs: Float32Array, n: number) {
    const b = this.buf(n);
    const x = b.a[0];
    for (let i = 0; i < n * this.obsDim; i++) x[i] = obs[i];
    b.c[0].set(x);
    this.actor.forward(b.a, n);
    this.critic.forward(b.c, n);
    return b;
  }

  /**
   * ActorCritic.evaluate's layout ([n, actDim + 1]: logits then value). The returned array is reused by the
   * next call with the same n.
   */
  evaluate(obs: Float32Array, n: number): Float32Array {
    const b = this.runForward(obs, n);
    const A = this.actDim;
    const logits = b.a[b.a.length - 1];
    const v = b.c[b.c.length - 1];
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < A; k++) b.out[r * (A + 1) + k] = logits[r * A + k];
      b.out[r * (A + 1) + A] = v[r];
    }
    return b.out;
  }

  values(obs: Float32Array, n: number): Float32Array {
    const b = this.buf(n);
    const x = b.c[0];
    for (let i = 0; i < n * this.obsDim; i++) x[i] = obs[i];
    this.critic.forward(b.c, n);
    return Float32Array.from(b.c[b.c.length - 1].subarray(0, n));
  }

  /** One PPO minibatch step: loss, gradient, global-norm clip, Adam. Diagnostics land in `stats`. */
  update(mb: PpoMinibatch, cfg: PpoLossConfig, lr: number): Float64Array {
    this.computeGradients(mb, cfg);
    let sq = 0;
    for (const g of this.grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const scale = Math.min(1, cfg.maxGradNorm / (Math.sqrt(sq) + 1e-6));
    this.adamT++;
    adamStep(this.params, this.grads, this.adamM, this.adamV, this.adamT, lr, scale, this.adamCfg);
    this.actor.refreshW();
    this.critic.refreshW();
    return this.stats;
  }

  /**
   * The gradient of PPO's loss on one minibatch (before clipping) into `gradients()`, and the diagnostics
   * into `stats`; the weights do not change.
   */
  computeGradients(mb: PpoMinibatch, cfg: PpoLossConfig): void {
    const { n } = mb;
    const A = this.actDim;
    const b = this.runForward(mb.obs, n);
    const logits = b.a[b.a.length - 1];
    const value = b.c[b.c.length - 1];
    const { dLogits, dValue } = b;
    const c = cfg.clipCoef;
    const inv = 1 / n;
    let pgLoss = 0;
    let vLoss = 0;
    let entSum = 0;
    let oldKl = 0;
    let kl = 0;
    let clipped = 0;
    for (let r = 0; r < n; r++) {
      const o = r * A;
      let max = -Infinity;
      for (let k = 0; k < A; k++) if (logits[o + k] > max) max = logits[o + k];
      let sum = 0;
      for (let k = 0; k < A; k++) sum += Math.exp(logits[o + k] - max);
      const lse = max + Math.log(sum);
      let H = 0;
      for (let k = 0; k < A; k++) {
        const lp = logits[o + k] - lse;
        H -= Math.exp(lp) * lp;
      }
      const a = mb.actions[r] | 0;
      const logRatio = logits[o + a] - lse - mb.oldLogProbs[r];
      const ratio = Math.exp(logRatio);
      const adv = mb.advantages[r];
      const clippedRatio = ratio < 1 - c ? 1 - c : ratio > 1 + c ? 1 + c : ratio;
      const pg1 = -adv * ratio;
      const pg2 = -adv * clippedRatio;
      // tf.maximum sends the gradient to its first argument on ties; clipByValue passes it only inside the range.
      const dRatio = pg1 >= pg2 || (ratio >= 1 - c && ratio <= 1 + c) ? -adv * inv : 0;
      pgLoss += pg1 >= pg2 ? pg1 : pg2;
      const dLogProb = dRatio * ratio;
      const entScale = cfg.entCoef * inv;
      for (let k = 0; k < A; k++) {
        const lp = logits[o + k] - lse;
        const p = Math.exp(lp);
        dLogits[o + k] = dLogProb * ((k === a ? 1 : 0) - p) + entScale * p * (lp + H);
      }
      entSum += H;
      oldKl -= logRatio;
      kl += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > c) clipped++;

      const v = value[r];
      const ret = mb.returns[r];
      const uc = (v - ret) * (v - ret);
      let dv: number;
      if (cfg.clipVloss) {
        const diff = v - mb.oldValues[r];
        const vc = mb.oldValues[r] + (diff < -c ? -c : diff > c ? c : diff);
        const cl = (vc - ret) * (vc - ret);
        vLoss += uc >= cl ? uc : cl;
        dv = uc >= cl ? v - ret : diff >= -c && diff <= c ? vc - ret : 0;
      } else {
        vLoss += uc;
        dv = v - ret;
      }
      dValue[r] = cfg.vfCoef * dv * inv;
    }
    this.actor.backward(b.a, dLogits, n, this.actorGW, this.actorGb, b.scratch);
    this.critic.backward(b.c, dValue, n, this.criticGW, this.criticGb, b.scratch);

    const s = this.stats;
    s[0] = pgLoss * inv;
    s[1] = 0.5 * vLoss * inv;
    s[2] = entSum * inv;
    s[3] = oldKl * inv;
    s[4] = kl * inv;
    s[5] = clipped * inv;
  }

  /**
   * The last computed gradients, in ActorCritic.vars' order (actor W, b per layer, then critic). Weight
   * gradients are in the transposed [out, in] layout of the JS weights.
   */
  gradients(): readonly Float64Array[] {
    return this.grads;
  }

  /** The live float64 weights and Adam's moments and step count, for an exact resume. */
  saveState(): { params: Float64Array[]; adamM: Float64Array[]; adamV: Float64Array[]; adamT: number } {
    const copy = (xs: Float64Array[]) => xs.map((x) => x.slice());
    return { params: copy(this.params), adamM: copy(this.adamM), adamV: copy(this.adamV), adamT: this.adamT };
  }

  loadState(s: { params: Float64Array[]; adamM: Float64Array[]; adamV: Float64Array[]; adamT: number }): void {
    const put = (dst: Float64Array[], src: Float64Array[], what: string) => {
      if (src.length !== dst.length || src.some((x, i) => x.length !== dst[i].length)) throw new Error(`checkpoint: ${what} do not match this network's sizes`);
      src.forEach((x, i) => dst[i].set(x));
    };
    put(this.params, s.params, 'weights');
    put(this.adamM, s.adamM, 'Adam first moments');
    put(this.adamV, s.adamV, 'Adam second moments');
    this.adamT = s.adamT;
    this.actor.refreshW();
    this.critic.refreshW();
  }

  /** Writes the JS weights into the tf.Variables (before a checkpoint or handing the agent back to tf code). */
  syncToTf(): void {
    const write = (layers: Dense[], mlp: JsMlp) =>
      layers.forEach((l, i) => {
        tf.tidy(() => {
          l.W.assign(tf.tensor2d(Float32Array.from(mlp.weights(i)), l.W.shape as [number, number]));
          l.b.assign(tf.tensor1d(Float32Array.from(mlp.b[i])));
        });
      });
    write(this.actorLayers, this.actor);
    write(this.criticLayers, this.critic);
  }
}
