// The JSON Schema of the experiment spec, for editors (VS Code's `$schema`, Monaco's JSON mode).
import { z } from 'zod';
import { ExperimentSpecSchema, RunConfigSchema } from './schema';

/**
 * `envIds` (built-in ids and, where Python has Gymnasium, "gymnasium:<ID>") become completion examples of
 * `base.env.id` and of each arm's `env.id`; they constrain nothing, so a spec naming another id stays valid.
 */
export function experimentJsonSchema(envIds: readonly string[] = []): Record<string, unknown> {
  const schema = z.toJSONSchema(ExperimentSpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const run = z.toJSONSchema(RunConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...schema, title: 'Creditlab experiment spec', $defs: { ...(schema.$defs as object), RunConfig: run } };
  if (envIds.length) {
    const envHint = {
      type: 'object',
      properties: { id: { type: 'string', description: 'a built-in env id, or "gymnasium:<ID>" for any registered Gymnasium env', examples: [...envIds] } },
    };
    const props = { ...(schema.properties as Record<string, Record<string, unknown>>) };
    props.base = { ...props.base, properties: { ...((props.base.properties as object) ?? {}), env: envHint } };
    const arms = props.arms as { items?: Record<string, unknown> };
    if (arms?.items) props.arms = { ...arms, items: { ...arms.items, properties: { ...((arms.items.properties as object) ?? {}), env: envHint } } };
    out.properties = props;
  }
  return out;
}
