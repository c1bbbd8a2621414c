// The reward section of an RL run: user code, then shaping terms, then transforms.
// Method schemas come from @creditlab/rewards (one registry entry per method); this file composes them.
import { z } from 'zod';

export const RewardConfigSchema = z
  .object({
    file: z.string().min(1).optional().describe('path to a TS/JS module whose default export is the reward function (relative to the spec file)'),
    code: z.string().min(1).optional().describe('inline TS/JS module source whose default export is the reward function'),
    /** Filled in by resolution: the user reward's source, so a resolved run is self-contained. */
    source: z.object({ filename: z.string(), code: z.string() }).optional(),
    timeoutMs: z.number().int().positive().default(1000).describe('a single reward call taking longer fails the run'),
    shaping: z.array(z.record(z.string(), z.unknown())).default([]),
    transforms: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict()
  .refine((r) => !(r.file && r.code), { message: 'give either "file" or "code", not both' });
export type RewardConfig = z.infer<typeof RewardConfigSchema>;
