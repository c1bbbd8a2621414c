// The JSON Schema of the experiment spec, for editors (VS Code's `$schema`, Monaco's JSON mode).
import { z } from 'zod';
import { ExperimentSpecSchema, RunConfigSchema } from './schema';

export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ExperimentSpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const run = z.toJSONSchema(RunConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'Creditlab experiment spec', $defs: { ...(schema.$defs as object), RunConfig: run } };
}
