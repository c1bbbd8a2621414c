// Hyperparameter schemas of the RL algorithms, with their documented defaults.
// The implementations live in @creditlab/rl; these schemas are pure so the editor can use them.
import { z } from 'zod';

// Upper bounds: far above anything a laptop or a cluster node trains, low enough that a typo (1e8 env
// copies, a layer of 1e8 units) is a validation error naming the field rather than an allocation that
// takes the machine down.
export const MAX_NUM_ENVS = 4096;
export const MAX_HIDDEN_UNITS = 4096;
export const MAX_HIDDEN_LAYERS = 16;
const MAX_COUNT = 1_000_000_000;
const numEnvs = () => z.number().int().positive().max(MAX_NUM_ENVS);
const count = () => z.number().int().positive().max(MAX_COUNT);
const hiddenSizes = (d: number[]) => z.array(z.number().int().positive().max(MAX_HIDDEN_UNITS)).max(MAX_HIDDEN_LAYERS).default(d);

/** PPO (Schulman et al., 2017, arXiv:1707.06347), defaults from CleanRL's ppo.py for CartPole. */
export const PpoConfigSchema = z
  .object({
    name: z.literal('ppo'),
    learningRate: z.number().positive().default(2.5e-4).describe('Adam learning rate'),
    numEnvs: numEnvs().default(4).describe('parallel environment copies'),
    numSteps: z.number().int().positive().max(100_000).default(128).describe('steps per env per rollout'),
    annealLr: z.boolean().default(true).describe('linearly anneal the learning rate to 0'),
    gamma: z.number().min(0).max(1).default(0.99),
    gaeLambda: z.number().min(0).max(1).default(0.95),
    numMinibatches: z.number().int().positive().max(65_536).default(4),
    updateEpochs: z.number().int().positive().max(10_000).default(4),
    normAdv: z.boolean().default(true),
    clipCoef: z.number().positive().default(0.2),
    clipVloss: z.boolean().default(true),
    entCoef: z.number().min(0).default(0.01),
    vfCoef: z.number().min(0).default(0.5),
    maxGradNorm: z.number().positive().default(0.5),
    targetKl: z.number().positive().nullable().default(null),
    hiddenSizes: hiddenSizes([64, 64]),
    bootstrapTruncated: z
      .boolean()
      .default(true)
      .describe('on a time-limit truncation add γ·V(final obs) to the training reward (CleanRL treats it as termination)'),
    normalizeObs: z
      .boolean()
      .default(false)
      .describe('normalise box observations with running mean/std, clipped to ±10 (Gymnasium NormalizeObservation, as CleanRL continuous PPO)'),
  })
  .strict();

/**
 * A2C, the synchronous variant of A3C (Mnih et al., 2016, arXiv:1602.01783).
 * Defaults follow Stable-Baselines3's A2C with the rl-zoo CartPole setting (8 envs × 5 steps, RMSprop, no entropy bonus).
 */
export const A2cConfigSchema = z
  .object({
    name: z.literal('a2c'),
    learningRate: z.number().positive().default(7e-4).describe('RMSprop learning rate'),
    numEnvs: numEnvs().default(8).describe('parallel environment copies'),
    numSteps: z.number().int().positive().max(100_000).default(5).describe('steps per env per update (n of the n-step return)'),
    annealLr: z.boolean().default(false).describe('linearly anneal the learning rate to 0'),
    gamma: z.number().min(0).max(1).default(0.99),
    gaeLambda: z.number().min(0).max(1).default(1).describe('1 gives the plain n-step advantage of the paper'),
    normAdv: z.boolean().default(false),
    entCoef: z.number().min(0).default(0),
    vfCoef: z.number().min(0).default(0.5),
    maxGradNorm: z.number().positive().default(0.5),
    rmspropAlpha: z.number().min(0).max(1).default(0.99).describe('RMSprop smoothing constant'),
    rmspropEps: z.number().positive().default(1e-5).describe('added to sqrt(mean square), PyTorch style'),
    hiddenSizes: hiddenSizes([64, 64]),
    bootstrapTruncated: z.boolean().default(true).describe('on a time-limit truncation add γ·V(final obs) to the training reward'),
  })
  .strict();

/**
 * REINFORCE with a learned state-value baseline (Williams, 1992). Each update uses one complete episode
 * from each env copy, so the batch holds `numEnvs` episodes.
 */
export const ReinforceConfigSchema = z
  .object({
    name: z.literal('reinforce'),
    learningRate: z.number().positive().default(1e-3).describe('Adam learning rate (policy and baseline)'),
    numEnvs: numEnvs().default(8).describe('episodes per update, one per env copy'),
    gamma: z.number().min(0).max(1).default(0.99),
    normAdv: z.boolean().default(true).describe('normalise G − b(s) over the batch'),
    entCoef: z.number().min(0).default(0),
    vfCoef: z.number().min(0).default(0.5).describe('weight of the baseline regression loss'),
    maxGradNorm: z.number().positive().nullable().default(null).describe('global gradient-norm clip; null for none'),
    annealLr: z.boolean().default(false),
    hiddenSizes: hiddenSizes([64, 64]),
    bootstrapTruncated: z.boolean().default(true).describe('on a time-limit truncation start the return from b(final obs) instead of 0'),
  })
  .strict();

/** DQN (Mnih et al., 2015, Nature 518:529), defaults from CleanRL's dqn.py for CartPole. */
export const DqnConfigSchema = z
  .object({
    name: z.literal('dqn'),
    learningRate: z.number().positive().default(2.5e-4).describe('Adam learning rate'),
    numEnvs: numEnvs().default(1),
    bufferSize: z.number().int().positive().max(10_000_000).default(10_000).describe('replay memory size (transitions)'),
    gamma: z.number().min(0).max(1).default(0.99),
    tau: z.number().min(0).max(1).default(1).describe('target update rate; 1 is a hard copy'),
    targetNetworkFrequency: count().default(500).describe('env steps between target updates'),
    batchSize: z.number().int().positive().max(65_536).default(128),
    startE: z.number().min(0).max(1).default(1).describe('initial ε of ε-greedy'),
    endE: z.number().min(0).max(1).default(0.05).describe('final ε'),
    explorationFraction: z.number().min(0).max(1).default(0.5).describe('fraction of the budget over which ε decays linearly'),
    learningStarts: z.number().int().min(0).max(MAX_COUNT).default(10_000).describe('env steps before learning starts'),
    trainFrequency: count().default(10).describe('env steps between gradient steps'),
    hiddenSizes: hiddenSizes([120, 84]).describe('ReLU MLP, as CleanRL'),
  })
  .strict();

export const AlgoConfigSchema = z.discriminatedUnion('name', [PpoConfigSchema, A2cConfigSchema, ReinforceConfigSchema, DqnConfigSchema]);
export type AlgoConfig = z.infer<typeof AlgoConfigSchema>;
export type PpoConfig = z.infer<typeof PpoConfigSchema>;
export type A2cConfig = z.infer<typeof A2cConfigSchema>;
export type ReinforceConfig = z.infer<typeof ReinforceConfigSchema>;
export type DqnConfig = z.infer<typeof DqnConfigSchema>;
