// Worker-thread fixture for backend.test.ts: initialises tfjs inside a worker and reports the result.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
register();
const tf = await import('@tensorflow/tfjs');
const { initBackend } = await import('../src/backend.ts');
try {
  const report = await initBackend(workerData?.preferred);
  const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync();
  parentPort.postMessage({ ok: true, report, sum: Array.from(sum), active: tf.getBackend() });
} catch (e) {
  parentPort.postMessage({ ok: false, error: e.message });
}
