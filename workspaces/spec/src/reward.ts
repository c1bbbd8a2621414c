// The reward section of an RL run: user code, then shaping terms, then transforms.
// The methods' entry schemas are in reward-methods.ts; this file composes them.
import { z } from 'zod';
import { ShapingEntrySchema, TransformEntrySchema } from './reward-methods';

/**
 * Longest reward source, in characters: a reward file may have 1 MB, and inline code is copied into every
 * run of the spec (its run.json and reward file), so arms × seeds copies of it are written at once.
 */
export const MAX_REWARD_CODE = 1024 * 1024;

export const RewardConfigSchema = z
  .object({
    file: z.string().min(1).optional().describe('path to a TS/JS module whose default export is the reward function (relative to the spec file)'),
    code: z.string().min(1).max(MAX_REWARD_CODE).optional().describe('inline TS/JS module source whose default export is the reward function'),
    /** Filled in by resolution: the user reward's source, so a resolved run is self-contained. */
    source: z.object({ filename: z.string().max(300), code: z.string().max(MAX_REWARD_CODE) }).optional(),
    combine: z
      .enum(['add', 'replace'])
      .default('add')
      .describe('"add": the reward function\'s value is added to the env reward; "replace": it is the reward'),
    timeoutMs: z.number().int().positive().max(60_000).default(50).describe('CPU time (ms) a single reward call may use; one that uses more fails the run'),
    memoryLimitMb: z
      .number()
      .int()
      .min(16)
      .max(16384)
      .default(512)
      .describe('memory the reward code may hold (MB, typed arrays included); going over fails the run'),
    shaping: z.array(ShapingEntrySchema).default([]).describe('shaping terms, added after the user reward (each logged as reward/shaping/<name>)'),
    transforms: z.array(TransformEntrySchema).default([]).describe('transforms applied in order to the shaped reward'),
  })
  .strict()
  .refine((r) => !(r.file && r.code), { message: 'give either "file" or "code", not both' });
export type RewardConfig = z.infer<typeof RewardConfigSchema>;
