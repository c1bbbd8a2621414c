// Schema of an RLHF run (owned by the RLHF suite; see @creditlab/rlhf).
import { z } from 'zod';

export const RlhfRunConfigSchema = z
  .object({
    kind: z.literal('rlhf'),
  })
  .passthrough();
export type RlhfRunConfig = z.infer<typeof RlhfRunConfigSchema>;
