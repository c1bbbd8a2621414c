// @creditlab/rl: tfjs RL trainers behind the RunContext contract, and the backend picker.
import type { RunContext, TrainFn } from '@creditlab/spec';
import type { TrainOptions } from './shaping';
import { trainPpo } from './ppo';
import { trainA2c } from './a2c';
import { trainReinforce } from './reinforce';
import { trainDqn } from './dqn';

/** A trainer; the optional second argument is where the reward pipeline plugs in. Assignable to TrainFn. */
export type RlTrainFn = (ctx: RunContext, opts?: TrainOptions) => Promise<void>;

/** Keyed by the `algo.name` of a run config. */
export const ALGORITHMS: Record<string, RlTrainFn> = {
  ppo: trainPpo,
  a2c: trainA2c,
  reinforce: trainReinforce,
  dqn: trainDqn,
};

// Keeps the registry assignable to the shared contract.
const _contract: Record<string, TrainFn> = ALGORITHMS;
void _contract;

export { initBackend, ensureBackend, liveTensors, parseBackendName, type BackendName, type BackendReport, type BackendAttempt } from './backend';
export { batchShaper, identityReward, resolveShaper, type ShapeReward, type ShapeRewards, type ShapeRollout, type Transition, type TrainOptions } from './shaping';
export { trainPpo, computeGae, ppoClipLoss, valueLoss } from './ppo';
export { trainA2c } from './a2c';
export { trainReinforce, discountedReturns } from './reinforce';
export { trainDqn, linearSchedule, ReplayBuffer } from './dqn';
export { VectorEnv, envSeeds, type VecStep } from './vec-env';
