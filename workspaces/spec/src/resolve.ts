// From a spec to resolved runs: validate, deep-merge each arm onto `base`, fill defaults,
// inline the reward source, expand arms × seeds, hash.
import { hashValue } from '@creditlab/common';
import { ExperimentSpecSchema, GYMNASIUM_PREFIX, RunConfigSchema, SPEC_VERSION, type EnvConfig, type ExperimentSpec, type ResolvedRun, type RunConfig } from './schema';
import { SpecValidationError, formatPath, toSpecErrors, type SpecError } from './errors';
import { envNeedIssues, fieldIssues, fieldNeeds, type EnvFields } from './env-needs';

type Json = unknown;
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Objects merge key by key; arrays and scalars in `over` replace those in `base`; `null` in `over` deletes. */
export function deepMerge(base: Json, over: Json): Json {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null && !(k in base && base[k] === null)) delete out[k];
    else out[k] = k in base ? deepMerge(base[k], v) : v;
  }
  return out;
}

function hasPath(obj: unknown, path: readonly PropertyKey[]): boolean {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as object))) return false;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return true;
}

/** How deep a spec may nest (a real one is under 10); deeper input is refused before anything recurses into it. */
export const MAX_SPEC_DEPTH = 64;

/** The path of the first value nested deeper than `max`, found without recursion; null when there is none. */
export function tooDeep(root: unknown, max = MAX_SPEC_DEPTH): (string | number)[] | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length > max) return path;
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i][1], path: [...path, entries[i][0]] });
  }
  return null;
}

export interface ValidatedExperiment {
  spec: ExperimentSpec;
  /** The merged, defaulted run config of each arm, in arm order. */
  armConfigs: { name: string; config: RunConfig }[];
}

/** Validates a whole spec; every error names its JSON path (`base.…` or `arms[i].…`). */
export function validateExperiment(input: unknown): ValidatedExperiment {
  const deep = tooDeep(input);
  if (deep) throw new SpecValidationError([{ path: formatPath(deep), message: `nested deeper than ${MAX_SPEC_DEPTH} levels` }]);
  if (isPlainObject(input) && input.version !== undefined && input.version !== SPEC_VERSION) {
    throw new SpecValidationError([{ path: 'version', message: `unsupported spec version ${JSON.stringify(input.version)}; this Creditlab reads version ${SPEC_VERSION}` }]);
  }
  const parsed = ExperimentSpecSchema.safeParse(input);
  if (!parsed.success) throw new SpecValidationError(toSpecErrors(parsed.error, input));
  const spec = parsed.data;
  const errors: SpecError[] = [];
  const armConfigs: ValidatedExperiment['armConfigs'] = [];
  spec.arms.forEach((arm, i) => {
    const { name, ...overrides } = arm;
    const merged = deepMerge(spec.base, overrides);
    const r = RunConfigSchema.safeParse(merged);
    if (r.success) {
      for (const issue of envNeedIssues(r.data)) {
        const e = { path: needPath(overrides, i, issue.path), message: issue.message };
        if (!errors.some((x) => x.path === e.path && x.message === e.message)) errors.push(e);
      }
      armConfigs.push({ name, config: r.data });
      return;
    }
    for (const issue of r.error.issues) {
      const path = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? [...issue.path, issue.keys[0]] : issue.path;
      const fromArm = hasPath(overrides, path);
      const [e] = toSpecErrors({ issues: [issue] } as never, merged, fromArm ? ['arms', i] : ['base']);
      // The same base error shows up once per arm; report it once.
      if (!errors.some((x) => x.path === e.path && x.message === e.message)) errors.push(e);
    }
  });
  if (errors.length) throw new SpecValidationError(errors);
  return { spec, armConfigs };
}

/** Where an arm's env-need issue belongs: the arm, when it sets that path or its own env; else base. */
function needPath(arm: Record<string, unknown>, i: number, path: (string | number)[]): string {
  const where = hasPath(arm, path) || hasPath(arm, ['env']) ? ['arms', i] : ['base'];
  return formatPath([...where, ...path]);
}

export interface GymFieldCheck {
  errors: SpecError[];
  /** Envs whose Python could not be asked (not installed, unknown id, ...): their runs will say so. */
  unchecked: { env: string; reason: string }[];
}

/**
 * The fields a valid spec's shaping reads by name, checked against each Gymnasium env that `probe`
 * asks (it starts the env's Python; each distinct env config is asked once). Built-in envs are checked
 * by validateExperiment itself.
 */
export async function checkGymFields(input: unknown, probe: (env: EnvConfig) => Promise<EnvFields>): Promise<GymFieldCheck> {
  const { spec, armConfigs } = validateExperiment(input);
  const asked = new Map<string, Promise<EnvFields | Error>>();
  const reported = new Set<string>();
  const out: GymFieldCheck = { errors: [], unchecked: [] };
  for (const [i, { config }] of armConfigs.entries()) {
    if (config.kind !== 'rl' || !config.env.id.startsWith(GYMNASIUM_PREFIX) || fieldNeeds(config).length === 0) continue;
    const key = JSON.stringify(config.env);
    if (!asked.has(key)) asked.set(key, probe(config.env).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
    const fields = await asked.get(key)!;
    if (fields instanceof Error) {
      if (!reported.has(key)) out.unchecked.push({ env: config.env.id, reason: fields.message });
      reported.add(key);
      continue;
    }
    for (const issue of fieldIssues(config, fields)) {
      const e = { path: needPath(spec.arms[i] as Record<string, unknown>, i, issue.path), message: issue.message };
      if (!out.errors.some((x) => x.path === e.path && x.message === e.message)) out.errors.push(e);
    }
  }
  return out;
}

export interface ResolveOptions {
  /** Reads a reward file named in the spec (relative paths are relative to the spec file). */
  readRewardFile?: (path: string) => { filename: string; code: string };
}

/** Expands a validated spec into resolved runs, arm-major: arm 0 × every seed, then arm 1, … */
export function resolveExperiment(input: unknown, opts: ResolveOptions = {}): { spec: ExperimentSpec; runs: ResolvedRun[] } {
  const { spec, armConfigs } = validateExperiment(input);
  const runs: ResolvedRun[] = [];
  const errors: SpecError[] = [];
  armConfigs.forEach(({ name, config }, armIndex) => {
    let cfg = config;
    if (cfg.kind === 'rl' && cfg.reward && (cfg.reward.file || cfg.reward.code) && !cfg.reward.source) {
      const r = cfg.reward;
      let source: { filename: string; code: string };
      if (r.code) source = { filename: `${name}.reward.ts`, code: r.code };
      else {
        if (!opts.readRewardFile) throw new Error('resolveExperiment: a reward file needs opts.readRewardFile');
        try {
          source = opts.readRewardFile(r.file!);
        } catch (e) {
          errors.push({ path: `arms[${armIndex}].reward.file`, message: `cannot read ${JSON.stringify(r.file)}: ${(e as Error).message}` });
          return;
        }
      }
      cfg = { ...cfg, reward: { ...r, source } };
    }
    spec.seeds.forEach((seed) => {
      const body = { schema: 'creditlab.run/1' as const, experiment: spec.name, arm: name, seed, index: runs.length, budget: spec.budget, config: cfg };
      runs.push({ ...body, hash: hashValue({ ...body, index: undefined }) });
    });
  });
  if (errors.length) throw new SpecValidationError(errors);
  return { spec, runs };
}

/**
 * Applies `--set key.path=value` overrides: the value is JSON when it parses as JSON, else a string.
 * Path segments are object keys, or array indices in brackets / as plain numbers (`arms[1].name`, `arms.1.name`).
 */
export function applySet(spec: unknown, assignment: string): unknown {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new SpecValidationError([{ path: '', message: `--set expects key.path=value, got ${JSON.stringify(assignment)}` }]);
  const key = assignment.slice(0, eq);
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const parts = key.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
  // `__proto__.x=1` would walk into Object.prototype and set x on every object of the process.
  const unsafe = parts.find((p) => p === '__proto__' || p === 'constructor' || p === 'prototype');
  if (unsafe) throw new SpecValidationError([{ path: key, message: `"${unsafe}" is not a spec field` }]);
  const root = structuredClone(spec) as Record<string, unknown>;
  let cur: Record<string, unknown> | unknown[] = root;
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    const k: string | number = Array.isArray(cur) ? Number(p) : p;
    if (Array.isArray(cur) && !Number.isInteger(k)) throw new SpecValidationError([{ path: key, message: `"${p}" is not an array index` }]);
    const c = cur as Record<string | number, unknown>;
    if (last) c[k] = value;
    else {
      if (c[k] === undefined || c[k] === null || typeof c[k] !== 'object') c[k] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      cur = c[k] as Record<string, unknown>;
    }
  });
  return root;
}
