// The registry: every reward method by its spec `type`. The entries' schemas are the spec's
// (@creditlab/spec's reward-methods.ts); a test checks that the two lists name the same methods in the
// same order, each with the spec's own schema object.
import { z } from 'zod';
import type { MethodMeta, RewardMethod, ShapingMethod, TransformMethod } from './method';
import { SHAPING_METHODS, TRANSFORM_METHODS } from './methods/index';

export { ShapingEntrySchema, TransformEntrySchema, type ShapingEntry, type TransformEntry, type ShapingEntryInput, type TransformEntryInput } from '@creditlab/spec';

export const REWARD_METHODS: readonly RewardMethod[] = [...(SHAPING_METHODS as readonly ShapingMethod[]), ...(TRANSFORM_METHODS as readonly TransformMethod[])];

export function shapingMethod(type: string): ShapingMethod | undefined {
  return (SHAPING_METHODS as readonly ShapingMethod[]).find((m) => m.type === type);
}
export function transformMethod(type: string): TransformMethod | undefined {
  return (TRANSFORM_METHODS as readonly TransformMethod[]).find((m) => m.type === type);
}

/** Docs and UI templates for the renderer (no schemas or functions: plain data). */
export function methodCatalog(): (MethodMeta & { params: Record<string, unknown> })[] {
  return REWARD_METHODS.map((m) => ({
    type: m.type,
    kind: m.kind,
    title: m.title,
    paper: m.paper,
    doc: m.doc,
    template: m.template,
    params: z.toJSONSchema(m.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  }));
}
