// Hyperparameter schemas of the RL algorithms, with their documented defaults.
// The implementations live in @creditlab/rl; these schemas are pure so the editor can use them.
import { z } from 'zod';

/** PPO (Schulman et al., 2017, arXiv:1707.06347), defaults from CleanRL's ppo.py for CartPole. */
export const PpoConfigSchema = z
  .object({
    name: z.literal('ppo'),
    learningRate: z.number().positive().default(2.5e-4).describe('Adam learning rate'),
    numEnvs: z.number().int().positive().default(4).describe('parallel environment copies'),
    numSteps: z.number().int().positive().default(128).describe('steps per env per rollout'),
    annealLr: z.boolean().default(true).describe('linearly anneal the learning rate to 0'),
    gamma: z.number().min(0).max(1).default(0.99),
    gaeLambda: z.number().min(0).max(1).default(0.95),
    numMinibatches: z.number().int().positive().default(4),
    updateEpochs: z.number().int().positive().default(4),
    normAdv: z.boolean().default(true),
    clipCoef: z.number().positive().default(0.2),
    clipVloss: z.boolean().default(true),
    entCoef: z.number().min(0).default(0.01),
    vfCoef: z.number().min(0).default(0.5),
    maxGradNorm: z.number().positive().default(0.5),
    targetKl: z.number().positive().nullable().default(null),
    hiddenSizes: z.array(z.number().int().positive()).default([64, 64]),
  })
  .strict();

export const AlgoConfigSchema = z.discriminatedUnion('name', [PpoConfigSchema]);
export type AlgoConfig = z.infer<typeof AlgoConfigSchema>;
export type PpoConfig = z.infer<typeof PpoConfigSchema>;
