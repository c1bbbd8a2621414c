// The matrix products behind the fused kernels against a naive triple loop: the dispatching gemmNT / gemmNT32
// (the JS loop takes odd and small shapes, the SIMD kernel large even ones) and the WebAssembly SIMD kernel
// directly. Tolerances: float64 sums differ from the naive loop only in summation order, which changes a
// K-term dot product by at most K·2^-53·Σ|a_k·b_k|; float32 accumulation the same with 2^-24.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/rng';
import { gemmKernel, gemmNT, gemmNT32, transpose } from '../src/gemm';
import { createSimdGemm } from '../src/simd-gemm';

const rng = new Rng(11);
const rand = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

/** C = A·Bᵀ (+ bias) and, per entry, Σ|a_k·b_k| for the error bound. */
function naive(A: Float64Array, B: Float64Array, M: number, N: number, K: number, bias: Float64Array | null) {
  const C = new Float64Array(M * N);
  const mag = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      let a = bias ? Math.abs(bias[n]) : 0;
      for (let k = 0; k < K; k++) {
        s += A[m * K + k] * B[n * K + k];
        a += Math.abs(A[m * K + k] * B[n * K + k]);
      }
      C[m * N + n] = s;
      mag[m * N + n] = a;
    }
  return { C, mag };
}

function check(C: Float64Array, ref: { C: Float64Array; mag: Float64Array }, K: number, unit: number, what: string) {
  for (let i = 0; i < C.length; i++) {
    const bound = (K + 2) * unit * ref.mag[i] + 1e-300;
    assert.ok(Math.abs(C[i] - ref.C[i]) <= bound, `${what}[${i}]: ${C[i]} vs ${ref.C[i]} (bound ${bound})`);
  }
}

// Odd, prime and remainder-heavy shapes, small ones (JS loop) and large even ones (the SIMD kernel when on).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [3, 5, 7],
  [7, 13, 5],
  [13, 1, 64],
  [129, 65, 7],
  [127, 64, 64],
  [128, 64, 64],
  [64, 3, 64],
  [2, 2, 2],
  [30, 30, 30],
];

for (const withBias of [false, true]) {
  test(`gemmNT equals a naive triple loop on odd and even shapes (${withBias ? 'with' : 'no'} bias)`, () => {
    for (const [M, N, K] of SHAPES) {
      const A = rand(M * K);
      const B = rand(N * K);
      const bias = withBias ? rand(N) : null;
      const C = new Float64Array(M * N).fill(NaN); // every entry must be written
      gemmNT(A, B, C, M, N, K, bias);
      check(C, naive(A, B, M, N, K, bias), K, 2 ** -53, `gemmNT ${M}×${N}×${K}`);
    }
  });
}

test('gemmNT32 equals a naive loop to float32 accumulation error, on odd and even shapes', () => {
  for (const [M, N, K] of SHAPES) {
    const A = rand(M * K);
    const B = rand(N * K);
    const bias = rand(N);
    const C = new Float64Array(M * N).fill(NaN);
    gemmNT32(A, B, C, M, N, K, bias);
    check(C, naive(A, B, M, N, K, bias), K, 2 ** -24, `gemmNT32 ${M}×${N}×${K}`);
  }
});

for (const precision of ['f64', 'f32'] as const) {
  test(`the WebAssembly SIMD kernel (${precision}) equals a naive loop where it applies and declines other shapes`, (t) => {
    const gemm = createSimdGemm(precision);
    if (!gemm) return t.skip('this runtime has no WebAssembly SIMD');
    const lanes = precision === 'f32' ? 4 : 2;
    const unit = precision === 'f32' ? 2 ** -24 : 2 ** -53;
    for (const [M, N, K] of [[2, 2, lanes], [6, 4, 3 * lanes], [128, 64, 64], [64, 130, 8 * lanes], [2, 258, 100]] as const) {
      const A = rand(M * K);
      const B = rand(N * K);
      const C = new Float64Array(M * N).fill(NaN);
      assert.equal(gemm(A, B, C, M, N, K), true, `${M}×${N}×${K}`);
      check(C, naive(A, B, M, N, K, null), K, unit, `simd ${precision} ${M}×${N}×${K}`);
    }
    // A product far larger than the initial memory grows it.
    const [M, N, K] = [512, 256, 64];
    const big = new Float64Array(M * N);
    const A = rand(M * K);
    const B = rand(N * K);
    assert.equal(gemm(A, B, big, M, N, K), true);
    check(big, naive(A, B, M, N, K, null), K, unit, `simd ${precision} grown`);
    // Odd M or N, or K not a multiple of the lanes: the kernel declines and leaves C alone.
    for (const [m, n, k] of [[3, 2, lanes], [2, 5, lanes], [2, 2, lanes + 1]]) {
      const C = new Float64Array(m * n).fill(7);
      assert.equal(gemm(rand(m * k), rand(n * k), C, m, n, k), false);
      assert.ok(C.every((x) => x === 7));
    }
  });
}

test('gemmKernel names the kernel in use; transpose is its own inverse', () => {
  assert.match(gemmKernel(), /^(simd|js)$/);
  if (process.env.CREDITLAB_SIMD === '0') assert.equal(gemmKernel(), 'js');
  const x = rand(7 * 3);
  const t = new Float64Array(21);
  const back = new Float64Array(21);
  transpose(x, t, 7, 3);
  assert.equal(t[2 * 7 + 5], x[5 * 3 + 2]);
  transpose(t, back, 3, 7);
  assert.deepEqual(back, x);
});
