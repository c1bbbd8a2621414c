// The Gymnasium bridge's cost per vector step: CartPole-v1 × 4 stepped through GymBatchEnv from this
// process, against the same vector env (the bridge's settings) stepped in a loop inside Python (what the
// env itself costs).
//   node --import tsx bench/lib/bridge-step.ts [steps]   → one JSON line
import { spawnSync } from 'node:child_process';
import { GymBatchEnv, resolvePython } from '@creditlab/gym';

export interface BridgeStepResult {
  steps: number;
  bridgeUsPerStep: number;
  pythonUsPerStep: number;
  overheadUsPerStep: number;
  python: string;
}

const IN_PYTHON = `
import sys, time, numpy as np, gymnasium as gym
n = int(sys.argv[1])
v = gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="sync", vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP, "copy": False})
v.reset(seed=[0, 1, 2, 3])
rng = np.random.default_rng(0)
acts = rng.integers(0, 2, size=(n, 4))
t = time.perf_counter()
for k in range(n):
    v.step(acts[k])
print((time.perf_counter() - t) / n * 1e6)
`;

export function bridgeStepCost(steps: number): BridgeStepResult {
  const { python } = resolvePython();
  const env = new GymBatchEnv({ id: 'gymnasium:CartPole-v1' }, 4);
  let bridgeUs: number;
  try {
    env.reset([0, 1, 2, 3]);
    const acts = Array.from({ length: steps }, (_, k) => [0, 1, 2, 3].map((i) => (k * 7 + i * 3) % 2));
    for (let k = 0; k < 200; k++) env.step(acts[k % steps]);
    const t0 = performance.now();
    for (let k = 0; k < steps; k++) env.step(acts[k]);
    bridgeUs = ((performance.now() - t0) / steps) * 1000;
  } finally {
    env.close();
  }
  const r = spawnSync(python, ['-c', IN_PYTHON, String(steps)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`in-Python CartPole loop failed: ${r.stderr.slice(-1000)}`);
  const pythonUs = Number(r.stdout.trim());
  return { steps, bridgeUsPerStep: bridgeUs, pythonUsPerStep: pythonUs, overheadUsPerStep: bridgeUs - pythonUs, python };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(bridgeStepCost(Number(process.argv[2] ?? 5000))));
