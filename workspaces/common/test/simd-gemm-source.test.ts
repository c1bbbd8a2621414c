// What ships in simd-gemm.wasm.ts is what simd-gemm.wat assembles to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BYTES_FILE, generate } from '../scripts/gen-simd-gemm';

test('the committed SIMD kernel bytes are the generator\'s output from simd-gemm.wat', async () => {
  assert.equal(readFileSync(BYTES_FILE, 'utf8'), await generate(), 'simd-gemm.wasm.ts is stale: run `npm run gen:simd-gemm`');
});
