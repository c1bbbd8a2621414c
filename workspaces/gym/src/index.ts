// @creditlab/gym: any Gymnasium environment as a Creditlab env, through a Python bridge process.
// `registerGymnasium()` makes `gymnasium:<ID>` ids buildable by @creditlab/envs' makeBatchEnv.
import { registerBatchEnvProvider } from '@creditlab/envs';
import { GYM_PREFIX, GymBatchEnv, type GymEnvRef } from './bridge';

let registered = false;

export function registerGymnasium(): void {
  if (registered) return;
  registered = true;
  registerBatchEnvProvider(GYM_PREFIX, (env, num, opts) => new GymBatchEnv(env as GymEnvRef, num, opts));
}

export { GymBatchEnv, GYM_PREFIX, BRIDGE_SCRIPT, resolvePython, workspaceVenvPython, type GymEnvRef, type GymWrapper, type Hello } from './bridge';
