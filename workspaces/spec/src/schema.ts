// The experiment spec (version 1): arms × seeds over a base run config.
import { z } from 'zod';
import { AlgoConfigSchema } from './algos';
import { RewardConfigSchema } from './reward';
import { RlhfRunConfigSchema } from './rlhf';
import { ComputeRequestSchema } from './compute';

export const SPEC_VERSION = 1;

export const GYMNASIUM_PREFIX = 'gymnasium:';

const GymWrapperSchema = z
  .object({
    name: z.string().regex(/^[\w.]+[.:]\w+$/, 'expected "module.Class"').describe('an importable Gymnasium wrapper class, "module.Class"'),
    kwargs: z.record(z.string(), z.unknown()).default({}).describe('keyword arguments after the env'),
  })
  .strict();

export const EnvConfigSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .describe('environment id: a built-in one ("CartPole-v1") or any registered Gymnasium id as "gymnasium:<ID>" (e.g. "gymnasium:InvertedPendulum-v5")'),
    params: z.record(z.string(), z.unknown()).default({}).describe('env parameters; for gymnasium: ids, the keyword arguments of gym.make'),
    python: z.string().min(1).optional().describe('gymnasium: ids only; the Python interpreter (default: $CREDITLAB_PYTHON, the workspace venv, python3)'),
    wrappers: z.array(GymWrapperSchema).optional().describe('gymnasium: ids only; wrappers applied to each env copy, in order'),
    vector: z.enum(['sync', 'async']).optional().describe('gymnasium: ids only; SyncVectorEnv (default) or AsyncVectorEnv (one process per copy)'),
    stepTimeoutSeconds: z.number().positive().optional().describe('gymnasium: ids only; a vector step taking longer fails the run (default 60)'),
  })
  .strict()
  .superRefine((env, ctx) => {
    const gym = env.id.startsWith(GYMNASIUM_PREFIX);
    if (gym && env.id.length === GYMNASIUM_PREFIX.length) ctx.addIssue({ code: 'custom', path: ['id'], message: 'expected "gymnasium:<ID>", e.g. "gymnasium:CartPole-v1"' });
    if (!gym) {
      for (const key of ['python', 'wrappers', 'vector', 'stepTimeoutSeconds'] as const) {
        if (env[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only for "gymnasium:" envs, not "${env.id}"` });
      }
    }
  });
export type EnvConfig = z.infer<typeof EnvConfigSchema>;

export const RlRunConfigSchema = z
  .object({
    kind: z.literal('rl'),
    env: EnvConfigSchema,
    algo: AlgoConfigSchema,
    reward: RewardConfigSchema.optional(),
    eval: z
      .object({
        every: z.number().int().positive().max(1_000_000_000).describe('evaluate every N env steps'),
        episodes: z.number().int().positive().max(10_000).default(10),
        greedy: z.boolean().default(true),
      })
      .strict()
      .optional(),
    compute: ComputeRequestSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    // Fused kernels exist for PPO only (discrete actions: checked when the env is built).
    if (c.compute === 'fused' && c.algo.name !== 'ppo')
      ctx.addIssue({ code: 'custom', path: ['compute'], message: `"fused" kernels exist for ppo only, not ${c.algo.name}; use "auto" or "tfjs"` });
  });

/** A run config; `kind` defaults to "rl". */
export const RunConfigSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('kind' in v) ? { ...v, kind: 'rl' } : v),
  z.discriminatedUnion('kind', [RlRunConfigSchema, RlhfRunConfigSchema]),
);
export type RlRunConfig = z.infer<typeof RlRunConfigSchema>;
export type RunConfig = z.infer<typeof RunConfigSchema>;

export const BudgetSchema = z
  .object({
    steps: z.number().int().positive().max(1_000_000_000).describe('env steps (RL) or training iterations (RLHF) per run'),
    timeLimitSeconds: z.number().positive().max(30 * 86_400).optional().describe('a run still going after this long fails (at most 30 days)'),
  })
  .strict();

export const SlurmOptionsSchema = z
  .object({
    partition: z.string().optional(),
    time: z.string().regex(/^(\d+-)?\d{1,2}:\d{2}:\d{2}$/, 'expected HH:MM:SS').optional(),
    cpus: z.number().int().positive().optional(),
    mem: z.string().optional(),
    account: z.string().optional(),
    maxConcurrent: z.number().int().positive().optional(),
  })
  .strict();

export const ExecutorSchema = z
  .object({
    type: z.enum(['local', 'slurm']).default('local'),
    slurm: SlurmOptionsSchema.optional(),
  })
  .strict();

export const ArmSchema = z
  .object({ name: z.string().min(1).regex(/^[\w.\-+ ]+$/, 'letters, digits, space and _ . - + only') })
  .passthrough();

/** Seeds per experiment unless the spec declares more in `limits.maxSeeds` (10,000 seeds once took minutes to cancel). */
export const DEFAULT_MAX_SEEDS = 1000;
export const MAX_ARMS = 1000;

// Experiment names end up in file names (exports, figure zips), terminal output and window titles:
// C0/C1 control characters (ANSI escapes), path separators and ".." are refused.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const plainText = (what: string, max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !CONTROL.test(s), `${what} may not contain control characters`);
const experimentName = plainText('a name', 100)
  .min(1)
  .refine((s) => !/[/\\]/.test(s), 'a name may not contain / or \\')
  .refine((s) => !s.includes('..'), 'a name may not contain ".."')
  .refine((s) => s.trim() === s, 'a name may not start or end with spaces');

export const LimitsSchema = z
  .object({
    maxSeeds: z.number().int().min(1).max(100_000).optional().describe(`seeds allowed in this experiment (default ${DEFAULT_MAX_SEEDS})`),
  })
  .strict();

export const ExperimentSpecSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(SPEC_VERSION),
    name: experimentName,
    description: z.string().max(100_000).default(''),
    seeds: z.array(z.number().int().min(0)).min(1).max(100_000),
    budget: BudgetSchema,
    base: z.record(z.string(), z.unknown()).describe('the run config every arm starts from'),
    arms: z.array(ArmSchema).min(1).max(MAX_ARMS).default([{ name: 'default' }]),
    executor: ExecutorSchema.optional(),
    tags: z.array(plainText('a tag', 100)).max(100).default([]),
    limits: LimitsSchema.optional().describe('raise the safety limits for this experiment'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.arms.forEach((arm, i) => {
      if (seen.has(arm.name)) ctx.addIssue({ code: 'custom', path: ['arms', i, 'name'], message: `duplicate arm name "${arm.name}"` });
      seen.add(arm.name);
    });
    if (new Set(spec.seeds).size !== spec.seeds.length) ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'seeds must be distinct' });
    const maxSeeds = spec.limits?.maxSeeds ?? DEFAULT_MAX_SEEDS;
    if (spec.seeds.length > maxSeeds) {
      ctx.addIssue({
        code: 'custom',
        path: ['seeds'],
        message: `${spec.seeds.length} seeds is more than limits.maxSeeds (${maxSeeds}); raise "limits": {"maxSeeds": N} in the spec if you mean it`,
      });
    }
  });
export type ExperimentSpec = z.infer<typeof ExperimentSpecSchema>;

/** A run trained elsewhere and imported (TensorBoard, CSV): a record of where it came from, nothing to execute. */
export interface ImportedRunConfig {
  kind: 'imported';
  source: 'tensorboard' | 'csv' | 'wandb-csv';
  /** The run's folder relative to the log folder, or its name in the CSV. */
  key: string;
  files: string[];
}

/** The unit everywhere: what a worker executes, what the store snapshots, what Slurm receives. */
export interface ResolvedRun {
  schema: 'creditlab.run/1';
  experiment: string;
  arm: string;
  seed: number;
  /** Position in arms × seeds (arm-major). */
  index: number;
  budget: z.infer<typeof BudgetSchema>;
  config: RunConfig | ImportedRunConfig;
  /** Hash of everything above: equal hashes mean the same run. */
  hash: string;
}
