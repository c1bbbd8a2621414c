// Small dense matrix products for the fused kernels (PPO's MLPs in @creditlab/rl, the RLHF GRU): both
// operands K-contiguous (C = A·Bᵀ), float64 (gemmNT) or float32 (gemmNT32) arithmetic. Even-shaped products go to the WebAssembly SIMD kernel
// (simd-gemm.ts) when it loads and passes its self-test; everything else to a register-blocked JS loop.
import { createSimdGemm } from './simd-gemm';

// The WebAssembly SIMD kernel takes the big even-shaped products (faster than the JS loop below; bench/README.md);
// CREDITLAB_SIMD=0 turns it off to compare.
const simdOff = typeof process !== 'undefined' && process.env?.CREDITLAB_SIMD === '0';
const simdGemm = simdOff ? null : createSimdGemm();
const simdGemm32 = simdOff ? null : createSimdGemm('f32');

/**
 * What takes gemmNT's (or, for 'f32', gemmNT32's) products in this process: 'simd' (the WebAssembly SIMD kernel, for the shapes it
 * covers) or 'js' (CREDITLAB_SIMD=0, no WebAssembly SIMD, or a failed self-test). Runs record it.
 */
export function gemmKernel(precision: 'f64' | 'f32' = 'f64'): 'simd' | 'js' {
  return (precision === 'f32' ? simdGemm32 : simdGemm) !== null ? 'simd' : 'js';
}

/** C[m, j] += bias[j] (the SIMD kernels compute the bare product). */
function addRowBias(C: Float64Array, bias: Float64Array, M: number, N: number): void {
  for (let m = 0; m < M; m++) {
    const co = m * N;
    for (let j = 0; j < N; j++) C[co + j] += bias[j];
  }
}

/**
 * gemmNT in float32 arithmetic when the f32x4 kernel takes the shape (twice the f64x2 throughput), else the
 * float64 path. For kernels whose reference is float32 anyway (the RLHF GRU mirrors tfjs).
 */
export function gemmNT32(A: Float64Array, B: Float64Array, C: Float64Array, M: number, N: number, K: number, bias: Float64Array | null): void {
  if (simdGemm32 !== null && M * N * K >= 2048 && simdGemm32(A, B, C, M, N, K)) {
    if (bias !== null) addRowBias(C, bias, M, N);
    return;
  }
  gemmNT(A, B, C, M, N, K, bias);
}

/**
 * C[m, j] = Σ_k A[m, k]·B[j, k] (+ bias[j]): both operands K-contiguous, so the inner loop is a dot product
 * into register accumulators. A 2×4 block of outputs shares each load (8 independent add chains, which V8
 * keeps in registers, beat a 1×4 block). The hot loop of everything here.
 */
export function gemmNT(A: Float64Array, B: Float64Array, C: Float64Array, M: number, N: number, K: number, bias: Float64Array | null): void {
  if (simdGemm !== null && M * N * K >= 2048 && simdGemm(A, B, C, M, N, K)) {
    if (bias !== null) addRowBias(C, bias, M, N);
    return;
  }
  const N4 = N - (N % 4);
  let m = 0;
  for (; m + 1 < M; m += 2) {
    const a0o = m * K;
    const a1o = a0o + K;
    const c0 = m * N;
    const c1 = c0 + N;
    for (let j = 0; j < N4; j += 4) {
      const b0 = j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      // prettier-ignore
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < K; k++) {
        const a0 = A[a0o + k];
        const a1 = A[a1o + k];
        const w0 = B[b0 + k];
        const w1 = B[b1 + k];
        const w2 = B[b2 + k];
        const w3 = B[b3 + k];
        s00 += a0 * w0;
        s01 += a0 * w1;
        s02 += a0 * w2;
        s03 += a0 * w3;
        s10 += a1 * w0;
        s11 += a1 * w1;
        s12 += a1 * w2;
        s13 += a1 * w3;
      }
      if (bias !== null) {
        // prettier-ignore
        const q0 = bias[j], q1 = bias[j + 1], q2 = bias[j + 2], q3 = bias[j + 3];
        s00 += q0;
        s01 += q1;
        s02 += q2;
        s03 += q3;
        s10 += q0;
        s11 += q1;
        s12 += q2;
        s13 += q3;
      }
      C[c0 + j] = s00;
      C[c0 + j + 1] = s01;
      C[c0 + j + 2] = s02;
      C[c0 + j + 3] = s03;
      C[c1 + j] = s10;
      C[c1 + j + 1] = s11;
      C[c1 + j + 2] = s12;
      C[c1 + j + 3] = s13;
    }
    for (let j = N4; j < N; j++) {
      const bo = j * K;
      let t0 = bias !== null ? bias[j] : 0;
      let t1 = t0;
      for (let k = 0; k < K; k++) {
        const w = B[bo + k];
        t0 += A[a0o + k] * w;
        t1 += A[a1o + k] * w;
      }
      C[c0 + j] = t0;
      C[c1 + j] = t1;
    }
  }
  for (; m < M; m++) {
    const ao = m * K;
    for (let j = 0; j < N; j++) {
      const bo = j * K;
      let t = bias !== null ? bias[j] : 0;
      for (let k = 0; k < K; k++) t += A[ao + k] * B[bo + k];
      C[m * N + j] = t;
    }
  }
}

/** out[c, r] = x[r, c] for a rows × cols matrix. */
export function transpose(x: Float64Array, out: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[o + c];
  }
}

