// The GRU recurrence as one fused forward and one fused backward (BPTT) pass over Float64Arrays.
//
// Why: written as tfjs ops, every time step of the recurrence is ~12 small kernels forward and ~40 with
// autograd backward; at this model's size (batch 256, hidden 64, ~30 steps) the tfjs engine's per-op
// bookkeeping, not arithmetic, was ~90 % of an RLHF update (profiled: 0.77 s of an 0.85 s iteration).
// Here each step is one matrix product (h·[W_hr W_hz W_hn], through @creditlab/common/gemm's f32x4 SIMD
// kernel: float32 products like the tfjs reference, float64 everywhere else) plus one elementwise loop; the
// weight gradient is one product over all steps at the end.
// Gate convention is PyTorch's (and model.ts's): r and z from x_r + h·W_hr and x_z + h·W_hz,
// n = tanh(x_n + r ⊙ (h·W_hn + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h. Input projections x (embedding, W_x, b_x)
// and the output head stay in tfjs: they are a few large ops, where tfjs is efficient.
import { gemmNT32 as gemmNT, transpose } from '@creditlab/common/gemm';

/**
 * Every token's input projection, emb·W_x + b_x: [V, 3H]. With one-hot inputs the projection of token v is
 * row v, so the recurrence reads rows of this table instead of multiplying one-hot matrices.
 */
export function inputTable(emb: ArrayLike<number>, wx: ArrayLike<number>, bx: ArrayLike<number>, V: number, E: number, H: number): Float64Array {
  const H3 = 3 * H;
  const table = new Float64Array(V * H3);
  for (let v = 0; v < V; v++)
    for (let k = 0; k < H3; k++) {
      let acc = bx[k];
      for (let e = 0; e < E; e++) acc += emb[v * E + e] * wx[e * H3 + k];
      table[v * H3 + k] = acc;
    }
  return table;
}

/**
 * Gradients of emb [V, E], W_x [E, 3H] and b_x [3H] from the gradient of the projected inputs dx [B, T, 3H]
 * of the tokens [B, T]: rows of dx are summed per token (the table's gradient), then pushed through the product.
 */
export function inputTableBackward(
  dx: Float64Array,
  tokens: ArrayLike<number>,
  emb: ArrayLike<number>,
  wx: ArrayLike<number>,
  V: number,
  E: number,
  H: number,
): { demb: Float64Array; dwx: Float64Array; dbx: Float64Array } {
  const H3 = 3 * H;
  const dTable = new Float64Array(V * H3);
  for (let i = 0; i < tokens.length; i++) {
    const to = tokens[i] * H3;
    const xo = i * H3;
    for (let k = 0; k < H3; k++) dTable[to + k] += dx[xo + k];
  }
  return tableBackward(dTable, emb, wx, V, E, H);
}

/** Gradients of emb [V, E], W_x [E, 3H] and b_x [3H] from the gradient of the input table dTable [V, 3H]. */
export function tableBackward(
  dTable: ArrayLike<number>,
  emb: ArrayLike<number>,
  wx: ArrayLike<number>,
  V: number,
  E: number,
  H: number,
): { demb: Float64Array; dwx: Float64Array; dbx: Float64Array } {
  const H3 = 3 * H;
  const demb = new Float64Array(V * E);
  const dwx = new Float64Array(E * H3);
  const dbx = new Float64Array(H3);
  for (let v = 0; v < V; v++)
    for (let k = 0; k < H3; k++) {
      const g = dTable[v * H3 + k];
      if (g === 0) continue;
      dbx[k] += g;
      for (let e = 0; e < E; e++) {
        demb[v * E + e] += g * wx[e * H3 + k];
        dwx[e * H3 + k] += g * emb[v * E + e];
      }
    }
  return { demb, dwx, dbx };
}

/** Recurrent weights in the two layouts the products need. */
export interface GruRecurrent {
  H: number;
  /** [H, 3H]: row j holds W_hr[j,:], W_hz[j,:], W_hn[j,:]. */
  Wh: Float64Array;
  /** [3H, H]: the transpose, so h·Wh is gemmNT(h, WhT). */
  WhT: Float64Array;
  bhn: Float64Array;
}

/** Builds the layouts from model.ts's variables: whrz [H, 2H], whn [H, H], bhn [H]. */
export function recurrentWeights(whrz: ArrayLike<number>, whn: ArrayLike<number>, bhn: ArrayLike<number>, H: number): GruRecurrent {
  const Wh = new Float64Array(3 * H * H);
  for (let j = 0; j < H; j++) {
    for (let k = 0; k < 2 * H; k++) Wh[j * 3 * H + k] = whrz[j * 2 * H + k];
    for (let k = 0; k < H; k++) Wh[j * 3 * H + 2 * H + k] = whn[j * H + k];
  }
  const WhT = new Float64Array(3 * H * H);
  transpose(Wh, WhT, H, 3 * H);
  return { H, Wh, WhT, bhn: Float64Array.from(bhn) };
}

// exp(v) = 2^n · e^r with n = round(v·log2 e) and |r| ≤ ln2/2: a degree-8 Taylor polynomial for e^r (relative
// error < 3e-10, far below the float32 reference's) and 2^n from a table. Cheaper than Math.exp, which V8
// calls out of line; the gates spend three exponentials per unit per step.
const POW2 = Float64Array.from({ length: 2047 }, (_, i) => Math.pow(2, i - 1023));
const LOG2E = 1.4426950408889634;
const LN2_HI = 0.6931471803691238; // ln 2 split so n·LN2_HI is exact
const LN2_LO = 1.9082149292705877e-10;
const ROUND = 6755399441055744; // 1.5·2^52: adding and subtracting it rounds a double to an integer

export function fastExp(v: number): number {
  if (v > 700) v = 700;
  else if (v < -700) v = -700;
  else if (v !== v) return v; // NaN stays NaN
  const n = v * LOG2E + ROUND - ROUND;
  const r = v - n * LN2_HI - n * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320))))))));
  return p * POW2[(n + 1023) | 0];
}
export const sigmoid = (v: number) => 1 / (1 + fastExp(-v));
/** tanh through one exponential (V8's Math.tanh costs more than an exp). */
export const tanh = (v: number) => 1 - 2 / (fastExp(2 * v) + 1);

/**
 * One step for a batch: h = GRU(x, hPrev). x rows are read at x[xOff(b) .. + 3H]. G is scratch [B, 3H].
 * When `gates` is given, r, z, n and (h·W_hn + b_hn) are written there at offset b·H (for the backward pass).
 */
export function gruStep(
  w: GruRecurrent,
  B: number,
  x: ArrayLike<number>,
  xOff: (b: number) => number,
  hPrev: Float64Array,
  h: Float64Array,
  G: Float64Array,
  gates?: { r: Float64Array; z: Float64Array; n: Float64Array; hn: Float64Array; off: number },
): void {
  const H = w.H;
  gemmNT(hPrev, w.WhT, G, B, 3 * H, H, null);
  for (let b = 0; b < B; b++) {
    const xo = xOff(b);
    const go = b * 3 * H;
    const ho = b * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(x[xo + j] + G[go + j]);
      const z = sigmoid(x[xo + H + j] + G[go + H + j]);
      const hn = G[go + 2 * H + j] + w.bhn[j];
      const n = tanh(x[xo + 2 * H + j] + r * hn);
      const hp = hPrev[ho + j];
      h[ho + j] = n + z * (hp - n);
      if (gates) {
        const o = gates.off + ho + j;
        gates.r[o] = r;
        gates.z[o] = z;
        gates.n[o] = n;
        gates.hn[o] = hn;
      }
    }
  }
}

/** What the backward pass needs from a forward pass, time-major: index (t·B + b)·H + j. */
export interface GruTrace {
  B: number;
  T: number;
  /** Hidden state before step t (zeros at t = 0). */
  hPrev: Float64Array;
  r: Float64Array;
  z: Float64Array;
  n: Float64Array;
  hn: Float64Array;
}

/**
 * Runs the recurrence from h = 0 over x [B, T, 3H] (batch-major, as tfjs lays out [B, T, 3H]).
 * Returns the hidden states [B, T, H] (batch-major) and, if asked, the trace for `gruBackward`.
 */
export function gruForward(
  w: GruRecurrent,
  x: ArrayLike<number>,
  B: number,
  T: number,
  keepTrace: boolean,
  xOff: (b: number, t: number) => number = (b, t) => (b * T + t) * 3 * w.H,
): { hs: Float64Array; trace?: GruTrace } {
  const H = w.H;
  const hs = new Float64Array(B * T * H);
  const G = new Float64Array(B * 3 * H);
  const size = B * T * H;
  const trace: GruTrace | undefined = keepTrace
    ? { B, T, hPrev: new Float64Array(size), r: new Float64Array(size), z: new Float64Array(size), n: new Float64Array(size), hn: new Float64Array(size) }
    : undefined;
  let hPrev = new Float64Array(B * H);
  let h = new Float64Array(B * H);
  for (let t = 0; t < T; t++) {
    if (trace) trace.hPrev.set(hPrev, t * B * H);
    gruStep(w, B, x, (b) => xOff(b, t), hPrev, h, G, trace ? { r: trace.r, z: trace.z, n: trace.n, hn: trace.hn, off: t * B * H } : undefined);
    for (let b = 0; b < B; b++) hs.set(h.subarray(b * H, (b + 1) * H), (b * T + t) * H);
    [hPrev, h] = [h, hPrev];
  }
  return { hs, trace };
}

/**
 * Backpropagation through time. dhs [B, T, H] is the loss gradient w.r.t. every hidden state.
 * Returns gradients for x [B, T, 3H], W_hr|W_hz as [H, 2H], W_hn [H, H] and b_hn [H] (model.ts's layouts).
 */
export function gruBackward(w: GruRecurrent, trace: GruTrace, dhs: ArrayLike<number>): { dx: Float64Array; dWhrz: Float64Array; dWhn: Float64Array; dbhn: Float64Array } {
  const { B, T } = trace;
  const H = w.H;
  const H3 = 3 * H;
  const dx = new Float64Array(B * T * H3);
  const dG = new Float64Array(T * B * H3); // time-major, kept for the one weight-gradient product
  const dbhn = new Float64Array(H);
  let carry = new Float64Array(B * H); // dL/dh flowing back from step t+1
  let next = new Float64Array(B * H);
  const back = new Float64Array(B * H);
  for (let t = T - 1; t >= 0; t--) {
    const to = t * B * H;
    const gOff = t * B * H3;
    for (let b = 0; b < B; b++) {
      const ho = b * H;
      const xo = (b * T + t) * H3;
      const go = gOff + b * H3;
      const yo = (b * T + t) * H;
      for (let j = 0; j < H; j++) {
        const o = to + ho + j;
        const r = trace.r[o];
        const z = trace.z[o];
        const n = trace.n[o];
        const dh = dhs[yo + j] + carry[ho + j];
        const dn = dh * (1 - z);
        const dz = dh * (trace.hPrev[o] - n);
        const dan = dn * (1 - n * n);
        const dhn = dan * r;
        const dar = dan * trace.hn[o] * r * (1 - r);
        const daz = dz * z * (1 - z);
        dx[xo + j] = dar;
        dx[xo + H + j] = daz;
        dx[xo + 2 * H + j] = dan;
        dG[go + j] = dar;
        dG[go + H + j] = daz;
        dG[go + 2 * H + j] = dhn;
        dbhn[j] += dhn;
        next[ho + j] = dh * z;
      }
    }
    if (t > 0) {
      // dL/dh_{t-1} = dh ⊙ z + dG_t · Whᵀ
      gemmNT(dG.subarray(gOff, gOff + B * H3), w.Wh, back, B, H, H3, null);
      for (let i = 0; i < B * H; i++) next[i] += back[i];
    }
    [carry, next] = [next, carry];
  }
  // dWhT [3H, H] = Σ_t dG_tᵀ · hPrev_t, as one product over all T·B rows.
  const K = T * B;
  const dGT = new Float64Array(H3 * K);
  transpose(dG, dGT, K, H3);
  const hT = new Float64Array(H * K);
  transpose(trace.hPrev, hT, K, H);
  const dWhT = new Float64Array(H3 * H);
  gemmNT(dGT, hT, dWhT, H3, H, K, null);
  const dWhrz = new Float64Array(H * 2 * H);
  const dWhn = new Float64Array(H * H);
  for (let k = 0; k < H3; k++)
    for (let j = 0; j < H; j++) {
      const v = dWhT[k * H + j];
      if (k < 2 * H) dWhrz[j * 2 * H + k] = v;
      else dWhn[j * H + (k - 2 * H)] = v;
    }
  return { dx, dWhrz, dWhn, dbhn };
}
