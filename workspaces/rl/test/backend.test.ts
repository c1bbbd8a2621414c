import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName } from '../src/backend';

const saved = process.env.CREDITLAB_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.CREDITLAB_BACKEND;
  else process.env.CREDITLAB_BACKEND = saved;
});

async function tfjsNodeInstalled(): Promise<boolean> {
  try {
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
    return true;
  } catch {
    return false;
  }
}

test('CREDITLAB_BACKEND=cpu selects the cpu backend', async () => {
  process.env.CREDITLAB_BACKEND = 'cpu';
  const r = await initBackend();
  assert.equal(r.backend, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.deepEqual(r.tried, [{ name: 'cpu' }]);
});

test('CREDITLAB_BACKEND=wasm selects wasm and computes from the local binaries', async () => {
  process.env.CREDITLAB_BACKEND = 'wasm';
  const r = await initBackend();
  assert.equal(r.backend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()), [11]);
});

test('the preferred argument wins over CREDITLAB_BACKEND', async () => {
  process.env.CREDITLAB_BACKEND = 'wasm';
  assert.equal((await initBackend('cpu')).backend, 'cpu');
});

test('an explicitly requested backend that cannot load is an error, not a fallback', async (t) => {
  if (await tfjsNodeInstalled()) return t.skip('tfjs-node is installed here');
  process.env.CREDITLAB_BACKEND = 'tensorflow';
  await assert.rejects(initBackend(), /tensorflow.*requested but failed/);
});

test('auto picks tensorflow when available, else wasm, and reports what it tried', async () => {
  delete process.env.CREDITLAB_BACKEND;
  const r = await initBackend();
  if (await tfjsNodeInstalled()) assert.equal(r.backend, 'tensorflow');
  else {
    assert.equal(r.backend, 'wasm');
    assert.equal(r.tried[0].name, 'tensorflow');
    assert.ok(r.tried[0].error);
    assert.deepEqual(r.tried[1], { name: 'wasm' });
  }
});

test('unknown backend names are rejected', () => {
  assert.throws(() => parseBackendName('webgpu'), /unknown tfjs backend/);
  assert.equal(parseBackendName('tfjs-node'), 'tensorflow');
  assert.equal(parseBackendName('AUTO'), 'auto');
});

function inWorker(env: Record<string, string | undefined>, preferred?: string): Promise<{ ok: boolean; report?: { backend: string }; sum?: number[]; active?: string; error?: string }> {
  return new Promise((resolve, reject) => {
    const workerEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) workerEnv[k] = v;
    const w = new Worker(new URL('./backend-worker.mjs', import.meta.url), { workerData: { preferred }, env: workerEnv });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

test('initBackend works inside a worker_thread (auto and CREDITLAB_BACKEND)', async () => {
  const expected = (await tfjsNodeInstalled()) ? 'tensorflow' : 'wasm';
  const [auto, cpu] = await Promise.all([inWorker({ CREDITLAB_BACKEND: undefined }), inWorker({ CREDITLAB_BACKEND: 'cpu' })]);
  assert.ok(auto.ok, auto.error);
  assert.equal(auto.report!.backend, expected);
  assert.equal(auto.active, expected);
  assert.deepEqual(auto.sum, [4, 6]);
  assert.ok(cpu.ok, cpu.error);
  assert.equal(cpu.report!.backend, 'cpu');
});
