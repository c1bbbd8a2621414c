// Spec entries for the reward registry's methods (shaping terms and transforms), built from each method's
// JSON Schema so the builder never hard-codes a method list that could drift from the registry.
import type { RewardMethodInfo } from '@creditlab/api';

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A value that satisfies a schema as simply as possible: default, const, first enum member, minimum. */
function exampleOf(schema: unknown): unknown {
  if (!isObj(schema)) return null;
  if ('default' in schema) return structuredClone(schema.default);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const alt = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(alt) && alt.length) return exampleOf(alt[0]);
  switch (schema.type) {
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : 0;
    case 'boolean':
      return false;
    case 'string': {
      // A required non-empty string has no neutral value; the schema's description names the choices.
      const quoted = typeof schema.description === 'string' ? /"([^"]+)"/.exec(schema.description)?.[1] : undefined;
      return quoted ?? (typeof schema.minLength === 'number' && schema.minLength > 0 ? 'x'.repeat(schema.minLength) : '');
    }
    case 'array': {
      const n = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return Array.from({ length: n }, () => exampleOf(schema.items));
    }
    case 'object':
      return objectExample(schema);
    default:
      return null;
  }
}

/** Required properties get an example value, optional ones only when the schema declares a default. */
function objectExample(schema: Schema): Record<string, unknown> {
  const props = isObj(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) {
    if (required.has(k) || (isObj(p) && 'default' in p)) out[k] = exampleOf(p);
  }
  return out;
}

/** `{"type": ..., ...defaults}`: the entry a template inserts. */
export function methodEntry(m: RewardMethodInfo): Record<string, unknown> {
  return { ...objectExample(m.params), type: m.type };
}

/** Where the entry goes in a reward section. */
export const sectionOf = (m: RewardMethodInfo): 'shaping' | 'transforms' => (m.kind === 'shaping' ? 'shaping' : 'transforms');

export type EntryTarget = { kind: 'base' } | { kind: 'arm'; name: string };

/** Appends the method's entry to the reward section of the base or of one arm; returns null if the arm is missing. */
export function insertMethod(spec: unknown, m: RewardMethodInfo, target: EntryTarget): Record<string, unknown> | null {
  if (!isObj(spec)) return null;
  const out = structuredClone(spec);
  let holder: Record<string, unknown> | undefined;
  if (target.kind === 'base') {
    if (!isObj(out.base)) out.base = {};
    holder = out.base as Record<string, unknown>;
  } else if (Array.isArray(out.arms)) {
    holder = out.arms.find((a): a is Record<string, unknown> => isObj(a) && a.name === target.name);
  }
  if (!holder) return null;
  const reward = isObj(holder.reward) ? holder.reward : (holder.reward = {});
  const section = sectionOf(m);
  const list = Array.isArray(reward[section]) ? (reward[section] as unknown[]) : (reward[section] = []);
  list.push(methodEntry(m));
  return out;
}
