import type { Env, EnvSpec } from './types';
import { CartPole } from './cartpole';

export const ENVS: Record<string, EnvSpec> = {
  'CartPole-v1': {
    id: 'CartPole-v1',
    description: 'Balance a pole on a cart (Gymnasium CartPole-v1); +1 per step, 500-step limit.',
    make: (params) => new CartPole(params as { maxEpisodeSteps?: number }),
  },
};

export function makeEnv(id: string, params?: Record<string, unknown>): Env {
  const spec = ENVS[id];
  if (!spec) throw new Error(`unknown env "${id}"; known: ${Object.keys(ENVS).join(', ')}`);
  return spec.make(params);
}
