// Replays recorded trajectories (the format of test/fixtures/gymnasium, see its README)
// through our envs, one step at a time from each recorded state, and measures how far we are from
// the recording. Step-by-step replay rather than open loop, because chaotic envs (Acrobot, a
// balanced CartPole) amplify 1-ulp sin/cos differences until open-loop states separate.
import type { Env } from './types';
import { makeEnv as registryMakeEnv } from './registry';

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface VerifyTolerances {
  state: Tolerance;
  observation: Tolerance;
  reward: Tolerance;
}

/** The reference README's tolerances: float64 states/rewards tight, float32 observations a few ulps. */
export const DEFAULT_TOLERANCES: VerifyTolerances = {
  state: { rtol: 1e-9, atol: 1e-12 },
  reward: { rtol: 1e-9, atol: 1e-12 },
  observation: { rtol: 1e-6, atol: 1e-7 },
};

export interface Worst {
  trajectory: number;
  step: number;
  /** Component index within the vector (0 for rewards). */
  index: number;
  got: number;
  want: number;
}

export interface FieldReport {
  /** Largest |got − want| over all compared values. */
  maxAbs: number;
  /** Largest |got − want| / |want| (Infinity where want is 0 and got is not). */
  maxRel: number;
  /** Values outside atol + rtol·|want|. */
  violations: number;
  /** Steps where our vector had a different length from the recording. */
  shapeMismatches: number;
  /** Where maxAbs was reached; null when every value matched exactly. */
  worst: Worst | null;
}

export interface TrajectoryReport {
  index: number;
  env: string;
  resetSeed: number | null;
  /** Steps replayed (fewer than recorded if the env threw). */
  steps: number;
  observation: FieldReport;
  state: FieldReport;
  reward: FieldReport;
  terminatedMismatches: number;
  truncatedMismatches: number;
  /** The first step that broke a tolerance or a flag, described for humans. */
  firstFailure: string | null;
  /** Set when the env threw during the replay. */
  error: string | null;
  pass: boolean;
}

export interface VerifyReport {
  pass: boolean;
  trajectories: number;
  steps: number;
  tolerances: VerifyTolerances;
  observation: FieldReport;
  state: FieldReport;
  reward: FieldReport;
  terminatedMismatches: number;
  truncatedMismatches: number;
  /** Indices of failing trajectories. */
  failed: number[];
  results: TrajectoryReport[];
}

export interface VerifyOptions {
  tolerances?: Partial<VerifyTolerances>;
  /** Env factory (default: the registry); tests use it to inject a broken env. */
  makeEnv?: (id: string, params?: Record<string, unknown>) => Env;
}

/** The input is not a trajectory file; the message names the trajectory index and the field. */
export class TrajectoryFormatError extends Error {
  override name = 'TrajectoryFormatError';
}

interface Trajectory {
  env: string;
  resetSeed: number | null;
  maxEpisodeSteps: number | undefined;
  initialState: number[];
  actions: (number | number[])[];
  observations: number[][];
  states: number[][];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isVec = (x: unknown): x is number[] => Array.isArray(x) && x.every(isNum);

function parseTrajectory(raw: unknown, i: number): Trajectory {
  const bad = (field: string, want: string): never => {
    throw new TrajectoryFormatError(`trajectory ${i}: field "${field}" ${want}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TrajectoryFormatError(`trajectory ${i}: must be an object`);
  }
  const t = raw as Record<string, unknown>;
  if (typeof t.env !== 'string' || t.env === '') bad('env', 'must be a non-empty string (an env id)');
  if (!isVec(t.initial_state)) bad('initial_state', 'must be an array of finite numbers');
  if (!Array.isArray(t.actions) || t.actions.length === 0) bad('actions', 'must be a non-empty array');
  const actions = t.actions as unknown[];
  const n = actions.length;
  actions.forEach((a, k) => {
    if (!isNum(a) && !isVec(a)) bad(`actions[${k}]`, 'must be a number or an array of numbers');
  });
  const vectors = (field: string): number[][] => {
    const v = t[field];
    if (!Array.isArray(v)) bad(field, 'must be an array');
    const arr = v as unknown[];
    if (arr.length !== n) bad(field, `has ${arr.length} entries but "actions" has ${n}`);
    arr.forEach((x, k) => {
      if (!isVec(x)) bad(`${field}[${k}]`, 'must be an array of finite numbers');
    });
    return arr as number[][];
  };
  const flat = <T>(field: string, ok: (x: unknown) => x is T, what: string): T[] => {
    const v = t[field];
    if (!Array.isArray(v)) bad(field, 'must be an array');
    const arr = v as unknown[];
    if (arr.length !== n) bad(field, `has ${arr.length} entries but "actions" has ${n}`);
    arr.forEach((x, k) => {
      if (!ok(x)) bad(`${field}[${k}]`, `must be ${what}`);
    });
    return arr as T[];
  };
  const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
  const observations = vectors('observations');
  const states = vectors('states');
  const rewards = flat('rewards', isNum, 'a finite number');
  const terminated = flat('terminated', isBool, 'a boolean');
  const truncated = flat('truncated', isBool, 'a boolean');
  const mes = t.max_episode_steps;
  if (mes !== undefined && mes !== null && !(Number.isInteger(mes) && (mes as number) > 0)) {
    bad('max_episode_steps', 'must be a positive integer when given');
  }
  const seed = t.reset_seed;
  return {
    env: t.env as string,
    resetSeed: isNum(seed) ? seed : null,
    maxEpisodeSteps: typeof mes === 'number' ? mes : undefined,
    initialState: t.initial_state as number[],
    actions: actions as (number | number[])[],
    observations,
    states,
    rewards,
    terminated,
    truncated,
  };
}

const emptyField = (): FieldReport => ({ maxAbs: 0, maxRel: 0, violations: 0, shapeMismatches: 0, worst: null });

/** Folds one compared vector into a field report; returns the first out-of-tolerance index, or -1. */
function compare(f: FieldReport, got: ArrayLike<number>, want: readonly number[], tol: Tolerance, trajectory: number, step: number): number {
  if (got.length !== want.length) {
    f.shapeMismatches++;
    return 0;
  }
  let first = -1;
  for (let k = 0; k < want.length; k++) {
    const g = got[k];
    const w = want[k];
    const abs = Math.abs(g - w);
    const rel = abs === 0 ? 0 : w === 0 ? Infinity : abs / Math.abs(w);
    // NaN from the env must count as a failure, hence the negated comparison.
    const within = abs <= tol.atol + tol.rtol * Math.abs(w);
    if (!within) {
      f.violations++;
      if (first < 0) first = k;
    }
    if (abs > f.maxAbs || Number.isNaN(abs)) {
      f.maxAbs = Number.isNaN(abs) ? NaN : abs;
      f.worst = { trajectory, step, index: k, got: g, want: w };
    }
    if (rel > f.maxRel || Number.isNaN(rel)) f.maxRel = Number.isNaN(rel) ? NaN : rel;
  }
  return first;
}

function mergeField(into: FieldReport, from: FieldReport): void {
  into.violations += from.violations;
  into.shapeMismatches += from.shapeMismatches;
  if (from.maxRel > into.maxRel || Number.isNaN(from.maxRel)) into.maxRel = from.maxRel;
  if (from.worst && (into.worst === null || from.maxAbs > into.maxAbs || Number.isNaN(from.maxAbs))) {
    into.maxAbs = from.maxAbs;
    into.worst = from.worst;
  }
}

const fieldOk = (f: FieldReport) => f.violations === 0 && f.shapeMismatches === 0;

function replay(t: Trajectory, index: number, env: Env, tol: VerifyTolerances): TrajectoryReport {
  const rep: TrajectoryReport = {
    index,
    env: t.env,
    resetSeed: t.resetSeed,
    steps: 0,
    observation: emptyField(),
    state: emptyField(),
    reward: emptyField(),
    terminatedMismatches: 0,
    truncatedMismatches: 0,
    firstFailure: null,
    error: null,
    pass: false,
  };
  const note = (msg: string) => {
    if (rep.firstFailure === null) rep.firstFailure = msg;
  };
  const box = env.actionSpace.type === 'box';
  for (let i = 0; i < t.actions.length; i++) {
    let obs: Float64Array;
    let reward: number;
    let terminated: boolean;
    let truncated: boolean;
    let state: number[];
    try {
      env.setState(i === 0 ? t.initialState : t.states[i - 1], i);
      const a = t.actions[i];
      const r = env.step(box && typeof a === 'number' ? [a] : a);
      ({ obs, reward, terminated, truncated } = r);
      state = env.getState();
    } catch (e) {
      rep.error = `step ${i}: ${e instanceof Error ? e.message : String(e)}`;
      note(rep.error);
      break;
    }
    rep.steps++;
    const describe = (what: string, got: ArrayLike<number>, want: readonly number[], k: number) =>
      got.length !== want.length
        ? `step ${i}: ${what} has ${got.length} values, recorded ${want.length}`
        : `step ${i}: ${what}[${k}] = ${got[k]}, recorded ${want[k]}`;
    const s = compare(rep.state, state, t.states[i], tol.state, index, i);
    if (s >= 0) note(describe('state', state, t.states[i], s));
    const o = compare(rep.observation, obs, t.observations[i], tol.observation, index, i);
    if (o >= 0) note(describe('observation', obs, t.observations[i], o));
    if (compare(rep.reward, [reward], [t.rewards[i]], tol.reward, index, i) >= 0) {
      note(`step ${i}: reward = ${reward}, recorded ${t.rewards[i]}`);
    }
    if (terminated !== t.terminated[i]) {
      rep.terminatedMismatches++;
      note(`step ${i}: terminated = ${terminated}, recorded ${t.terminated[i]}`);
    }
    if (truncated !== t.truncated[i]) {
      rep.truncatedMismatches++;
      note(`step ${i}: truncated = ${truncated}, recorded ${t.truncated[i]}`);
    }
  }
  rep.pass =
    rep.error === null &&
    fieldOk(rep.state) &&
    fieldOk(rep.observation) &&
    fieldOk(rep.reward) &&
    rep.terminatedMismatches === 0 &&
    rep.truncatedMismatches === 0;
  return rep;
}

/**
 * Checks a parsed trajectory file against our envs. Throws TrajectoryFormatError when `trajs` is not
 * in the reference format (or names an unknown env); otherwise returns a report, `pass` false when
 * any value is out of tolerance, any flag differs or the env throws.
 */
export function verifyTrajectories(trajs: unknown, opts: VerifyOptions = {}): VerifyReport {
  const tolerances: VerifyTolerances = { ...DEFAULT_TOLERANCES, ...opts.tolerances };
  const make = opts.makeEnv ?? registryMakeEnv;
  if (!Array.isArray(trajs)) throw new TrajectoryFormatError('the file must hold a JSON array of trajectories');
  if (trajs.length === 0) throw new TrajectoryFormatError('the file holds no trajectories');
  const parsed = trajs.map(parseTrajectory);
  // Build every env before replaying anything, so a bad file fails as a whole and early.
  const envs = parsed.map((t, i) => {
    try {
      return make(t.env, t.maxEpisodeSteps !== undefined ? { maxEpisodeSteps: t.maxEpisodeSteps } : undefined);
    } catch (e) {
      throw new TrajectoryFormatError(`trajectory ${i}: field "env": ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  const results = parsed.map((t, i) => replay(t, i, envs[i], tolerances));
  const report: VerifyReport = {
    pass: results.every((r) => r.pass),
    trajectories: results.length,
    steps: 0,
    tolerances,
    observation: emptyField(),
    state: emptyField(),
    reward: emptyField(),
    terminatedMismatches: 0,
    truncatedMismatches: 0,
    failed: results.filter((r) => !r.pass).map((r) => r.index),
    results,
  };
  for (const r of results) {
    report.steps += r.steps;
    mergeField(report.observation, r.observation);
    mergeField(report.state, r.state);
    mergeField(report.reward, r.reward);
    report.terminatedMismatches += r.terminatedMismatches;
    report.truncatedMismatches += r.truncatedMismatches;
  }
  return report;
}
