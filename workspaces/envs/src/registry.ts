import type { Env, EnvSpec } from './types';
import { CartPole } from './cartpole';
import { MountainCar } from './mountaincar';
import { Acrobot } from './acrobot';
import { Pendulum } from './pendulum';
import { KeyDoor } from './keydoor';
import { DelayedChain } from './delayedchain';
import { Bandit } from './bandit';

// Every env validates its own params (unknown keys and wrong types throw, naming the key).
export const ENVS: Record<string, EnvSpec> = {
  'CartPole-v1': {
    id: 'CartPole-v1',
    description: 'Balance a pole on a cart (Gymnasium CartPole-v1); +1 per step, 500-step limit. Params: maxEpisodeSteps.',
    make: (params) => new CartPole(params),
  },
  'MountainCar-v0': {
    id: 'MountainCar-v0',
    description: 'Drive an underpowered car up a hill (Gymnasium MountainCar-v0); -1 per step, 200-step limit. Params: maxEpisodeSteps.',
    make: (params) => new MountainCar(params),
  },
  'Acrobot-v1': {
    id: 'Acrobot-v1',
    description: 'Swing a two-link pendulum above a line (Gymnasium Acrobot-v1, book dynamics); -1 per step, 500-step limit. Params: maxEpisodeSteps.',
    make: (params) => new Acrobot(params),
  },
  'Pendulum-v1': {
    id: 'Pendulum-v1',
    description: 'Swing up and hold a pendulum with a continuous torque in [-2, 2] (Gymnasium Pendulum-v1); 200-step limit. Params: maxEpisodeSteps.',
    make: (params) => new Pendulum(params),
  },
  KeyDoor: {
    id: 'KeyDoor',
    description:
      'Sparse-reward gridworld (MiniHack KeyRoom-style): pick up the key, open the locked door, reach the goal; reward 1 at the goal. ' +
      'Events key_picked, door_opened, goal_reached. Params: size, map, maxEpisodeSteps, randomStart, stepPenalty, interact, viewRadius.',
    make: (params) => new KeyDoor(params),
  },
  DelayedChain: {
    id: 'DelayedChain',
    description:
      'Chain MDP with the reward only at the end: it depends on the first action (mode "first", bsuite umbrella) or on every action (mode "all", combination lock). ' +
      'Events first_correct, halfway_on_track, chain_solved. Params: length, mode, nActions, lockSeed, rewardNoise, distractors.',
    make: (params) => new DelayedChain(params),
  },
  Bandit: {
    id: 'Bandit',
    description: 'k-armed bandit (Gaussian or Bernoulli arms), one-step episodes. Event optimal_arm. Params: k, distribution, means, meanSeed, std.',
    make: (params) => new Bandit(params),
  },
};

export function makeEnv(id: string, params?: Record<string, unknown>): Env {
  const spec = ENVS[id];
  if (!spec) throw new Error(`unknown env "${id}"; known: ${Object.keys(ENVS).join(', ')}`);
  return spec.make(params);
}
