// A character-level GRU language model on tfjs (the policy, its frozen reference, and a per-step scorer for
// the learned PRM/ORM). Tiny on purpose: hidden 64, embedding 16, the size the prototype trained in minutes.
//
// Layout of every batch: prompts left-padded with PAD to the task's prompt width P, then the response,
// then PAD. Response token t therefore sits in column P+t of every row and is predicted from the state
// after column P+t−1; left padding is just a learned initial state, so no gating is needed.
// Embeddings are one-hot × matrix because the wasm backend has no gradient for gather (the 'tf' path).
// By default the embedding, input projection and recurrence run as one fused op (gru-kernel.ts) and sampling
// runs in plain JS; the tfjs-op path stays as the reference they are tested against (test/gru-kernel.test.ts).
import * as tf from '@tensorflow/tfjs';
import { Rng, hash128 } from '@creditlab/common';
import { gemmKernel } from '@creditlab/common/gemm';
import { resolveCompute, type Compute, type RlhfRunConfig, type RunContext } from '@creditlab/spec';
import { PAD, TOK } from './task';
import { gruForward, gruBackward, gruStep, inputTable, inputTableBackward, recurrentWeights, type GruRecurrent } from './gru-kernel';
import { gemmNT32 as gemmNT } from '@creditlab/common/gemm';
import { FusedPgUpdater, GRU_PARAM_NAMES, type FusedAdamState, type GruParams } from './fused-update';
import { pgLoss } from './losses';

/**
 * How the recurrence runs: 'fused' (gru-kernel.ts) or 'tf' (tfjs ops with autograd: the reference the fused
 * kernel is tested against). A run's `compute` picks it (trainRlhf); a model built outside a run takes
 * what `auto` resolves to (CREDITLAB_GRU=tf selects the reference).
 */
export type GruImpl = 'fused' | 'tf';
export const gruImplOf = (compute: Compute): GruImpl => (compute === 'tfjs' ? 'tf' : 'fused');
const DEFAULT_IMPL: GruImpl = gruImplOf(resolveCompute({ requested: 'auto', kind: 'rlhf', fusedUnavailable: null }).compute);

/**
 * Resolves an RLHF run's compute path and records it with the run. On the fused path the embedding, input
 * projection and recurrence run in gru-kernel.ts (forward and backward; products on the float32 WebAssembly
 * SIMD kernel, else JS), plain policy-gradient updates run whole in fused-update.ts, and the rest (other
 * algorithms' heads, losses and Adam) stays tfjs ops on `backend`; on the tfjs path everything is tfjs ops.
 * A resumed run keeps the path its checkpoint was written by (`resumed`): the paths keep different state.
 */
export function recordCompute(ctx: RunContext, cfg: RlhfRunConfig, backend: string, resumed: Compute | null = null): Compute {
  const choice = resolveCompute({ requested: cfg.compute, kind: 'rlhf', fusedUnavailable: null, resumed });
  const engine = choice.compute === 'fused' ? `${gemmKernel('f32') === 'simd' ? 'js+simd' : 'js'} / ${backend}` : backend;
  ctx.reportCompute?.({ ...choice, backend: engine });
  return choice.compute;
}


export interface GruConfig {
  vocab: number;
  hidden: number;
  embedding: number;
  /** Extra scalar heads read from the hidden state (a value head for PPO, a score head for a reward model). */
  valueHead?: boolean;
}

export type Weights = Record<string, { shape: number[]; data: number[] }>;

/** Token-by-token sampling state: logits [B, V] for the current states, then advance by one token per row. */
interface Stepper {
  logits(): Float32Array | Float64Array;
  /** `done[b]`: row b has finished (its logits are no longer read). */
  advance(next: number[], done: boolean[]): void;
  dispose(): void;
}

function glorot(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-a, a);
  return out;
}

export class GruModel {
  readonly vars: Record<string, tf.Variable>;
  impl: GruImpl = DEFAULT_IMPL;
  constructor(
    readonly cfg: GruConfig,
    seed: number,
    trainable = true,
  ) {
    const { vocab: V, hidden: H, embedding: E } = cfg;
    const rng = new Rng(seed).fork('gru-init');
    // tf.variable shares its initial tensor's data and leaves that tensor alive: tidy disposes it.
    const mk = (_name: string, shape: number[], data: Float32Array) => tf.tidy(() => tf.variable(tf.tensor(data, shape), trainable));
    this.vars = {
      emb: mk('emb', [V, E], glorot(rng, V, E)),
      wx: mk('wx', [E, 3 * H], glorot(rng, E, 3 * H)),
      bx: mk('bx', [3 * H], new Float32Array(3 * H)),
      whrz: mk('whrz', [H, 2 * H], glorot(rng, H, 2 * H)),
      whn: mk('whn', [H, H], glorot(rng, H, H)),
      bhn: mk('bhn', [H], new Float32Array(H)),
      wo: mk('wo', [H, V], glorot(rng, H, V)),
      bo: mk('bo', [V], new Float32Array(V)),
    };
    if (cfg.valueHead) {
      this.vars.wv = mk('wv', [H, 1], new Float32Array(H));
      this.vars.bv = mk('bv', [1], new Float32Array(1));
    }
  }

  trainableVars(): tf.Variable[] {
    return Object.values(this.vars);
  }

  /** Input projection of every token at once: [B,T,3H]. */
  private inputProj(tokens: tf.Tensor2D): tf.Tensor3D {
    const [B, T] = tokens.shape;
    const { vocab: V, hidden: H } = this.cfg;
    const oh = tf.oneHot(tokens.reshape([-1]) as tf.Tensor1D, V).toFloat();
    return oh.matMul(this.vars.emb).matMul(this.vars.wx).add(this.vars.bx).reshape([B, T, 3 * H]);
  }

  /** One GRU step (PyTorch's gate convention: the reset gate multiplies W_hn·h + b_hn). */
  private cell(xrz: tf.Tensor2D, xn: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
    const rz = tf.sigmoid(xrz.add(h.matMul(this.vars.whrz)));
    const [r, z] = tf.split(rz, 2, 1);
    const n = tf.tanh(xn.add(r.mul(h.matMul(this.vars.whn).add(this.vars.bhn))));
    return n.add(z.mul(h.sub(n))) as tf.Tensor2D;
  }

  /**
   * Hidden states after each of the first `steps` columns: [B, steps, H]. Differentiable; call inside tidy.
   */
  hiddenStates(tokens: tf.Tensor2D, steps = tokens.shape[1]): tf.Tensor3D {
    const [B] = tokens.shape;
    const H = this.cfg.hidden;
    const used = tokens.slice([0, 0], [B, steps]) as tf.Tensor2D;
    if (this.impl === 'fused') return this.fusedHiddenStates(used);
    const [xrz, xn] = tf.split(this.inputProj(used).transpose([1, 0, 2]), [2 * H, H], 2);
    const xrzs = tf.unstack(xrz) as tf.Tensor2D[];
    const xns = tf.unstack(xn) as tf.Tensor2D[];
    let h = tf.zeros([B, H]) as tf.Tensor2D;
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      h = this.cell(xrzs[t], xns[t], h);
      hs.push(h);
    }
    return tf.stack(hs, 1) as tf.Tensor3D;
  }

  private recurrentWeights(): GruRecurrent {
    const { whrz, whn, bhn } = this.vars;
    return recurrentWeights(whrz.dataSync(), whn.dataSync(), bhn.dataSync(), this.cfg.hidden);
  }

  private inputTable(): Float64Array {
    const { vocab: V, embedding: E, hidden: H } = this.cfg;
    return inputTable(this.vars.emb.dataSync(), this.vars.wx.dataSync(), this.vars.bx.dataSync(), V, E, H);
  }

  /**
   * Embedding, input projection and recurrence by gru-kernel.ts, as one tfjs op with a hand-written gradient
   * for emb, W_x, b_x, W_hr|W_hz, W_hn and b_hn.
   */
  private fusedHiddenStates(tokens: tf.Tensor2D): tf.Tensor3D {
    const [B, T] = tokens.shape;
    const { vocab: V, embedding: E, hidden: H } = this.cfg;
    const tok = tokens.dataSync();
    const xOff = (b: number, t: number) => tok[b * T + t] * 3 * H;
    // Outside variableGrads/grads no backward pass can follow, so no trace is kept.
    if (!tf.engine().isTapeOn()) {
      const { hs } = gruForward(this.recurrentWeights(), this.inputTable(), B, T, false, xOff);
      return tf.tensor3d(Float32Array.from(hs), [B, T, H]);
    }
    const { emb, wx, bx, whrz, whn, bhn } = this.vars;
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [embT, wxT, bxT, whrzT, whnT, bhnT] = args as tf.Tensor[];
      const embD = embT.dataSync();
      const wxD = wxT.dataSync();
      const w = recurrentWeights(whrzT.dataSync(), whnT.dataSync(), bhnT.dataSync(), H);
      const { hs, trace } = gruForward(w, inputTable(embD, wxD, bxT.dataSync(), V, E, H), B, T, true, xOff);
      return {
        value: tf.tensor3d(Float32Array.from(hs), [B, T, H]),
        gradFunc: (dy: tf.Tensor) => {
          const g = gruBackward(w, trace!, dy.dataSync());
          const gi = inputTableBackward(g.dx, tok, embD, wxD, V, E, H);
          const f = (a: Float64Array, shape: number[]) => tf.tensor(Float32Array.from(a), shape);
          return [f(gi.demb, [V, E]), f(gi.dwx, [E, 3 * H]), f(gi.dbx, [3 * H]), f(g.dWhrz, [H, 2 * H]), f(g.dWhn, [H, H]), f(g.dbhn, [H])];
        },
      };
    });
    return op(emb, wx, bx, whrz, whn, bhn) as tf.Tensor3D;
  }

  /**
   * Log-probabilities of the response tokens (columns P..P+L−1) under the model: [B, L].
   * Also the value head's outputs at the states that predict them (V(s_t) before token t), if any.
   * Differentiable; call inside tidy/variableGrads.
   */
  responseLogProbs(tokens: tf.Tensor2D, promptWidth: number, temperature = 1): { logp: tf.Tensor2D; values?: tf.Tensor2D; entropy: tf.Tensor2D } {
    const [B, T] = tokens.shape;
    const L = T - promptWidth;
    const { hidden: H, vocab: V } = this.cfg;
    const hs = this.hiddenStates(tokens, T - 1).slice([0, promptWidth - 1, 0], [B, L, H]).reshape([B * L, H]);
    let logits = hs.matMul(this.vars.wo).add(this.vars.bo);
    if (temperature !== 1) logits = logits.div(temperature);
    const lsm = tf.logSoftmax(logits);
    const target = tokens.slice([0, promptWidth], [B, L]).reshape([-1]) as tf.Tensor1D;
    const logp = lsm.mul(tf.oneHot(target, V).toFloat()).sum(1).reshape([B, L]) as tf.Tensor2D;
    const entropy = lsm.exp().mul(lsm).sum(1).neg().reshape([B, L]) as tf.Tensor2D;
    const out: { logp: tf.Tensor2D; values?: tf.Tensor2D; entropy: tf.Tensor2D } = { logp, entropy };
    if (this.vars.wv) out.values = hs.matMul(this.vars.wv).add(this.vars.bv).reshape([B, L]) as tf.Tensor2D;
    return out;
  }

  /** Scalar head at every response column (after reading token P+t): [B, L]. Used by learned reward models. */
  responseScores(tokens: tf.Tensor2D, promptWidth: number): tf.Tensor2D {
    const [B, T] = tokens.shape;
    const L = T - promptWidth;
    const H = this.cfg.hidden;
    const hs = this.hiddenStates(tokens).slice([0, promptWidth, 0], [B, L, H]).reshape([B * L, H]);
    return hs.matMul(this.vars.wv).add(this.vars.bv).reshape([B, L]) as tf.Tensor2D;
  }

  /**
   * Samples responses for left-padded prompts (all of width P). Greedy when `greedy`, else temperature/top-k.
   * A row stops after '.'; generation stops when every row has, or at `maxTokens` (the row is then truncated).
   * Deterministic under `rng`: the token draws happen in JS from the seeded stream.
   */
  sample(prompts: number[][], opts: { maxTokens: number; rng: Rng; temperature?: number; topK?: number; greedy?: boolean; prefixes?: number[][] }): number[][] {
    const B = prompts.length;
    const V = this.cfg.vocab;
    const temperature = opts.temperature ?? 1;
    const topK = opts.topK ?? 0;
    const out: number[][] = prompts.map(() => []);
    const done = new Array<boolean>(B).fill(false);
    // Forced response prefixes (Monte-Carlo completions continue from a given partial solution).
    const prefixes = opts.prefixes ?? prompts.map(() => []);
    const stepper = this.impl === 'fused' ? this.fusedStepper(prompts) : this.tfStepper(prompts);
    const probs = new Float64Array(V);
    const idx = Array.from({ length: V }, (_, i) => i);
    const everyToken = idx.slice(1);
    for (let t = 0; t < opts.maxTokens; t++) {
      const logits = stepper.logits();
      const next = new Array<number>(B).fill(PAD);
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        let tok: number;
        if (t < prefixes[b].length) tok = prefixes[b][t];
        else {
          const row = logits.subarray(b * V, (b + 1) * V);
          // PAD is never a valid output.
          if (opts.greedy) {
            tok = 1;
            for (let v = 2; v < V; v++) if (row[v] > row[tok]) tok = v;
          } else {
            let allowed = everyToken;
            if (topK > 0 && topK < allowed.length) allowed = idx.slice(1).sort((a, c) => row[c] - row[a]).slice(0, topK);
            let mx = -Infinity;
            for (const v of allowed) mx = Math.max(mx, row[v] / temperature);
            let z = 0;
            probs.fill(0);
            for (const v of allowed) z += probs[v] = Math.exp(row[v] / temperature - mx);
            let u = opts.rng.next() * z;
            tok = allowed[allowed.length - 1];
            for (const v of allowed) {
              u -= probs[v];
              if (u <= 0) {
                tok = v;
                break;
              }
            }
          }
        }
        next[b] = tok;
        out[b].push(tok);
        if (tok === TOK.END) done[b] = true;
      }
      if (done.every(Boolean)) break;
      stepper.advance(next, done);
    }
    stepper.dispose();
    return out;
  }

  /**
   * Sampling state in plain JS (gru-kernel.ts): the hidden state after the prompts, then one step per token.
   * Only rows still generating are stepped: their states are kept packed (`rows` maps packed → batch row).
   */
  private fusedStepper(prompts: number[][]): Stepper {
    const B = prompts.length;
    const P = prompts[0].length;
    const { vocab: V, hidden: H } = this.cfg;
    const w = this.recurrentWeights();
    const table = this.inputTable(); // a step's input is a row lookup
    const wo = this.vars.wo.dataSync();
    const woT = new Float64Array(V * H);
    for (let j = 0; j < H; j++) for (let v = 0; v < V; v++) woT[v * H + j] = wo[j * V + v];
    const bo = Float64Array.from(this.vars.bo.dataSync());
    // One spare row, so products run on an even number of rows (the SIMD kernel's 2×2 blocks).
    let hPrev = new Float64Array((B + 1) * H);
    let h = new Float64Array((B + 1) * H);
    const G = new Float64Array((B + 1) * 3 * H);
    const packed = new Float64Array((B + 1) * V);
    const logits = new Float64Array(B * V);
    const rows = Int32Array.from({ length: B }, (_, i) => i);
    let n = B;
    const even = () => n + (n & 1);
    const advance = (tok: (i: number) => number) => {
      gruStep(w, even(), table, (i) => (i < n ? tok(i) : 0) * 3 * H, hPrev, h, G);
      [hPrev, h] = [h, hPrev];
    };
    for (let t = 0; t < P; t++) advance((i) => prompts[i][t]);
    return {
      logits: () => {
        gemmNT(hPrev.subarray(0, even() * H), woT, packed, even(), V, H, bo);
        for (let i = 0; i < n; i++) logits.set(packed.subarray(i * V, (i + 1) * V), rows[i] * V);
        return logits;
      },
      advance: (next, done) => {
        let m = 0;
        for (let i = 0; i < n; i++) {
          if (done[rows[i]]) continue;
          if (m !== i) {
            rows[m] = rows[i];
            hPrev.copyWithin(m * H, i * H, (i + 1) * H);
          }
          m++;
        }
        n = m;
        advance((i) => next[rows[i]]);
      },
      dispose: () => {},
    };
  }

  /** Sampling state as tfjs ops (the reference implementation). */
  private tfStepper(prompts: number[][]): Stepper {
    const B = prompts.length;
    const P = prompts[0].length;
    const { vocab: V, hidden: H } = this.cfg;
    let h = tf.tidy(() => {
      const seq = this.hiddenStates(tf.tensor2d(prompts, [B, P], 'int32'));
      return seq.slice([0, P - 1, 0], [B, 1, H]).reshape([B, H]) as tf.Tensor2D;
    });
    const embWx = tf.tidy(() => this.vars.emb.matMul(this.vars.wx).add(this.vars.bx));
    return {
      logits: () => tf.tidy(() => h.matMul(this.vars.wo).add(this.vars.bo)).dataSync() as Float32Array,
      advance: (next) => {
        const nh = tf.tidy(() => {
          const x = tf.oneHot(tf.tensor1d(next, 'int32'), V).toFloat().matMul(embWx);
          const [xrz, xn] = tf.split(x, [2 * H, H], 1);
          return this.cell(xrz as tf.Tensor2D, xn as tf.Tensor2D, h);
        });
        h.dispose();
        h = nh;
      },
      dispose: () => {
        h.dispose();
        embWx.dispose();
      },
    };
  }

  getWeights(): Weights {
    const w: Weights = {};
    for (const [k, v] of Object.entries(this.vars)) w[k] = { shape: v.shape, data: Array.from(v.dataSync()) };
    return w;
  }

  setWeights(w: Weights): void {
    for (const [k, v] of Object.entries(this.vars)) {
      const src = w[k];
      if (!src) continue; // e.g. a value head absent from an SFT checkpoint keeps its initialisation
      if (src.shape.join() !== v.shape.join()) throw new Error(`weight ${k}: shape ${src.shape} ≠ ${v.shape}`);
      tf.tidy(() => v.assign(tf.tensor(src.data, src.shape)));
    }
  }

  /** A digest of every weight's float32 bytes: a resumed run checks its rebuilt frozen models against it. */
  weightsDigest(): string {
    const parts = Object.entries(this.vars).map(([k, v]) => {
      const d = v.dataSync() as Float32Array;
      return `${k}[${v.shape}]:${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64')}`;
    });
    return hash128(parts.join(';'));
  }

  /** A copy with the same weights; frozen (not trainable) unless asked. */
  clone(opts: { trainable?: boolean; valueHead?: boolean; seed?: number } = {}): GruModel {
    const m = new GruModel({ ...this.cfg, valueHead: opts.valueHead ?? this.cfg.valueHead }, opts.seed ?? 0, opts.trainable ?? false);
    m.impl = this.impl;
    for (const [k, v] of Object.entries(this.vars)) if (m.vars[k]) m.vars[k].assign(v);
    return m;
  }

  dispose(): void {
    for (const v of Object.values(this.vars)) v.dispose();
  }
}

/** Pads response rows to a common length and prepends the prompts: int32 [B, P+L] plus a 0/1 response mask [B, L]. */
export function batchTensors(prompts: number[][], responses: number[][]): { tokens: tf.Tensor2D; mask: tf.Tensor2D; L: number } {
  const B = prompts.length;
  const P = prompts[0].length;
  const L = Math.max(1, ...responses.map((r) => r.length));
  const tok = new Int32Array(B * (P + L));
  const mask = new Float32Array(B * L);
  for (let b = 0; b < B; b++) {
    tok.set(prompts[b], b * (P + L));
    tok.set(responses[b], b * (P + L) + P);
    mask.fill(1, b * L, b * L + responses[b].length);
  }
  return { tokens: tf.tensor2d(tok, [B, P + L], 'int32'), mask: tf.tensor2d(mask, [B, L]), L };
}

/** Adam step with global-norm gradient clipping. Returns the loss and the pre-clip gradient norm. */
export function clippedStep(opt: tf.Optimizer, vars: tf.Variable[], lossFn: () => tf.Scalar, maxNorm: number): { loss: number; gradNorm: number } {
  const { value, grads } = tf.variableGrads(lossFn, vars);
  const gs = Object.values(grads);
  const norm = tf.tidy(() => tf.sqrt(tf.addN(gs.map((g) => g.square().sum()))).dataSync()[0]);
  const scale = maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1;
  const named: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) named[k] = scale === 1 ? g : tf.tidy(() => g.mul(scale));
  opt.applyGradients(named as tf.NamedTensorMap);
  const loss = value.dataSync()[0];
  value.dispose();
  for (const g of gs) g.dispose();
  if (scale !== 1) for (const g of Object.values(named)) g.dispose();
  return { loss, gradNorm: norm };
}

/**
 * The REINFORCE/RLOO update on the model's compute path: token-mean pgLoss, global-norm clipping, Adam.
 * 'fused': fused-update.ts (no tfjs ops; the variables are read before and written after each update);
 * 'tf': responseLogProbs + pgLoss + clippedStep with tfjs's Adam, the reference it is tested against.
 * Adam's state lives here, so one instance serves a whole run.
 */
export class PolicyGradientStep {
  private opt: tf.Optimizer | null = null;
  private fused: FusedPgUpdater | null = null;
  constructor(
    readonly model: GruModel,
    readonly lr: number,
    readonly maxNorm: number,
  ) {
    if (model.cfg.valueHead) throw new Error('PolicyGradientStep: the policy-gradient loss does not train a value head');
  }

  /** adv[b][t]: the advantage of response token t of row b. */
  step(prompts: number[][], responses: number[][], adv: ArrayLike<number>[], promptWidth: number): { loss: number; gradNorm: number } {
    if (prompts[0]?.length !== promptWidth) throw new Error(`PolicyGradientStep: prompts are ${prompts[0]?.length} wide, expected ${promptWidth}`);
    if (this.model.impl === 'fused') {
      this.fused ??= new FusedPgUpdater(this.lr);
      const { vars, cfg } = this.model;
      const params = Object.fromEntries(GRU_PARAM_NAMES.map((k) => [k, Float64Array.from(vars[k].dataSync())])) as unknown as GruParams;
      const out = this.fused.step(params, { V: cfg.vocab, E: cfg.embedding, H: cfg.hidden }, { prompts, responses, adv }, this.maxNorm);
      // assign() keeps the handle of the tensor it was given alive: tidy frees it.
      tf.tidy(() => {
        for (const k of GRU_PARAM_NAMES) vars[k].assign(tf.tensor(Float32Array.from(params[k]), vars[k].shape));
      });
      return out;
    }
    this.opt ??= tf.train.adam(this.lr);
    const opt = this.opt;
    const { tokens, mask, L } = batchTensors(prompts, responses);
    const a = new Float32Array(prompts.length * L);
    responses.forEach((r, b) => {
      for (let t = 0; t < r.length; t++) a[b * L + t] = adv[b][t];
    });
    const advT = tf.tensor2d(a, [prompts.length, L]);
    try {
      return tf.tidy(() => clippedStep(opt, this.model.trainableVars(), () => pgLoss(this.model.responseLogProbs(tokens, promptWidth).logp, advT, mask), this.maxNorm));
    } finally {
      tf.dispose([tokens, mask, advT]);
    }
  }

  /**
   * Adam's state for a resume checkpoint (the weights live in the model). Only the fused path's: on the
   * tfjs path the caller owns an optimiser it saves itself, so this one refuses rather than save half a state.
   */
  saveState(): { fusedAdam: FusedAdamState | null } {
    if (this.opt) throw new Error('PolicyGradientStep: the tfjs path does not save its optimiser state');
    return { fusedAdam: this.fused?.adam.saveState() ?? null };
  }

  loadState(s: { fusedAdam: FusedAdamState | null }): void {
    if (this.model.impl !== 'fused') throw new Error('PolicyGradientStep: only the fused path restores its optimiser state');
    this.fused = new FusedPgUpdater(this.lr);
    if (s.fusedAdam) this.fused.adam.loadState(s.fusedAdam);
  }

  dispose(): void {
    this.opt?.dispose();
  }
}
