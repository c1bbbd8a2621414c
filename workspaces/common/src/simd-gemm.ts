// C = A·Bᵀ in WebAssembly SIMD (f64x2 or f32x4), for gemm.ts: A [M, K], B [N, K], C [M, N], row-major.
// The module is assembled here from bytes (no toolchain at build time, nothing to fetch at run time).
// Kernel: 2×2 output blocks, each accumulating one vector per output over k, so every four 16-byte loads
// feed 8 (f64x2) or 16 (f32x4) multiply-adds, with no bounds checks; M and N must be even and K a multiple
// of the lane count (callers fall back to JS otherwise).
// Operands are copied into the module's memory per call: O(MK + NK + MN) copies against O(MNK) work.
// `createSimdGemm` checks the kernel against a plain loop and returns null if anything is off (no SIMD
// support, a wrong result), so the caller always has a correct path.

const MEM_PAGES = 32; // 2 MiB at start: room for three 87K-double operands; grows on demand.
const MAX_PAGES = 4096; // 256 MiB

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
/** Signed LEB128 (for i32.const). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// Opcodes used.
const GET = (i: number) => [0x20, ...uleb(i)];
const SET = (i: number) => [0x21, ...uleb(i)];
const I32 = (v: number) => [0x41, ...sleb(v)];
const ADD = [0x6a];
const MUL = [0x6c];
const LT_U = [0x49];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const BR_IF = (d: number) => [0x0d, ...uleb(d)];
const BR = (d: number) => [0x0c, ...uleb(d)];
const V128_LOAD = [0xfd, ...uleb(0x00), 0x03, 0x00]; // align 2^3 (8-byte aligned doubles), offset 0
const F64X2_ADD = [0xfd, ...uleb(0xf0)];
const F64X2_MUL = [0xfd, ...uleb(0xf2)];
const V128_ZERO = [0xfd, ...uleb(0x0c), ...new Array(16).fill(0)];
const LANE = (l: number) => [0xfd, ...uleb(0x21), l];
const F64_ADD = [0xa0];
const F64_STORE = (offset: number) => [0x39, 0x03, ...uleb(offset)];
const F32X4_ADD = [0xfd, ...uleb(0xe4)];
const F32X4_MUL = [0xfd, ...uleb(0xe6)];
const LANE32 = (l: number) => [0xfd, ...uleb(0x1f), l];
const F32_ADD = [0x92];
const F32_STORE = (offset: number) => [0x38, 0x02, ...uleb(offset)];

/** Element type of the operands: f64x2 lanes, or f32x4 (twice the arithmetic per instruction). */
export type GemmPrecision = 'f64' | 'f32';

// Params: 0 a, 1 b, 2 c (byte offsets), 3 M, 4 N, 5 K. Locals (i32): 6 m, 7 j, 8 k (bytes), 9 pa0, 11 pb0,
// 13 pc, 14 rowBytes (K*8); (v128): 15 s00, 16 s01, 17 s10, 18 s11, 19 a0, 20 a1, 21 b0, 22 b1.
function kernelBody(precision: GemmPrecision): number[] {
  const f32 = precision === 'f32';
  const el = f32 ? 4 : 8; // bytes per element
  // Locals 10 and 12 are unused (second-row pointers are formed as pa0/pb0 + row inline).
  const [a, b, c, M, N, K, m, j, k, pa0, pb0, pc, row] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 14];
  const [s00, s01, s10, s11, a0, a1, b0, b1] = [15, 16, 17, 18, 19, 20, 21, 22];
  const madd = (acc: number, x: number, y: number) => [...GET(acc), ...GET(x), ...GET(y), ...(f32 ? F32X4_MUL : F64X2_MUL), ...(f32 ? F32X4_ADD : F64X2_ADD), ...SET(acc)];
  const hsum = (acc: number) =>
    f32
      ? [...GET(acc), ...LANE32(0), ...GET(acc), ...LANE32(1), ...F32_ADD, ...GET(acc), ...LANE32(2), ...F32_ADD, ...GET(acc), ...LANE32(3), ...F32_ADD]
      : [...GET(acc), ...LANE(0), ...GET(acc), ...LANE(1), ...F64_ADD];
  const STORE = f32 ? F32_STORE : F64_STORE;
  // prettier-ignore
  const code = [
    ...GET(K), ...I32(el), ...MUL, ...SET(row),
    ...I32(0), ...SET(m),
    ...BLOCK, ...LOOP, // m loop
    ...GET(m), ...GET(M), ...LT_U, ...I32(1), 0x73 /* i32.xor */, ...BR_IF(1),
    // pa0 = a + m*row; pa1 = pa0 + row
    ...GET(a), ...GET(m), ...GET(row), ...MUL, ...ADD, ...SET(pa0),
    ...I32(0), ...SET(j),
    ...BLOCK, ...LOOP, // j loop
    ...GET(j), ...GET(N), ...LT_U, ...I32(1), 0x73, ...BR_IF(1),
    ...GET(b), ...GET(j), ...GET(row), ...MUL, ...ADD, ...SET(pb0),
    ...V128_ZERO, ...SET(s00), ...V128_ZERO, ...SET(s01), ...V128_ZERO, ...SET(s10), ...V128_ZERO, ...SET(s11),
    ...I32(0), ...SET(k),
    ...BLOCK, ...LOOP, // k loop, k in bytes
    ...GET(k), ...GET(row), ...LT_U, ...I32(1), 0x73, ...BR_IF(1),
    ...GET(pa0), ...GET(k), ...ADD, ...V128_LOAD, ...SET(a0),
    ...GET(pa0), ...GET(row), ...ADD, ...GET(k), ...ADD, ...V128_LOAD, ...SET(a1),
    ...GET(pb0), ...GET(k), ...ADD, ...V128_LOAD, ...SET(b0),
    ...GET(pb0), ...GET(row), ...ADD, ...GET(k), ...ADD, ...V128_LOAD, ...SET(b1),
    ...madd(s00, a0, b0), ...madd(s01, a0, b1), ...madd(s10, a1, b0), ...madd(s11, a1, b1),
    ...GET(k), ...I32(16), ...ADD, ...SET(k),
    ...BR(0), ...END, ...END,
    // pc = c + (m*N + j)*el
    ...GET(c), ...GET(m), ...GET(N), ...MUL, ...GET(j), ...ADD, ...I32(el), ...MUL, ...ADD, ...SET(pc),
    ...GET(pc), ...hsum(s00), ...STORE(0),
    ...GET(pc), ...hsum(s01), ...STORE(el),
    // second output row: pc + N*el
    ...GET(pc), ...GET(N), ...I32(el), ...MUL, ...ADD, ...SET(pc),
    ...GET(pc), ...hsum(s10), ...STORE(0),
    ...GET(pc), ...hsum(s11), ...STORE(el),
    ...GET(j), ...I32(2), ...ADD, ...SET(j),
    ...BR(0), ...END, ...END,
    ...GET(m), ...I32(2), ...ADD, ...SET(m),
    ...BR(0), ...END, ...END,
    ...END,
  ];
  const locals = [0x02, ...uleb(9), 0x7f, ...uleb(8), 0x7b]; // 9 × i32, 8 × v128
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}
const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

function moduleBytes(precision: GemmPrecision): Uint8Array<ArrayBuffer> {
  const body = kernelBody(precision);
  // prettier-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(MEM_PAGES)]),
    ...section(7, [2, ...name('gemm'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...body]),
  ]);
}

export type Gemm = (A: Float64Array, B: Float64Array, C: Float64Array, M: number, N: number, K: number) => boolean;

/**
 * Returns a gemm that handles even M and N and K a multiple of the lane count (2 for f64, 4 for f32), growing
 * its memory as needed (returning false otherwise), or null. Operands and result stay Float64Arrays; with 'f32'
 * they are rounded to float32 on the way in and the products accumulate in float32 (as tfjs and PyTorch do).
 */
export function createSimdGemm(precision: GemmPrecision = 'f64'): Gemm | null {
  const f32 = precision === 'f32';
  const Heap = f32 ? Float32Array : Float64Array;
  const el = f32 ? 4 : 8;
  const lanes = f32 ? 4 : 2;
  try {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = moduleBytes(precision);
    if (!WebAssembly.validate(bytes)) return null;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const fn = inst.exports.gemm as (a: number, b: number, c: number, M: number, N: number, K: number) => void;
    const mem = inst.exports.mem as WebAssembly.Memory;
    let heap: Float32Array | Float64Array = new Heap(mem.buffer);
    let cap = Math.floor(heap.length / (3 * lanes)) * lanes; // so every operand starts 16-byte aligned
    const gemm: Gemm = (A, B, C, M, N, K) => {
      if ((M | N) & 1 || K % lanes !== 0) return false;
      const need = Math.max(M * K, N * K, M * N);
      if (need > cap) {
        // Grow to fit (e.g. a GRU's weight gradient over a whole batch); never beyond MAX_PAGES.
        const pages = Math.ceil((need * 3 * el + 64) / 65536);
        if (pages > MAX_PAGES) return false;
        mem.grow(pages - mem.buffer.byteLength / 65536);
        heap = new Heap(mem.buffer);
        cap = Math.floor(heap.length / (3 * lanes)) * lanes;
      }
      heap.set(A.subarray(0, M * K), 0);
      heap.set(B.subarray(0, N * K), cap);
      fn(0, cap * el, 2 * cap * el, M, N, K);
      C.set(heap.subarray(2 * cap, 2 * cap + M * N));
      return true;
    };
    // Self-test against a plain loop on awkward sizes before anything trusts it.
    const [M, N, K] = [6, 4, f32 ? 12 : 10];
    const A = Float64Array.from({ length: M * K }, (_, i) => Math.sin(i + 1));
    const B = Float64Array.from({ length: N * K }, (_, i) => Math.cos(i * 0.7));
    const C = new Float64Array(M * N);
    if (!gemm(A, B, C, M, N, K)) return null;
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[m * K + k] * B[n * K + k];
        if (Math.abs(s - C[m * N + n]) > (f32 ? 1e-5 : 1e-12) * (1 + Math.abs(s))) return null;
      }
    return gemm;
  } catch {
    return null;
  }
}
