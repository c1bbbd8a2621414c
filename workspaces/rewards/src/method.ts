// The shape of one reward method's registry entry, and what the pipeline hands a stage.
// A method file exports its pure functions plus one `defineMethod(...)` entry; the spec schema, the UI
// form (template) and the docs all come from that entry, so they cannot drift apart.
import { z } from 'zod';
import type { StepInfo } from '@creditlab/envs/types';

/** One env transition as the pipeline receives it. `t` is the step index within the episode (0 first). */
export interface Transition {
  obs: ArrayLike<number>;
  action: number | ArrayLike<number>;
  nextObs: ArrayLike<number>;
  envReward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
  t: number;
}

/** What a stage sees on each step: the transition plus the pipeline's bookkeeping. */
export interface StepView extends Transition {
  /** Subgoal events of this step (`info.events`, or empty). */
  events: readonly string[];
  /** Episode index within this pipeline (0 first). */
  episode: number;
}

/** The user module as the pipeline uses it (built by '@creditlab/rewards/sandbox', or by hand in tests). */
export interface UserRewardModule {
  readonly filename: string;
  readonly hasReward: boolean;
  readonly hasPotential: boolean;
  /** Calls the default export. Throws RewardError (throw, non-finite, wrong type, timeout, memory). */
  reward(input: UserRewardInput): number;
  /**
   * Calls the default export once per input, in order, in one crossing of the sandbox boundary (the
   * copies of one vector step). Throws like `reward`, naming the episode and step of the failing input.
   */
  rewardBatch?(inputs: readonly UserRewardInput[]): Float64Array;
  /**
   * Scores a stretch of a rollout (the transitions of several vector steps, in step order) in as few
   * crossings as the time limit allows, for a pipeline whose final reward is the env reward (combine
   * "add") or nothing ("replace") plus the user value, with no shaping or transforms: inputs whose
   * `episode.return` is NaN take it from the copy's earlier transitions here, so every call sees what
   * stepping one transition at a time would have shown it. Stops at the first failure or non-finite
   * final reward instead of throwing (see RolloutScores).
   */
  rewardRollout?(inputs: readonly UserRewardInput[], combine: 'add' | 'replace'): RolloutScores;
  /** Calls the `potential(obs, info)` export. Throws RewardError like `reward`. */
  potential(obs: ArrayLike<number>, info: StepInfo, where: { copy: number; episode: number; step: number }): number;
}

export interface RolloutScores {
  /** The user values; those from index `scored` on are not set. */
  values: Float64Array;
  /**
   * How many inputs were scored. Less than the inputs' count when `error` is set (the failing input is
   * at index `scored`), or when the final reward of input `scored - 1` is not finite (the pipeline's
   * step reports that one).
   */
  scored: number;
  error: Error | null;
}

export interface UserRewardInput extends Transition {
  envId: string;
  events: readonly string[];
  /** Which env copy (pipeline) is calling: the sandbox keeps one per-episode `state` object per copy. */
  copy: number;
  episode: { index: number; return: number; envReturn: number };
}

export interface StageContext {
  /** The entry's log name (`reward/shaping/<name>`). */
  name: string;
  envId: string;
  /** The algorithm's discount; PBRS needs the agent's own γ to keep the optimal policy. */
  gamma: number;
  copy: number;
  user?: UserRewardModule;
  /** Shared across the env copies of one run (e.g. visit counts), keyed by the stage. */
  shared: Map<string, unknown>;
}

/**
 * A stage that keeps state between calls (running statistics, the previous potential, subgoals seen)
 * returns it as JSON-safe data and takes it back, so a resumed run continues exactly; a stage without
 * these methods must be stateless. Counts shared across copies live in StageContext.shared, which the
 * caller checkpoints.
 */
export interface StageState {
  saveState?(): unknown;
  loadState?(state: unknown): void;
}

export interface ShapingStage extends StageState {
  /** `first` is the reset observation and info, or null when the caller did not give them. */
  startEpisode?(first: { obs: ArrayLike<number>; info: StepInfo } | null, episode: number): void;
  step(s: StepView): number;
}

/**
 * The reward on its way through the transforms, in two channels: `outcome` is the task (env) reward,
 * `dense` everything added on top of it (user code with combine "add", shaping terms). Clip/Delta refine
 * `dense` only, as Gao et al. refine the process reward and leave the success reward alone; a nonlinear
 * transform (clip-to-range, normalise, LSC) returns one signal, which later transforms see as `dense`.
 */
export interface Channels {
  outcome: number;
  dense: number;
}

/** Per-step values of the stages before the transforms, by log key (`env`, `user`, shaping names). */
export type StageValues = ReadonlyMap<string, number>;

export interface TransformStage extends StageState {
  startEpisode?(episode: number): void;
  apply(v: Channels, s: StepView, parts: StageValues): Channels;
}

export interface MethodMeta {
  /** The `type` value in the spec. */
  type: string;
  kind: 'shaping' | 'transform';
  title: string;
  /** Paper title and arXiv id (or venue). */
  paper: string;
  /** A short description for the UI and `creditlab` docs. */
  doc: string;
  /** The UI form template that edits this entry. */
  template: string;
}

type Create<S extends z.ZodType, St> = (params: z.output<S>, ctx: StageContext) => St;

export type ShapingMethod<S extends z.ZodType = z.ZodType> = MethodMeta & { kind: 'shaping'; schema: S; create: Create<S, ShapingStage> };
export type TransformMethod<S extends z.ZodType = z.ZodType> = MethodMeta & { kind: 'transform'; schema: S; create: Create<S, TransformStage> };
export type RewardMethod = ShapingMethod | TransformMethod;

export function defineShaping<S extends z.ZodType>(m: Omit<ShapingMethod<S>, 'kind'>): ShapingMethod<S> {
  return { ...m, kind: 'shaping' };
}
export function defineTransform<S extends z.ZodType>(m: Omit<TransformMethod<S>, 'kind'>): TransformMethod<S> {
  return { ...m, kind: 'transform' };
}

