// C = A·Bᵀ in WebAssembly SIMD (f64x2 or f32x4), for gemm.ts: A [M, K], B [N, K], C [M, N], row-major.
// The kernel's source is simd-gemm.wat; its bytes ship in simd-gemm.wasm.ts (generated, checked by a test),
// so nothing is assembled at build time or fetched at run time. M and N must be even and K a multiple of the
// lane count (callers fall back to JS otherwise).
// Operands are copied into the module's memory per call: O(MK + NK + MN) copies against O(MNK) work.
// `createSimdGemm` checks the kernel against a plain loop and returns null if anything is off (no SIMD
// support, a wrong result), so the caller always has a correct path.
import { SIMD_GEMM_WASM } from './simd-gemm.wasm';

const MAX_PAGES = 4096; // 256 MiB

/** Element type of the operands: f64x2 lanes, or f32x4 (twice the arithmetic per instruction). */
export type GemmPrecision = 'f64' | 'f32';

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
    if (!WebAssembly.validate(SIMD_GEMM_WASM)) return null;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(SIMD_GEMM_WASM));
    const fn = inst.exports[`gemm_${precision}`] as (a: number, b: number, c: number, M: number, N: number, K: number) => void;
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
