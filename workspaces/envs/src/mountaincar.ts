// MountainCar-v0, ported from Gymnasium's classic_control/mountain_car.py (Moore, 1990; Sutton &
// Barto's version with the discrete push left / no push / push right actions). The state is float64
// and the observation is that state rounded to float32, as in Gymnasium, so that step-by-step
// replays of the Gymnasium recordings in test/fixtures/gymnasium match to the last bit.
import { Rng } from '@creditlab/common';
import type { Env, Space, StepResult } from './types';
import { checkParams, checkState, discreteAction, intParam } from './params';

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const GOAL_VELOCITY = 0;
const FORCE = 0.001;
const GRAVITY = 0.0025;

export interface MountainCarParams {
  /** Time limit (Gymnasium registers 200). */
  maxEpisodeSteps?: number;
}

export class MountainCar implements Env {
  readonly id = 'MountainCar-v0';
  readonly observationSpace: Space = {
    type: 'box',
    shape: [2],
    low: [MIN_POSITION, -MAX_SPEED],
    high: [MAX_POSITION, MAX_SPEED],
  };
  readonly actionSpace: Space = { type: 'discrete', n: 3 };
  readonly subgoals = [] as const;
  readonly maxEpisodeSteps: number;
  private position = 0;
  private velocity = 0;
  private elapsed = 0;
  private rng = new Rng(0);

  constructor(params: MountainCarParams | Record<string, unknown> = {}) {
    const p = checkParams(this.id, params, ['maxEpisodeSteps']);
    this.maxEpisodeSteps = intParam(this.id, p, 'maxEpisodeSteps', 200, 1);
  }

  reset(seed?: number) {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.position = this.rng.uniform(-0.6, -0.4);
    this.velocity = 0;
    this.elapsed = 0;
    return { obs: this.observe(), info: {} };
  }

  step(action: number | ArrayLike<number>): StepResult {
    const a = discreteAction(this.id, action, 3);
    let position = this.position;
    // The two terms are summed first: adding them to the velocity one at a time rounds differently.
    let velocity = this.velocity + ((a - 1) * FORCE + Math.cos(3 * position) * -GRAVITY);
    velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
    position = Math.min(Math.max(position + velocity, MIN_POSITION), MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    this.position = position;
    this.velocity = velocity;
    this.elapsed++;
    const terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
    const truncated = this.elapsed >= this.maxEpisodeSteps;
    return { obs: this.observe(), reward: -1.0, terminated, truncated, info: {} };
  }

  getState(): number[] {
    return [this.position, this.velocity];
  }

  setState(state: readonly number[], elapsed = 0): void {
    checkState(this.id, state, 2);
    [this.position, this.velocity] = state;
    this.elapsed = elapsed;
  }

  private observe(): Float64Array {
    return Float64Array.from([this.position, this.velocity], Math.fround);
  }
}
