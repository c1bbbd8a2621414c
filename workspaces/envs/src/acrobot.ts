// Acrobot-v1, ported from Gymnasium's classic_control/acrobot.py (Sutton, 1996; the equations of
// motion are the "book" variant from Sutton & Barto, not the NIPS-paper one). One classic RK4 step of
// 0.2 s per action with the torque held constant. Every arithmetic expression keeps NumPy's
// left-to-right evaluation order so that float64 results match the Gymnasium recordings in test/fixtures/gymnasium.
import { Rng } from '@creditlab/common';
import type { Env, Space, StepResult } from './types';
import { checkParams, checkState, discreteAction, intParam } from './params';

const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1.0];

type Vec5 = [number, number, number, number, number];

function dsdt(s: Vec5): Vec5 {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const g = 9.8;
  const [theta1, theta2, dtheta1, dtheta2, a] = s;
  const cos2 = Math.cos(theta2);
  const sin2 = Math.sin(theta2);
  const d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos2) + I1 + I2;
  const d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos2) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin2 -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2 +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin2 - phi2) /
    (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0];
}

function axpy(y: Vec5, h: number, k: Vec5): Vec5 {
  return [y[0] + h * k[0], y[1] + h * k[1], y[2] + h * k[2], y[3] + h * k[3], y[4] + h * k[4]];
}

/** One classic RK4 step over [0, DT]; returns the four state components. */
function rk4(y0: Vec5): number[] {
  const dt = DT - 0; // the reference derives dt from the time grid [0, DT]
  const dt2 = dt / 2.0;
  const k1 = dsdt(y0);
  const k2 = dsdt(axpy(y0, dt2, k1));
  const k3 = dsdt(axpy(y0, dt2, k2));
  const k4 = dsdt(axpy(y0, dt, k3));
  const h = dt / 6.0;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) out.push(y0[i] + h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
  return out;
}

/** Brings x into [lo, hi] by whole periods; a loop rather than a modulo, to round like the reference. */
function wrap(x: number, lo: number, hi: number): number {
  const diff = hi - lo;
  while (x > hi) x = x - diff;
  while (x < lo) x = x + diff;
  return x;
}

export interface AcrobotParams {
  /** Time limit (Gymnasium registers 500). */
  maxEpisodeSteps?: number;
}

export class Acrobot implements Env {
  readonly id = 'Acrobot-v1';
  readonly observationSpace: Space = {
    type: 'box',
    shape: [6],
    low: [-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2],
    high: [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2],
  };
  readonly actionSpace: Space = { type: 'discrete', n: 3 };
  readonly subgoals = [] as const;
  readonly maxEpisodeSteps: number;
  private s = [0, 0, 0, 0];
  private elapsed = 0;
  private rng = new Rng(0);

  constructor(params: AcrobotParams | Record<string, unknown> = {}) {
    const p = checkParams(this.id, params, ['maxEpisodeSteps']);
    this.maxEpisodeSteps = intParam(this.id, p, 'maxEpisodeSteps', 500, 1);
  }

  reset(seed?: number) {
    if (seed !== undefined) this.rng = new Rng(seed);
    // Gymnasium stores the reset state as float32; rounding here keeps that property.
    this.s = [0, 1, 2, 3].map(() => Math.fround(this.rng.uniform(-0.1, 0.1)));
    this.elapsed = 0;
    return { obs: this.observe(), info: {} };
  }

  step(action: number | ArrayLike<number>): StepResult {
    const a = discreteAction(this.id, action, 3);
    const [t1, t2, d1, d2] = this.s;
    const ns = rk4([t1, t2, d1, d2, AVAIL_TORQUE[a]]);
    ns[0] = wrap(ns[0], -Math.PI, Math.PI);
    ns[1] = wrap(ns[1], -Math.PI, Math.PI);
    ns[2] = Math.min(Math.max(ns[2], -MAX_VEL_1), MAX_VEL_1);
    ns[3] = Math.min(Math.max(ns[3], -MAX_VEL_2), MAX_VEL_2);
    this.s = ns;
    this.elapsed++;
    const terminated = -Math.cos(ns[0]) - Math.cos(ns[1] + ns[0]) > 1.0;
    const truncated = this.elapsed >= this.maxEpisodeSteps;
    return { obs: this.observe(), reward: terminated ? 0.0 : -1.0, terminated, truncated, info: {} };
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
    const [t1, t2, d1, d2] = this.s;
    return Float64Array.from([Math.cos(t1), Math.sin(t1), Math.cos(t2), Math.sin(t2), d1, d2], Math.fround);
  }
}
