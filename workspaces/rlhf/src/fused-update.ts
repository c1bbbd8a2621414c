// The whole REINFORCE/RLOO policy-gradient update of the GRU policy in one fused pass, no tfjs ops:
// forward over each row only as far as its response goes, output head, log-softmax, the token-mean loss
// −Σ A_t·log π(y_t) / #tokens (losses.ts's pgLoss), BPTT, global-norm clipping and Adam (tfjs's formula and
// defaults, so a run does the same update on either path). test/fused-update.test.ts checks the loss, every
// gradient and one Adam step against the tfjs path (responseLogProbs + pgLoss + clippedStep).
//
// Why: with the recurrence fused (gru-kernel.ts), the output head, losses and Adam were still dozens of small
// tfjs ops per update, and the padded batch was run to its longest row: responses stop at '.', so much of the
// [B, P+L] grid is padding whose states no loss reads. Here rows are ordered by length, so at each time step
// the rows still running are a prefix and every product covers only them; all buffers are kept between
// updates (no allocation per token).
import { gemmNT32 as gemmNT } from '@creditlab/common/gemm';
import { fastExp, inputTable, recurrentWeights, sigmoid, tableBackward, tanh } from './gru-kernel';

/** The GRU policy's parameters as flat arrays, in model.ts's variable layouts. */
export interface GruParams {
  emb: Float64Array; // [V, E]
  wx: Float64Array; // [E, 3H]
  bx: Float64Array; // [3H]
  whrz: Float64Array; // [H, 2H]
  whn: Float64Array; // [H, H]
  bhn: Float64Array; // [H]
  wo: Float64Array; // [H, V]
  bo: Float64Array; // [V]
}
export const GRU_PARAM_NAMES = ['emb', 'wx', 'bx', 'whrz', 'whn', 'bhn', 'wo', 'bo'] as const;

export interface GruDims {
  V: number;
  E: number;
  H: number;
}

/** One batch: left-padded prompts of one width, their responses, and one advantage per response token. */
export interface PgBatch {
  prompts: number[][];
  responses: number[][];
  /** adv[b][t] for t < responses[b].length (longer rows are fine, the extra entries are ignored). */
  adv: ArrayLike<number>[];
}

/** Scratch kept between updates; grows to the largest batch seen. */
class Scratch {
  private bufs = new Map<string, Float64Array>();
  get(name: string, n: number, zero = false): Float64Array {
    let b = this.bufs.get(name);
    if (!b || b.length < n) {
      b = new Float64Array(Math.max(n, Math.ceil((b?.length ?? 0) * 1.25)));
      this.bufs.set(name, b);
    } else if (zero) b.fill(0, 0, n);
    return b;
  }
}

/**
 * Loss and gradients of the token-mean policy-gradient loss, −Σ_{b,t} A[b,t]·log π(y[b,t] | prefix) / Σ_b n_b.
 * Gradients are written into `grads` (same layouts as the parameters).
 */
export function pgLossAndGrads(p: GruParams, dims: GruDims, batch: PgBatch, grads: GruParams, scratch: Scratch = new Scratch()): number {
  const { V, E, H } = dims;
  const H3 = 3 * H;
  const { prompts, responses, adv } = batch;
  const B = prompts.length;
  const P = prompts[0]?.length ?? 0;
  if (B === 0 || P === 0) throw new Error('pgLossAndGrads: an empty batch or empty prompts');
  for (const g of GRU_PARAM_NAMES) grads[g].fill(0);
  // Row b needs the states after columns 0 … P+n_b−2 (token t of the response is predicted from the state
  // after column P−1+t), i.e. T_b = P+n_b−1 steps; a row with no response needs none.
  const steps = responses.map((r) => (r.length === 0 ? 0 : P + r.length - 1));
  const nTok = responses.reduce((s, r) => s + r.length, 0);
  if (nTok === 0) throw new Error('pgLossAndGrads: the batch has no response tokens');
  const perm = Array.from({ length: B }, (_, i) => i).sort((a, b) => steps[b] - steps[a] || a - b);
  const T = steps[perm[0]];
  // active[t]: rows still running at step t (a prefix of perm); off[t]: their first packed row.
  const active = new Int32Array(T + 1);
  const off = new Int32Array(T + 1);
  for (let t = 0, a = B; t < T; t++) {
    while (a > 0 && steps[perm[a - 1]] <= t) a--;
    active[t] = a;
    off[t + 1] = off[t] + a;
  }
  const K = off[T];
  const col = (b: number, c: number) => (c < P ? prompts[b][c] : responses[b][c - P]);

  // ---- forward: packed rows, k = off[t] + i holds step t of row perm[i]
  const w = recurrentWeights(p.whrz, p.whn, p.bhn, H);
  const table = inputTable(p.emb, p.wx, p.bx, V, E, H);
  // One spare row everywhere: products run on an even number of rows (the SIMD kernel's 2×2 blocks), and
  // the spare row's result is never read.
  const hPrev = scratch.get('hPrev', (K + 1) * H); // state before step t
  const hOut = scratch.get('hOut', K * H); // state after step t
  const gr = scratch.get('r', K * H);
  const gz = scratch.get('z', K * H);
  const gn = scratch.get('n', K * H);
  const ghn = scratch.get('hn', K * H);
  const G = scratch.get('G', (B + 1) * H3);
  const tokOf = new Int32Array(K);
  for (let t = 0; t < T; t++) {
    const a = active[t];
    const k0 = off[t];
    if (t === 0) {
      hPrev.fill(0, 0, a * H);
      G.fill(0, 0, a * H3); // h·W_h of the zero state
    } else {
      // The rows still running are a prefix of the previous step's rows, so their states are one block.
      hPrev.set(hOut.subarray(off[t - 1] * H, (off[t - 1] + a) * H), k0 * H);
      const ae = a + (a & 1);
      gemmNT(hPrev.subarray(k0 * H, (k0 + ae) * H), w.WhT, G, ae, H3, H, null);
    }
    for (let i = 0; i < a; i++) {
      const k = k0 + i;
      const tok = col(perm[i], t);
      tokOf[k] = tok;
      const xo = tok * H3;
      const go = i * H3;
      const ho = k * H;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(table[xo + j] + G[go + j]);
        const z = sigmoid(table[xo + H + j] + G[go + H + j]);
        const hn = G[go + 2 * H + j] + w.bhn[j];
        const n = tanh(table[xo + 2 * H + j] + r * hn);
        const hp = hPrev[ho + j];
        hOut[ho + j] = n + z * (hp - n);
        gr[ho + j] = r;
        gz[ho + j] = z;
        gn[ho + j] = n;
        ghn[ho + j] = hn;
      }
    }
  }

  // ---- output head on the states that predict response tokens: logits = h·W_o + b_o, log-softmax
  const Vp = (V + 3) & ~3; // padded to a multiple of 4 for the SIMD products
  const woT = scratch.get('woT', Vp * H, true); // [Vp, H], rows ≥ V stay zero
  for (let j = 0; j < H; j++) for (let v = 0; v < V; v++) woT[v * H + j] = p.wo[j * V + v];
  const Hs = scratch.get('Hs', (nTok + 1) * H); // the states, one row per response token (+ a spare row)
  const rowK = new Int32Array(nTok); // packed row of that state
  const target = new Int32Array(nTok);
  const coef = new Float64Array(nTok); // −A/N
  let q = 0;
  for (let i = 0; i < B; i++) {
    const b = perm[i];
    const resp = responses[b];
    for (let s = 0; s < resp.length; s++) {
      const t = P - 1 + s; // the step whose output predicts token s
      const k = off[t] + i;
      rowK[q] = k;
      Hs.set(hOut.subarray(k * H, (k + 1) * H), q * H);
      target[q] = resp[s];
      coef[q] = -adv[b][s] / nTok;
      q++;
    }
  }
  const M = nTok;
  const Me = M + (M & 1);
  const logits = scratch.get('logits', (M + 1) * Vp);
  gemmNT(Hs.subarray(0, Me * H), woT, logits, Me, Vp, H, null);
  let loss = 0;
  const dLogits = scratch.get('dLogits', (M + 1) * Vp, true);
  for (let q2 = 0; q2 < M; q2++) {
    const lo = q2 * Vp;
    let mx = -Infinity;
    for (let v = 0; v < V; v++) {
      const z = logits[lo + v] + p.bo[v];
      logits[lo + v] = z;
      if (z > mx) mx = z;
    }
    let sum = 0;
    for (let v = 0; v < V; v++) sum += fastExp(logits[lo + v] - mx);
    const lse = mx + Math.log(sum);
    const c = coef[q2];
    loss += c * (logits[lo + target[q2]] - lse);
    // d(c·log p_y)/dz_v = c·(1[v = y] − softmax_v)
    for (let v = 0; v < V; v++) dLogits[lo + v] = -c * fastExp(logits[lo + v] - lse);
    dLogits[lo + target[q2]] += c;
  }
  // dW_o [H, V] = Hsᵀ·dLogits, db_o = Σ rows, dHs = dLogits·W_oᵀ
  const dHs = scratch.get('dHs', (M + 1) * H);
  const wo = scratch.get('woPad', H * Vp, true); // [H, Vp]
  for (let j = 0; j < H; j++) for (let v = 0; v < V; v++) wo[j * Vp + v] = p.wo[j * V + v];
  gemmNT(dLogits.subarray(0, Me * Vp), wo, dHs, Me, H, Vp, null);
  const M4 = (M + 3) & ~3;
  const dLT = scratch.get('dLT', Vp * M4, true);
  const HsT = scratch.get('HsT', H * M4, true);
  transposePadded(dLogits, dLT, M, Vp, M4);
  transposePadded(Hs, HsT, M, H, M4);
  const dWoT = scratch.get('dWoT', Vp * H);
  gemmNT(dLT.subarray(0, Vp * M4), HsT.subarray(0, H * M4), dWoT, Vp, H, M4, null);
  for (let j = 0; j < H; j++) for (let v = 0; v < V; v++) grads.wo[j * V + v] = dWoT[v * H + j];
  for (let q2 = 0; q2 < M; q2++) for (let v = 0; v < V; v++) grads.bo[v] += dLogits[q2 * Vp + v];
  // The head's gradient w.r.t. each packed state.
  const dHead = scratch.get('dHead', K * H, true);
  for (let q2 = 0; q2 < M; q2++) {
    const ko = rowK[q2] * H;
    const qo = q2 * H;
    for (let j = 0; j < H; j++) dHead[ko + j] += dHs[qo + j];
  }

  // ---- BPTT over the packed rows
  const dG = scratch.get('dG', (K + 1) * H3);
  const dTable = scratch.get('dTable', V * H3, true);
  let carry = scratch.get('carry', (B + 1) * H, true); // dL/dh flowing back from step t+1, by perm index
  let next = scratch.get('next', (B + 1) * H, true);
  const back = scratch.get('back', (B + 1) * H);
  for (let t = T - 1; t >= 0; t--) {
    const a = active[t];
    const k0 = off[t];
    // Rows that end at this step have no later step: nothing flows back into them.
    const aNext = t + 1 < T ? active[t + 1] : 0;
    carry.fill(0, aNext * H, a * H);
    for (let i = 0; i < a; i++) {
      const k = k0 + i;
      const ho = k * H;
      const io = i * H;
      const go = k * H3;
      const to = tokOf[k] * H3;
      for (let j = 0; j < H; j++) {
        const r = gr[ho + j];
        const z = gz[ho + j];
        const n = gn[ho + j];
        const dh = dHead[ho + j] + carry[io + j];
        const dn = dh * (1 - z);
        const dz = dh * (hPrev[ho + j] - n);
        const dan = dn * (1 - n * n);
        const dhn = dan * r;
        const dar = dan * ghn[ho + j] * r * (1 - r);
        const daz = dz * z * (1 - z);
        dTable[to + j] += dar;
        dTable[to + H + j] += daz;
        dTable[to + 2 * H + j] += dan;
        dG[go + j] = dar;
        dG[go + H + j] = daz;
        dG[go + 2 * H + j] = dhn;
        grads.bhn[j] += dhn;
        next[io + j] = dh * z;
      }
    }
    if (t > 0) {
      // dL/dh_{t−1} = dh ⊙ z + dG_t·Whᵀ
      const ae = a + (a & 1);
      gemmNT(dG.subarray(k0 * H3, (k0 + ae) * H3), w.Wh, back, ae, H, H3, null);
      for (let x = 0; x < a * H; x++) next[x] += back[x];
    }
    [carry, next] = [next, carry];
  }
  // dWhT [3H, H] = Σ_k dG[k]ᵀ·hPrev[k], one product over all packed rows (zero-padded to a multiple of 4).
  const K4 = (K + 3) & ~3;
  const dGT = scratch.get('dGT', H3 * K4, true);
  const hT = scratch.get('hT', H * K4, true);
  transposePadded(dG, dGT, K, H3, K4);
  transposePadded(hPrev, hT, K, H, K4);
  const dWhT = scratch.get('dWhT', H3 * H);
  gemmNT(dGT.subarray(0, H3 * K4), hT.subarray(0, H * K4), dWhT, H3, H, K4, null);
  for (let k = 0; k < H3; k++)
    for (let j = 0; j < H; j++) {
      const v = dWhT[k * H + j];
      if (k < 2 * H) grads.whrz[j * 2 * H + k] = v;
      else grads.whn[j * H + (k - 2 * H)] = v;
    }
  const gi = tableBackward(dTable, p.emb, p.wx, V, E, H);
  grads.emb.set(gi.demb);
  grads.wx.set(gi.dwx);
  grads.bx.set(gi.dbx);
  return loss;
}

/** src [rows, cols] → dst [cols, stride] (columns beyond `rows` left as they are: zero-filled by the caller). */
function transposePadded(src: Float64Array, dst: Float64Array, rows: number, cols: number, stride: number): void {
  for (let r = 0; r < rows; r++) {
    const so = r * cols;
    for (let c = 0; c < cols; c++) dst[c * stride + r] = src[so + c];
  }
}

/**
 * Adam exactly as tfjs's AdamOptimizer computes it (β1 0.9, β2 0.999, ε = the float32 backends' 1e-7; bias
 * correction with β^t), on flat float64 state.
 */
export class FusedAdam {
  private m = new Map<string, Float64Array>();
  private v = new Map<string, Float64Array>();
  private accBeta1: number;
  private accBeta2: number;
  constructor(
    readonly lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    this.accBeta1 = beta1;
    this.accBeta2 = beta2;
  }

  /** value ← value − lr·m̂/(√v̂ + ε) for every named parameter, with the gradients already scaled. */
  step(params: Record<string, Float64Array>, grads: Record<string, Float64Array>, scale = 1): void {
    const { beta1, beta2, epsilon, lr } = this;
    const c1 = 1 - this.accBeta1;
    const c2 = 1 - this.accBeta2;
    for (const [name, x] of Object.entries(params)) {
      const g = grads[name];
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        m = new Float64Array(x.length);
        v = new Float64Array(x.length);
        this.m.set(name, m);
        this.v.set(name, v);
      }
      for (let i = 0; i < x.length; i++) {
        const gi = g[i] * scale;
        m[i] = m[i] * beta1 + gi * (1 - beta1);
        v[i] = v[i] * beta2 + gi * gi * (1 - beta2);
        x[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
      }
    }
    this.accBeta1 *= beta1;
    this.accBeta2 *= beta2;
  }

  /** Moments and running β powers, exactly (float64), for a resume checkpoint. */
  saveState(): FusedAdamState {
    const copy = (m: Map<string, Float64Array>) => new Map([...m].map(([k, x]) => [k, Float64Array.from(x)]));
    return { m: copy(this.m), v: copy(this.v), accBeta1: this.accBeta1, accBeta2: this.accBeta2 };
  }

  loadState(s: FusedAdamState): void {
    if (!(s.m instanceof Map) || !(s.v instanceof Map) || typeof s.accBeta1 !== 'number' || typeof s.accBeta2 !== 'number') throw new Error('checkpoint: malformed fused Adam state');
    for (const [k, x] of s.m) if (!(x instanceof Float64Array) || !(s.v.get(k) instanceof Float64Array)) throw new Error(`checkpoint: fused Adam moments of "${k}" are not float64`);
    this.m = new Map(s.m);
    this.v = new Map(s.v);
    this.accBeta1 = s.accBeta1;
    this.accBeta2 = s.accBeta2;
  }
}

export interface FusedAdamState {
  m: Map<string, Float64Array>;
  v: Map<string, Float64Array>;
  accBeta1: number;
  accBeta2: number;
}

/** Everything one fused update keeps between calls: Adam's state and the scratch buffers. */
export class FusedPgUpdater {
  readonly adam: FusedAdam;
  private scratch = new Scratch();
  private grads: GruParams | null = null;
  constructor(lr: number) {
    this.adam = new FusedAdam(lr);
  }

  /**
   * One update of `params` in place: loss, gradients, global-norm clipping to `maxNorm` (0 = none), Adam.
   * Returns the loss and the pre-clip gradient norm (as clippedStep does).
   */
  step(params: GruParams, dims: GruDims, batch: PgBatch, maxNorm: number): { loss: number; gradNorm: number } {
    this.grads ??= Object.fromEntries(GRU_PARAM_NAMES.map((k) => [k, new Float64Array(params[k].length)])) as unknown as GruParams;
    const loss = pgLossAndGrads(params, dims, batch, this.grads, this.scratch);
    let sq = 0;
    for (const k of GRU_PARAM_NAMES) for (const g of this.grads[k]) sq += g * g;
    const norm = Math.sqrt(sq);
    const scale = maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1;
    this.adam.step(params as unknown as Record<string, Float64Array>, this.grads as unknown as Record<string, Float64Array>, scale);
    return { loss, gradNorm: norm };
  }
}
