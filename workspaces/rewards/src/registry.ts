// Spec schemas built from the registry: `shaping` and `transforms` entries are discriminated unions on
// `type`, so a bad entry is reported at its own path (e.g. `transforms[0].eta`).
import { z } from 'zod';
import type { MethodMeta, RewardMethod, ShapingMethod, TransformMethod } from './method';
import { SHAPING_METHODS, TRANSFORM_METHODS } from './methods/index';

type Schemas<T extends readonly { schema: z.ZodType }[]> = { -readonly [K in keyof T]: T[K]['schema'] };
const schemasOf = <T extends readonly { schema: z.ZodType }[]>(ms: T) => ms.map((m) => m.schema) as unknown as Schemas<T>;

export const ShapingEntrySchema = z.discriminatedUnion('type', schemasOf(SHAPING_METHODS));
export const TransformEntrySchema = z.discriminatedUnion('type', schemasOf(TRANSFORM_METHODS));
export type ShapingEntry = z.output<typeof ShapingEntrySchema>;
export type TransformEntry = z.output<typeof TransformEntrySchema>;
export type ShapingEntryInput = z.input<typeof ShapingEntrySchema>;
export type TransformEntryInput = z.input<typeof TransformEntrySchema>;

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
