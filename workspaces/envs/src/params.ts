// Constructor-parameter checks shared by every env. Params usually come from a user-written job
// spec, so a typo must fail loudly with the env id and the offending key rather than be ignored.

export type Params = Record<string, unknown>;

/** Checks that `params` is a plain object whose keys are all in `known`; returns it typed. */
export function checkParams(envId: string, params: unknown, known: readonly string[]): Params {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new Error(`${envId}: params must be an object, got ${describe(params)}`);
  }
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      const list = known.length ? known.join(', ') : '(none)';
      throw new Error(`${envId}: unknown parameter "${key}" (known: ${list})`);
    }
  }
  return params as Params;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return String(v);
  return `a ${typeof v}`;
}

function fail(envId: string, key: string, want: string, got: unknown): never {
  throw new Error(`${envId}: parameter "${key}" must be ${want}, got ${describe(got)}`);
}

export function intParam(envId: string, p: Params, key: string, def: number, min = -Infinity, max = Infinity): number {
  const v = p[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(envId, key, 'an integer', v);
  if (v < min || v > max) {
    const range = max === Infinity ? `>= ${min}` : min === -Infinity ? `<= ${max}` : `in [${min}, ${max}]`;
    fail(envId, key, `an integer ${range}`, v);
  }
  return v;
}

export function numParam(envId: string, p: Params, key: string, def: number, min = -Infinity, max = Infinity): number {
  const v = p[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(envId, key, 'a finite number', v);
  if (v < min || v > max) fail(envId, key, `a number in [${min}, ${max}]`, v);
  return v;
}

export function boolParam(envId: string, p: Params, key: string, def: boolean): boolean {
  const v = p[key];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') fail(envId, key, 'a boolean', v);
  return v;
}

export function enumParam<T extends string>(envId: string, p: Params, key: string, options: readonly T[], def: T): T {
  const v = p[key];
  if (v === undefined) return def;
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    fail(envId, key, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`, v);
  }
  return v as T;
}

export function stringParam(envId: string, p: Params, key: string): string | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(envId, key, 'a string', v);
  return v;
}

export function numArrayParam(envId: string, p: Params, key: string): number[] | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) fail(envId, key, 'a non-empty array of finite numbers', v);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(envId, `${key}[${i}]`, 'a finite number', x);
  });
  return [...(v as number[])];
}

/** Shared check for `setState`: a state of the right length made of finite numbers. */
export function checkState(envId: string, state: readonly number[], length: number): void {
  if (state.length !== length) throw new Error(`${envId}: state must have ${length} numbers, got ${state.length}`);
  for (let i = 0; i < length; i++) {
    if (typeof state[i] !== 'number' || Number.isNaN(state[i])) {
      throw new Error(`${envId}: state[${i}] must be a number, got ${describe(state[i])}`);
    }
  }
}

/** Discrete action as an integer in [0, n); arrays of length 1 are accepted for uniformity. */
export function discreteAction(envId: string, action: number | ArrayLike<number>, n: number): number {
  const a = typeof action === 'number' ? action : action.length === 1 ? action[0] : NaN;
  if (!Number.isInteger(a) || a < 0 || a >= n) {
    throw new Error(`${envId}: action must be an integer in [0, ${n - 1}], got ${typeof action === 'number' ? action : JSON.stringify(Array.from(action))}`);
  }
  return a;
}
