// What a run's reward section needs from its env, checked when the spec is validated rather than
// when training reaches the first step that would have used it (or, for subgoal bonuses, silently never).
import { ENVS } from '@creditlab/envs';
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

export function envNeedIssues(config: RunConfig): EnvNeedIssue[] {
  if (config.kind !== 'rl' || !config.reward) return [];
  const issues: EnvNeedIssue[] = [];
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
