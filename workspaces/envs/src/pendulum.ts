// Pendulum-v1, ported from Gymnasium's classic_control/pendulum.py (the inverted-pendulum swing-up).
// Semi-implicit Euler with dt = 0.05: the speed is updated first and the angle uses the new speed.
// The angle in the state is deliberately left unwrapped (Gymnasium only normalises it inside the
// cost), and the cost uses the state before the step, so replays of the reference data line up.
import { Rng } from '@creditlab/common';
import type { Env, Space, StepResult } from './types';
import { checkParams, checkState, intParam } from './params';

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const G = 10.0;
const M = 1.0;
const L = 1.0;
const TWO_PI = 2 * Math.PI;

/** ((x + π) mod 2π) − π with a floored modulo, as Python/NumPy compute it. */
export function angleNormalize(x: number): number {
  let r = (x + Math.PI) % TWO_PI;
  if (r !== 0 && r < 0) r += TWO_PI;
  return r - Math.PI;
}

export interface PendulumParams {
  /** Time limit (Gymnasium registers 200). */
  maxEpisodeSteps?: number;
}

export class Pendulum implements Env {
  readonly id = 'Pendulum-v1';
  readonly observationSpace: Space = { type: 'box', shape: [3], low: [-1, -1, -MAX_SPEED], high: [1, 1, MAX_SPEED] };
  readonly actionSpace: Space = { type: 'box', shape: [1], low: [-MAX_TORQUE], high: [MAX_TORQUE] };
  readonly subgoals = [] as const;
  readonly maxEpisodeSteps: number;
  private theta = 0;
  private thetaDot = 0;
  private elapsed = 0;
  private rng = new Rng(0);

  constructor(params: PendulumParams | Record<string, unknown> = {}) {
    const p = checkParams(this.id, params, ['maxEpisodeSteps']);
    this.maxEpisodeSteps = intParam(this.id, p, 'maxEpisodeSteps', 200, 1);
  }

  reset(seed?: number) {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.theta = this.rng.uniform(-Math.PI, Math.PI);
    this.thetaDot = this.rng.uniform(-1, 1);
    this.elapsed = 0;
    return { obs: this.observe(), info: {} };
  }

  step(action: number | ArrayLike<number>): StepResult {
    const raw = typeof action === 'number' ? action : action.length === 1 ? action[0] : NaN;
    if (typeof raw !== 'number' || Number.isNaN(raw)) {
      throw new Error(`Pendulum-v1: action must be one number (torque) or an array of length 1`);
    }
    const u = Math.min(Math.max(raw, -MAX_TORQUE), MAX_TORQUE);
    const th = this.theta;
    const thdot = this.thetaDot;
    const an = angleNormalize(th);
    const costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);
    // 3g/(2l) and 3/(ml²) fold to the exact constants 15 and 3, as in the float64 reference.
    let newthdot = thdot + ((((3 * G) / (2 * L)) * Math.sin(th) + (3.0 / (M * (L * L))) * u) * DT);
    newthdot = Math.min(Math.max(newthdot, -MAX_SPEED), MAX_SPEED);
    this.theta = th + newthdot * DT;
    this.thetaDot = newthdot;
    this.elapsed++;
    const truncated = this.elapsed >= this.maxEpisodeSteps;
    return { obs: this.observe(), reward: -costs, terminated: false, truncated, info: {} };
  }

  getState(): number[] {
    return [this.theta, this.thetaDot];
  }

  setState(state: readonly number[], elapsed = 0): void {
    checkState(this.id, state, 2);
    [this.theta, this.thetaDot] = state;
    this.elapsed = elapsed;
  }

  private observe(): Float64Array {
    return Float64Array.from([Math.cos(this.theta), Math.sin(this.theta), this.thetaDot], Math.fround);
  }
}
