// The builder edits the spec as JSON text and the reward as a separate TypeScript model; these helpers
// move between the two representations.

export type RewardTarget = { kind: 'none' } | { kind: 'base' } | { kind: 'arm'; name: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string; offset: number };

export function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const message = (e as Error).message;
    const m = /position (\d+)/.exec(message);
    return { ok: false, message: message.replace(/^JSON\.parse: /, ''), offset: m ? Number(m[1]) : 0 };
  }
}

/** The spec sent to the host: the JSON with the editor's reward code put where the user pointed it. */
export function composeSpec(spec: unknown, code: string, target: RewardTarget): unknown {
  if (target.kind === 'none' || !isObj(spec)) return spec;
  const out: Obj = structuredClone(spec);
  if (target.kind === 'base') {
    const base = isObj(out.base) ? out.base : {};
    base.reward = { ...(isObj(base.reward) ? base.reward : {}), code };
    out.base = base;
  } else if (Array.isArray(out.arms)) {
    const arm = out.arms.find((a) => isObj(a) && a.name === target.name);
    if (isObj(arm)) arm.reward = { ...(isObj(arm.reward) ? arm.reward : {}), code };
  }
  return out;
}

/**
 * Splits inline reward code out of a spec so it can be edited as TypeScript: base first, else the first
 * arm that has some. Other inline code stays in the JSON.
 */
export function extractReward(spec: unknown): { spec: unknown; code: string | null; target: RewardTarget } {
  if (!isObj(spec)) return { spec, code: null, target: { kind: 'none' } };
  const out: Obj = structuredClone(spec);
  const base = out.base;
  if (isObj(base) && isObj(base.reward) && typeof base.reward.code === 'string') {
    const { code, ...rest } = base.reward;
    base.reward = rest;
    if (Object.keys(rest).length === 0) delete base.reward;
    return { spec: out, code: code as string, target: { kind: 'base' } };
  }
  if (Array.isArray(out.arms)) {
    for (const arm of out.arms) {
      if (isObj(arm) && isObj(arm.reward) && typeof arm.reward.code === 'string' && typeof arm.name === 'string') {
        const { code, ...rest } = arm.reward;
        arm.reward = rest;
        if (Object.keys(rest).length === 0) delete arm.reward;
        return { spec: out, code: code as string, target: { kind: 'arm', name: arm.name } };
      }
    }
  }
  return { spec: out, code: null, target: { kind: 'none' } };
}

export function armNames(spec: unknown): string[] {
  if (!isObj(spec) || !Array.isArray(spec.arms)) return [];
  return spec.arms.flatMap((a) => (isObj(a) && typeof a.name === 'string' ? [a.name] : []));
}

export const targetKey = (t: RewardTarget) => (t.kind === 'arm' ? `arm:${t.name}` : t.kind);
export const targetFromKey = (k: string): RewardTarget =>
  k.startsWith('arm:') ? { kind: 'arm', name: k.slice(4) } : k === 'base' ? { kind: 'base' } : { kind: 'none' };

export function prettyJson(v: unknown): string {
  return JSON.stringify(v, null, 2) + '\n';
}
