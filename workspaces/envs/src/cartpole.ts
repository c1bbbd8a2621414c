// CartPole-v1, ported from Gymnasium's classic_control/cartpole.py (Barto, Sutton & Anderson, 1983).
// Explicit Euler with tau = 0.02; the state stays float64 and observations are rounded to float32,
// as in Gymnasium, so that trajectories match the Gymnasium recordings in test/fixtures/gymnasium bit for bit.
import { Rng } from '@creditlab/common';
import type { Env, StepResult, Space } from './types';
import { checkParams, checkState, discreteAction, intParam } from './params';

const GRAVITY = 9.8;
const MASSCART = 1.0;
const MASSPOLE = 0.1;
const TOTAL_MASS = MASSPOLE + MASSCART;
const LENGTH = 0.5; // half the pole's length
const POLEMASS_LENGTH = MASSPOLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

export interface CartPoleParams {
  maxEpisodeSteps?: number;
}

export class CartPole implements Env {
  readonly id = 'CartPole-v1';
  readonly observationSpace: Space = {
    type: 'box',
    shape: [4],
    low: [-X_THRESHOLD * 2, -Infinity, -THETA_THRESHOLD * 2, -Infinity],
    high: [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity],
  };
  readonly actionSpace: Space = { type: 'discrete', n: 2 };
  readonly subgoals = [] as const;
  readonly maxEpisodeSteps: number;
  private s = [0, 0, 0, 0];
  private elapsed = 0;
  private rng = new Rng(0);

  constructor(params: CartPoleParams | Record<string, unknown> = {}) {
    const p = checkParams(this.id, params, ['maxEpisodeSteps']);
    this.maxEpisodeSteps = intParam(this.id, p, 'maxEpisodeSteps', 500, 1);
  }

  reset(seed?: number) {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.s = [0, 1, 2, 3].map(() => this.rng.uniform(-0.05, 0.05));
    this.elapsed = 0;
    return { obs: this.observe(), info: {} };
  }

  step(action: number | ArrayLike<number>): StepResult {
    const a = discreteAction(this.id, action, 2);
    let [x, xDot, theta, thetaDot] = this.s;
    const force = a === 1 ? FORCE_MAG : -FORCE_MAG;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);
    const temp = (force + POLEMASS_LENGTH * (thetaDot * thetaDot) * sintheta) / TOTAL_MASS;
    const thetaacc =
      (GRAVITY * sintheta - costheta * temp) /
      (LENGTH * (4.0 / 3.0 - (MASSPOLE * (costheta * costheta)) / TOTAL_MASS));
    const xacc = temp - (POLEMASS_LENGTH * thetaacc * costheta) / TOTAL_MASS;
    x = x + TAU * xDot;
    xDot = xDot + TAU * xacc;
    theta = theta + TAU * thetaDot;
    thetaDot = thetaDot + TAU * thetaacc;
    this.s = [x, xDot, theta, thetaDot];
    this.elapsed++;
    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    const truncated = this.elapsed >= this.maxEpisodeSteps;
    return { obs: this.observe(), reward: 1.0, terminated, truncated, info: {} };
  }

  getState(): number[] {
    return [...this.s];
  }

  setState(state: readonly number[], elapsed = 0): void {
    checkState(this.id, state, 4);
    this.s = [...state];
    this.elapsed = elapsed;
  }

  private observe(): Float64Array {
    return Float64Array.from(this.s, Math.fround);
  }
}
