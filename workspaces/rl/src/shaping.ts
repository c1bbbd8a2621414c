// The one seam between an environment's reward and what an algorithm learns from. Every trainer sends each
// env reward through a `ShapeReward` before storing it; the reward pipeline (user code, shaping terms,
// transforms) plugs in here. Logged episodic returns always use the untouched env reward.
import type { StepInfo } from '@creditlab/envs';
import type { RunContext } from '@creditlab/spec';

export interface Transition {
  /** Observation the action was taken in. */
  obs: Float64Array;
  /** Integer for discrete action spaces, the unclipped sampled vector for box spaces. */
  action: number | Float64Array;
  /** The env's own reward. */
  reward: number;
  /** The true next observation (the final one when the episode just ended, not the auto-reset one). */
  nextObs: Float64Array;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
  /** Which copy of the vector env produced it. */
  envIndex: number;
  /** 0-based step index within the current episode (0 marks an episode's first transition). */
  episodeStep: number;
  /** The info of the reset that began this episode (potentials may need the first state's info). */
  resetInfo: StepInfo;
  /** Total env steps taken by the run before this one. */
  globalStep: number;
}

/**
 * Called once per env step, in step order for each env copy, before the reward is stored. A per-copy
 * pipeline can key on `envIndex`, open an episode when `episodeStep === 0` (obs + resetInfo) and close it
 * when `terminated || truncated`.
 */
export type ShapeReward = (t: Transition) => number;

/**
 * The batch form: the transitions of one vector step (one per env copy, in copy order), shaped in one call
 * so that user reward code crosses its sandbox boundary once per vector step rather than once per copy.
 * Must give the same values as calling ShapeReward on each transition in turn.
 */
export type ShapeRewards = (ts: readonly Transition[]) => ArrayLike<number>;

/**
 * The rollout form, for on-policy trainers that store a whole rollout before learning from it: the
 * transitions of every vector step of one rollout (step-major, copies in order within a step), shaped
 * after the rollout was collected, so that user reward code crosses its sandbox boundary a few times per
 * rollout. Must give the same values, and the same calls to user code in the same order, as
 * ShapeRewards on each vector step in turn. Trainers that act on a reward before the next step
 * (replay buffers filled per step, per-episode logs of the shaped return) do not use it.
 */
export type ShapeRollout = (ts: readonly Transition[]) => ArrayLike<number>;

export const identityReward: ShapeReward = (t) => t.reward;

export interface TrainOptions {
  /** Defaults to the identity; must be synchronous and deterministic given the transition. */
  shapeReward?: ShapeReward;
  /** The batch form of shapeReward (trainers that step a vector env use it when given). */
  shapeRewards?: ShapeRewards;
  /** The rollout form (PPO and A2C use it when given; see ShapeRollout). */
  shapeRollout?: ShapeRollout;
  /** The shaper's own state (running statistics, episode sums), saved into and restored from resume checkpoints. */
  rewardState?: { save(): unknown; load(state: unknown): void };
}

/** The batch shaper: the options' own, or shapeReward applied to each transition in turn. */
export function batchShaper(shape: ShapeReward, opts: TrainOptions | undefined): ShapeRewards {
  if (opts?.shapeRewards) return opts.shapeRewards;
  return (ts) => {
    const out = new Float64Array(ts.length);
    for (let i = 0; i < ts.length; i++) out[i] = shape(ts[i]);
    return out;
  };
}

/**
 * Returns the shaper to use. A run whose config asks for a reward pipeline but was started without one
 * fails, because silently training on the raw env reward would produce results for the wrong experiment.
 */
export function resolveShaper(ctx: RunContext, opts: TrainOptions | undefined): ShapeReward {
  if (opts?.shapeReward) return opts.shapeReward;
  const many = opts?.shapeRewards;
  if (many) return (t) => many([t])[0];
  const cfg = ctx.run.config;
  const r = cfg.kind === 'rl' ? cfg.reward : undefined;
  if (r && (r.file || r.code || r.source || r.shaping.length > 0 || r.transforms.length > 0)) {
    throw new Error('this run configures a reward pipeline, but the trainer was started without a shapeReward function');
  }
  return identityReward;
}
