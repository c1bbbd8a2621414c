// @creditlab/gym: any Gymnasium environment as a Creditlab env, through a Python bridge process.
// `registerGymnasium()` makes `gymnasium:<ID>` ids buildable by @creditlab/envs' makeBatchEnv.
import { registerBatchEnvProvider } from '@creditlab/envs';
import { GYM_PREFIX, GymBatchEnv, type GymEnvRef, type Hello } from './bridge';

let registered = false;
let onStart: ((hello: Hello) => void) | undefined;
let stop: SharedArrayBuffer | undefined;

/**
 * `opts.onStart` receives the bridge's hello (Python, Gymnasium, numpy and MuJoCo versions, `gym.spec(id)`,
 * spaces) of every env built afterwards in this process; `opts.stop` is the run's cancel word, which ends
 * those envs' Python processes at once when set (GymBatchOptions.stop). Each call replaces the previous
 * one, so a worker that runs one run after another gives each run its own.
 */
export function registerGymnasium(opts: { onStart?: (hello: Hello) => void; stop?: SharedArrayBuffer } = {}): void {
  onStart = opts.onStart;
  stop = opts.stop;
  if (registered) return;
  registered = true;
  registerBatchEnvProvider(GYM_PREFIX, (env, num, o) => {
    const batch = new GymBatchEnv(env as GymEnvRef, num, { ...o, stop });
    onStart?.(batch.hello);
    return batch;
  });
}

export { EnvStopped, GymBatchEnv, GYM_PREFIX, BRIDGE_SCRIPT, resolvePython, workspaceVenvPython, type GymEnvRef, type GymWrapper, type Hello } from './bridge';
export { probeGymFields, type GymEnvFields } from './probe-fields';
