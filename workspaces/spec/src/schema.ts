// The experiment spec (version 1): arms × seeds over a base run config.
import { z } from 'zod';
import { AlgoConfigSchema } from './algos';
import { RewardConfigSchema } from './reward';
import { RlhfRunConfigSchema } from './rlhf';

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
        every: z.number().int().positive().describe('evaluate every N env steps'),
        episodes: z.number().int().positive().default(10),
        greedy: z.boolean().default(true),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A run config; `kind` defaults to "rl". */
export const RunConfigSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('kind' in v) ? { ...v, kind: 'rl' } : v),
  z.discriminatedUnion('kind', [RlRunConfigSchema, RlhfRunConfigSchema]),
);
export type RlRunConfig = z.infer<typeof RlRunConfigSchema>;
export type RunConfig = z.infer<typeof RunConfigSchema>;

export const BudgetSchema = z
  .object({
    steps: z.number().int().positive().describe('env steps (RL) or training iterations (RLHF) per run'),
    timeLimitSeconds: z.number().positive().optional().describe('a run still going after this long fails'),
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

export const ExperimentSpecSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(SPEC_VERSION),
    name: z.string().min(1),
    description: z.string().default(''),
    seeds: z.array(z.number().int().min(0)).min(1),
    budget: BudgetSchema,
    base: z.record(z.string(), z.unknown()).describe('the run config every arm starts from'),
    arms: z.array(ArmSchema).min(1).default([{ name: 'default' }]),
    executor: ExecutorSchema.optional(),
    tags: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.arms.forEach((arm, i) => {
      if (seen.has(arm.name)) ctx.addIssue({ code: 'custom', path: ['arms', i, 'name'], message: `duplicate arm name "${arm.name}"` });
      seen.add(arm.name);
    });
    if (new Set(spec.seeds).size !== spec.seeds.length) ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'seeds must be distinct' });
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
