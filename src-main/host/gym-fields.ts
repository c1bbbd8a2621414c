// Before runs are created: the fields a spec's shaping reads by name, checked against each Gymnasium
// env by asking its Python (one short-lived bridge process per distinct env config, off the event loop).
// Built-in envs are checked by the spec's own validation; this adds what needs Python.
import { checkGymFields, SpecValidationError, type EnvConfig, type EnvFields, type GymFieldCheck } from '@creditlab/spec';

const recent = new Map<string, { at: number; fields: Promise<EnvFields> }>();

/**
 * `maxAgeMs`: reuse an answer about the same env config given that recently (the editor validates as
 * the user types); launching a run asks afresh, so an edited env module is seen.
 */
export async function gymFieldCheck(spec: unknown, cacheDir: string | undefined, opts: { maxAgeMs?: number } = {}): Promise<GymFieldCheck> {
  const ask = async (env: EnvConfig) => (await import('@creditlab/gym')).probeGymFields(env, { cacheDir });
  if (!opts.maxAgeMs) return checkGymFields(spec, ask);
  const maxAge = opts.maxAgeMs;
  return checkGymFields(spec, (env) => {
    const key = JSON.stringify([env, cacheDir]);
    const hit = recent.get(key);
    if (hit && Date.now() - hit.at < maxAge) return hit.fields;
    const fields = ask(env);
    recent.set(key, { at: Date.now(), fields });
    fields.catch(() => recent.delete(key));
    return fields;
  });
}

/**
 * Throws SpecValidationError when a Gymnasium env lacks a field the spec reads. An env whose Python
 * cannot be asked is let through: its runs fail at start with the bridge's own message.
 */
export async function assertGymFields(spec: unknown, cacheDir: string | undefined): Promise<GymFieldCheck> {
  const check = await gymFieldCheck(spec, cacheDir);
  if (check.errors.length) throw new SpecValidationError(check.errors);
  return check;
}
