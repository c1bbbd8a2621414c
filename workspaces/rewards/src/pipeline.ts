// The reward pipeline of one env copy: env reward → user reward (optional) → shaping terms → transforms.
// Every stage's per-episode sum is reported separately (`reward/env`, `reward/user`,
// `reward/shaping/<name>`, `reward/transform/<name>`, `reward/total`), so an arm's gain can be traced to
// the stage that produced it and the task return is never mixed up with the shaped one.
import type { z } from 'zod';
import type { StepInfo } from '@creditlab/envs/types';
import { RewardError } from './errors';
import type { Channels, ShapingStage, StageContext, StepView, Transition, TransformStage, UserRewardInput, UserRewardModule } from './method';
import { ShapingEntrySchema, TransformEntrySchema, shapingMethod, transformMethod, type ShapingEntryInput, type TransformEntryInput } from './registry';

/** The fields of the spec's `reward` section the pipeline reads (the spec's RewardConfig fits it). */
export interface RewardPipelineConfig {
  /** "add" (default): the user function's value is added to the env reward; "replace": it is the reward. */
  combine?: 'add' | 'replace';
  code?: string;
  file?: string;
  source?: { filename: string; code: string };
  shaping?: readonly (ShapingEntryInput | Record<string, unknown>)[];
  transforms?: readonly (TransformEntryInput | Record<string, unknown>)[];
}

export interface RewardPipelineOptions {
  /** Env id, shown to user code as ctx.env. */
  envId: string;
  /** The algorithm's discount; the default γ of potential-based shaping. Default 0.99. */
  gamma?: number;
  /** The compiled user module (from '@creditlab/rewards/sandbox'); required when the config has code. */
  user?: UserRewardModule;
  /** Index of this env copy (keeps user code's per-episode `state` apart). Default 0. */
  copy?: number;
  /** One Map per run, passed to every copy's pipeline: state shared across copies (visit counts). */
  shared?: Map<string, unknown>;
}

export interface RewardPipeline {
  /** Metric keys `endEpisode` reports, in stage order. */
  readonly keys: readonly string[];
  /** Index of the current (or just finished) episode, 0 first. */
  readonly episode: number;
  /** Call after each env reset: potentials need the first state's info. */
  startEpisode(obs: ArrayLike<number>, info: StepInfo): void;
  /** Whether steps call the user's reward function (then `userInput` gives its input). */
  readonly usesUserReward: boolean;
  /**
   * The user function's input for this transition, for callers that score several copies in one batch
   * (`stepPipelines`); opens the episode if needed. Pass the function's value to `step` next.
   */
  userInput(tr: Transition): UserRewardInput;
  /**
   * Set when the final reward is the env reward ("add") or nothing ("replace") plus the user value, with
   * no shaping or transforms: then user inputs can be computed ahead for a whole rollout (`lookahead`)
   * and scored in one batch (`rewardRollout`), the sandbox keeping the episode returns. Null otherwise.
   */
  readonly rolloutCombine: 'add' | 'replace' | null;
  /**
   * Starts computing user inputs ahead from the pipeline's current state, without changing it: call the
   * returned function on this copy's next transitions in order (`startsEpisode` when the caller will call
   * startEpisode before stepping it). An input's `episode.return` is NaN where it depends on earlier
   * user values (see UserRewardModule.rewardRollout). The inputs are exactly those `userInput` would give
   * when the transitions are then stepped in order with their values.
   */
  lookahead(): (tr: Transition, startsEpisode: boolean) => UserRewardInput;
  /** The reward the algorithm learns from for this transition. Throws RewardError. `user`: see userInput. */
  step(tr: Transition, user?: number): number;
  /** Per-stage values of the last step, by metric key. */
  lastStep(): Record<string, number>;
  /** This copy's state (episode counters and sums, each stateful stage's state), JSON-safe, for resume. */
  saveState(): unknown;
  /** Takes back what saveState returned, on a pipeline built from the same config. */
  loadState(state: unknown): void;
  /** Per-episode sums by metric key; closes the episode (the next step starts a new one). */
  endEpisode(): Record<string, number>;
}

function parseEntries<S extends z.ZodType>(schema: S, entries: readonly unknown[] | undefined, field: string): z.output<S>[] {
  return (entries ?? []).map((e, i) => {
    const r = schema.safeParse(e);
    if (r.success) return r.data;
    const msg = r.error.issues.map((iss) => `${field}[${i}]${iss.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${iss.message}`).join('; ');
    throw new RewardError(`invalid reward config: ${msg}`, { kind: 'config' });
  });
}

function uniqueNames(entries: readonly { type: string; name?: string }[], taken: Set<string>): string[] {
  return entries.map((e) => {
    const base = e.name ?? e.type;
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  });
}

const asRewardError = (e: unknown, what: string): RewardError =>
  e instanceof RewardError ? e : new RewardError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { kind: 'config' });

/** Builds the pipeline of one env copy; with no config it passes the env reward through. */
export function createRewardPipeline(cfg: RewardPipelineConfig | undefined, opts: RewardPipelineOptions): RewardPipeline {
  const hasCode = !!(cfg?.source || cfg?.code || cfg?.file);
  const user = opts.user;
  if (hasCode && !user?.hasReward && !user?.hasPotential) {
    throw new RewardError('the reward config has user code but the pipeline got no compiled module (pass opts.user from @creditlab/rewards/sandbox)', {
      kind: 'config',
    });
  }
  const useUserReward = !!user?.hasReward;
  const combine = cfg?.combine ?? 'add';
  const copy = opts.copy ?? 0;
  const shared = opts.shared ?? new Map<string, unknown>();
  const gamma = opts.gamma ?? 0.99;

  const shapingEntries = parseEntries(ShapingEntrySchema, cfg?.shaping, 'shaping');
  const transformEntries = parseEntries(TransformEntrySchema, cfg?.transforms, 'transforms');
  const reserved = new Set(['env', 'user', 'total']);
  const shapingNames = uniqueNames(shapingEntries, reserved);
  const transformNames = uniqueNames(transformEntries, new Set());
  const ctxFor = (name: string): StageContext => ({ name, envId: opts.envId, gamma, copy, user, shared });
  const shaping: ShapingStage[] = shapingEntries.map((e, i) => {
    try {
      return shapingMethod(e.type)!.create(e as never, ctxFor(shapingNames[i]));
    } catch (err) {
      throw asRewardError(err, `shaping "${shapingNames[i]}"`);
    }
  });
  const transforms: TransformStage[] = transformEntries.map((e, i) => {
    try {
      return transformMethod(e.type)!.create(e as never, ctxFor(transformNames[i]));
    } catch (err) {
      throw asRewardError(err, `transform "${transformNames[i]}"`);
    }
  });

  const keys = [
    'reward/env',
    ...(useUserReward ? ['reward/user'] : []),
    ...shapingNames.map((n) => `reward/shaping/${n}`),
    ...transformNames.map((n) => `reward/transform/${n}`),
    'reward/total',
  ];
  const sums = new Float64Array(keys.length);
  const last = new Float64Array(keys.length);
  const parts = new Map<string, number>();

  let episode = 0;
  let t = 0; // steps taken in the current episode
  let open = false; // an episode is under way
  let started = false; // startEpisode was called for the current episode
  let envReturn = 0;
  let totalReturn = 0;

  const beginEpisode = (obs: ArrayLike<number> | null, info: StepInfo | null) => {
    if (open || t > 0) episode++;
    open = true;
    t = 0;
    envReturn = 0;
    totalReturn = 0;
    sums.fill(0);
    for (const tr of transforms) tr.startEpisode?.(episode);
    const first = obs && info ? { obs, info } : null;
    for (let i = 0; i < shaping.length; i++) shaping[i].startEpisode?.(first, episode);
    started = !!obs;
  };

  const eventsOf = (tr: Transition) => (Array.isArray(tr.info.events) ? (tr.info.events as string[]) : []);
  const userInputOf = (tr: Transition, events: readonly string[]): UserRewardInput => ({
    ...tr,
    envId: opts.envId,
    events,
    copy,
    episode: { index: episode, return: totalReturn, envReturn },
  });

  return {
    keys,
    get episode() {
      return episode;
    },
    startEpisode(obs, info) {
      try {
        beginEpisode(obs, info);
      } catch (err) {
        throw asRewardError(err, 'episode start').at(episode, 0);
      }
    },
    usesUserReward: useUserReward,
    rolloutCombine: useUserReward && shaping.length === 0 && transforms.length === 0 ? combine : null,
    lookahead() {
      // The bookkeeping of beginEpisode and step, on copies.
      let ep = episode, isOpen = open, steps = t, env = envReturn;
      let ret = totalReturn;
      return (tr, startsEpisode) => {
        if (startsEpisode || !isOpen) {
          if (isOpen || steps > 0) ep++;
          isOpen = true;
          steps = 0;
          env = 0;
          ret = 0;
        }
        // Spelled out rather than spread: this runs for every transition of a rollout.
        const input: UserRewardInput = {
          obs: tr.obs,
          action: tr.action,
          nextObs: tr.nextObs,
          envReward: tr.envReward,
          terminated: tr.terminated,
          truncated: tr.truncated,
          info: tr.info,
          t: tr.t,
          envId: opts.envId,
          events: eventsOf(tr),
          copy,
          episode: { index: ep, return: ret, envReturn: env },
        };
        env += tr.envReward;
        steps++;
        ret = NaN;
        if (tr.terminated || tr.truncated) isOpen = false;
        return input;
      };
    },
    userInput(tr) {
      if (!open) beginEpisode(null, null);
      return userInputOf(tr, eventsOf(tr));
    },
    step(tr, given) {
      if (!open) beginEpisode(null, null);
      const events = eventsOf(tr);
      const s: StepView = { ...tr, events, episode };
      let k = 0;
      let stage = 'user reward';
      try {
        const env = tr.envReward;
        last[k++] = env;
        parts.set('env', env);
        let base = env;
        let dense = 0;
        if (useUserReward) {
          const u = given ?? user!.reward(userInputOf(tr, events));
          last[k++] = u;
          parts.set('user', u);
          if (combine === 'replace') base = 0;
          dense += u;
        }
        for (let i = 0; i < shaping.length; i++) {
          stage = `shaping "${shapingNames[i]}"`;
          const f = shaping[i].step(s);
          if (!Number.isFinite(f)) throw new RewardError(`shaping "${shapingNames[i]}" produced ${f}`, { kind: 'non-finite' });
          last[k++] = f;
          parts.set(shapingNames[i], f);
          dense += f;
        }
        let v: Channels = { outcome: base, dense };
        for (let i = 0; i < transforms.length; i++) {
          stage = `transform "${transformNames[i]}"`;
          const before = v.outcome + v.dense;
          v = transforms[i].apply(v, s, parts);
          last[k++] = v.outcome + v.dense - before;
        }
        const total = v.outcome + v.dense;
        if (!Number.isFinite(total)) throw new RewardError(`the reward after the transforms is ${total}`, { kind: 'non-finite' });
        last[k++] = total;
        for (let i = 0; i < k; i++) sums[i] += last[i];
        envReturn += env;
        totalReturn += total;
        t++;
        if (tr.terminated || tr.truncated) open = false;
        return total;
      } catch (err) {
        let e = asRewardError(err, stage);
        if (e.kind === 'missing-field' && tr.t === 0 && !started) e = new RewardError(`${e.detail} (call pipeline.startEpisode(obs, info) after env.reset)`, e.details());
        throw e.at(episode, tr.t);
      }
    },
    lastStep() {
      return Object.fromEntries(keys.map((key, i) => [key, last[i]]));
    },
    saveState() {
      return {
        sums: Array.from(sums),
        last: Array.from(last),
        episode,
        t,
        open,
        started,
        envReturn,
        totalReturn,
        shaping: shaping.map((s) => s.saveState?.() ?? null),
        transforms: transforms.map((s) => s.saveState?.() ?? null),
      };
    },
    loadState(state) {
      const st = state as { sums: number[]; last: number[]; episode: number; t: number; open: boolean; started: boolean; envReturn: number; totalReturn: number; shaping: unknown[]; transforms: unknown[] };
      if (st.sums.length !== sums.length || st.shaping.length !== shaping.length || st.transforms.length !== transforms.length)
        throw new RewardError('the checkpoint\'s reward pipeline does not match this run\'s reward config', { kind: 'config' });
      sums.set(st.sums);
      last.set(st.last);
      ({ episode, t, open, started, envReturn, totalReturn } = st);
      shaping.forEach((s, i) => s.loadState?.(st.shaping[i]));
      transforms.forEach((s, i) => s.loadState?.(st.transforms[i]));
    },
    endEpisode() {
      const out = Object.fromEntries(keys.map((key, i) => [key, sums[i]]));
      open = false;
      return out;
    },
  };
}

/**
 * Steps several pipelines (the env copies of one vector step, each with its own transition) and calls the
 * user's reward function for all of them in one batch: one crossing of the sandbox boundary instead of
 * one per copy. The same values as stepping each pipeline in turn: a copy's user input depends only on
 * its own pipeline, and the user calls keep the copies' order. Writes the rewards into `out`.
 */
export function stepPipelines(pipes: readonly RewardPipeline[], trs: readonly Transition[], user: UserRewardModule | undefined, out: Float64Array): void {
  const n = pipes.length;
  let values: Float64Array | null = null;
  if (user?.rewardBatch && n > 1 && pipes[0].usesUserReward) {
    const inputs: UserRewardInput[] = [];
    for (let i = 0; i < n; i++) inputs.push(pipes[i].userInput(trs[i]));
    try {
      values = user.rewardBatch(inputs);
    } catch (err) {
      throw asRewardError(err, 'user reward');
    }
  }
  for (let i = 0; i < n; i++) out[i] = pipes[i].step(trs[i], values ? values[i] : undefined);
}
