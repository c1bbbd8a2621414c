// A host process for the kill -9 test (bridge.test.ts): opens a fake env over the given transport, prints
// the bridge's pid, then blocks until it is killed.
import { fileURLToPath } from 'node:url';
import { GymBatchEnv } from '../src/index';

const transport = process.argv[2] as 'fifo' | 'relay';
const b = new GymBatchEnv({ id: 'fake' }, 1, { factory: { name: 'fake_vec_env:make', path: fileURLToPath(new URL('.', import.meta.url)) }, transport });
b.reset([0]);
b.step([0]);
console.log(b.hello.pid);
setInterval(() => {}, 1 << 30);
