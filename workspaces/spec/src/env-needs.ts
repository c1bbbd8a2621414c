// What a run's reward section needs from its env, checked when the spec is validated rather than
// when training reaches the first step that would have used it (or, for subgoal bonuses, silently never).
// Subgoal events and the fields a built-in potential reads are checked here for built-in envs; a
// Gymnasium env's fields are only known by asking its Python (see EnvFields), which callers that may
// start a process do (the CLI's validate and run, the host).
import { ENVS, type StepInfo } from '@creditlab/envs';
import { GYMNASIUM_PREFIX, type RunConfig } from './schema';

export interface EnvNeedIssue {
  /** Path inside the run config, e.g. ['reward', 'shaping', 0]. */
  path: (string | number)[];
  message: string;
}

/** Subgoal event names an env emits; null when unknown (an unknown id fails elsewhere). */
function envSubgoals(id: string, params: Record<string, unknown>): readonly string[] | null {
  // Only numbers cross the Gymnasium bridge: such envs have no `info.events`.
  if (id.startsWith(GYMNASIUM_PREFIX)) return [];
  const spec = ENVS[id];
  if (!spec) return null;
  try {
    return spec.make(params).subgoals;
  } catch {
    return null; // bad params are reported when the run starts, with the env's own message
  }
}

/**
 * What an env gives the reward pipeline by name, from one seeded reset and one step after it: the
 * observation width, and the info of the reset and of the step (null if that step ended the episode
 * by termination, when a potential does not read the info).
 */
export interface EnvFields {
  obsWidth: number;
  resetInfo: StepInfo;
  stepInfo: StepInfo | null;
}

/** A field a shaping entry reads by name: potential terms ("distance", "agent.x", "obs[2]"). */
export interface FieldNeed {
  path: (string | number)[];
  field: string;
  /** e.g. `potential shaping "upright"` */
  by: string;
}

export function fieldNeeds(config: RunConfig): FieldNeed[] {
  if (config.kind !== 'rl' || !config.reward) return [];
  const needs: FieldNeed[] = [];
  config.reward.shaping.forEach((entry, i) => {
    if (entry.type !== 'potential' || !entry.terms) return;
    entry.terms.forEach((term, j) => needs.push({ path: ['reward', 'shaping', i, 'terms', j, 'field'], field: term.field, by: `${entry.type} shaping "${entry.name ?? entry.type}"` }));
  });
  return needs;
}

/** The numeric fields of an info object as the reward pipeline reads them (dot paths; booleans count). */
export function numericInfoFields(info: StepInfo, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(info)) {
    if (!prefix && key === 'events') continue;
    if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) out.push(prefix + key);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)) out.push(...numericInfoFields(value as StepInfo, `${prefix}${key}.`));
  }
  return out;
}

const OBS_FIELD = /^obs\[(\d+)\]$/;

/** Fields `config` reads that `fields` (its env's) does not provide; `envId` names the env in messages. */
export function fieldIssues(config: RunConfig, fields: EnvFields): EnvNeedIssue[] {
  const envId = config.kind === 'rl' ? config.env.id : '';
  const list = (names: string[]) => (names.length ? names.map((n) => `"${n}"`).join(', ') : 'no numeric fields');
  const atReset = numericInfoFields(fields.resetInfo);
  const afterStep = fields.stepInfo ? numericInfoFields(fields.stepInfo) : null;
  const issues: EnvNeedIssue[] = [];
  for (const need of fieldNeeds(config)) {
    const m = OBS_FIELD.exec(need.field);
    if (m) {
      if (Number(m[1]) >= fields.obsWidth) {
        issues.push({ path: need.path, message: `${need.by} reads "${need.field}", and env "${envId}" has ${fields.obsWidth} observation entries (obs[0]..obs[${fields.obsWidth - 1}])` });
      }
      continue;
    }
    // Φ is taken at the episode's first state (the reset's info) and after every step that does not terminate.
    if (!atReset.includes(need.field)) {
      issues.push({ path: need.path, message: `${need.by} reads info field "${need.field}", which env "${envId}" does not provide (its info after reset: ${list(atReset)})` });
    } else if (afterStep && !afterStep.includes(need.field)) {
      issues.push({ path: need.path, message: `${need.by} reads info field "${need.field}", which env "${envId}" gives at reset but not after a step (its info after a step: ${list(afterStep)})` });
    }
  }
  return issues;
}

/** A built-in env's fields (cheap: one reset and one step in this thread); null when it cannot be built. */
export function nativeEnvFields(id: string, params: Record<string, unknown>): EnvFields | null {
  const spec = ENVS[id];
  if (!spec) return null;
  try {
    const env = spec.make(params);
    const first = env.reset(0);
    const a = env.actionSpace;
    const s = env.step(a.type === 'discrete' ? 0 : a.low.map((lo, k) => Math.min(Math.max(0, lo), a.high[k])));
    return { obsWidth: first.obs.length, resetInfo: first.info, stepInfo: s.terminated ? null : s.info };
  } catch {
    return null; // bad params are reported when the run starts, with the env's own message
  }
}

export function envNeedIssues(config: RunConfig): EnvNeedIssue[] {
  if (config.kind !== 'rl' || !config.reward) return [];
  const issues: EnvNeedIssue[] = [];
  if (!config.env.id.startsWith(GYMNASIUM_PREFIX) && fieldNeeds(config).length) {
    const fields = nativeEnvFields(config.env.id, config.env.params);
    if (fields) issues.push(...fieldIssues(config, fields));
  }
  const { id, params } = config.env;
  config.reward.shaping.forEach((entry, i) => {
    if (entry.type !== 'subgoal' && entry.type !== 'subgoal-potential') return;
    const emitted = envSubgoals(id, params);
    if (emitted === null) return;
    if (emitted.length === 0) {
      issues.push({ path: ['reward', 'shaping', i, 'type'], message: `"${entry.type}" shaping counts subgoal events (info.events), and env "${id}" emits none` });
      return;
    }
    const unknown = (entry.subgoals ?? []).filter((s) => !emitted.includes(s));
    if (unknown.length) {
      issues.push({
        path: ['reward', 'shaping', i, 'subgoals'],
        message: `env "${id}" never emits ${unknown.map((s) => `"${s}"`).join(', ')}; its events: ${emitted.join(', ')}`,
      });
    }
  });
  return issues;
}
