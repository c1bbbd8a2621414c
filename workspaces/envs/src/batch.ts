// A batch of env copies stepped together: what a vector env in @creditlab/rl drives. The native batch
// steps TypeScript envs one by one; other providers (e.g. the Gymnasium bridge, registered by prefix)
// plug in behind the same contract, so the trainers never learn where an env runs.
// Autoreset is same-step: a step that ends an episode returns the reset observation of the next episode
// in `obs` and the true last observation in `finalObs`.
import type { Env, Space, StepInfo } from './types';
import { makeEnv } from './registry';

/** An env as a run config names it: an id, its parameters and whatever else its provider reads. */
export interface EnvRef {
  id: string;
  params?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface BatchReset {
  obs: Float64Array[];
  info: StepInfo[];
}

export interface BatchStep {
  /** What the next action is chosen on: the reset observation where an episode just ended. */
  obs: Float64Array[];
  reward: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** This step's info. */
  info: StepInfo[];
  /** Where an episode ended: its true last observation (else null). */
  finalObs: (Float64Array | null)[];
  /** Where an episode ended: the info of the reset that began the next one (else null). */
  resetInfo: (StepInfo | null)[];
}

export interface BatchEnv {
  readonly id: string;
  readonly num: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Every subgoal event name the env can emit in `info.events`. */
  readonly subgoals: readonly string[];
  /** Resets every copy; copy i is seeded with seeds[i], or continues its own stream when seeds is omitted. */
  reset(seeds?: readonly number[]): BatchReset;
  /**
   * Steps the copies where `active` is 1 (all without it). Providers that cannot leave a copy out step it
   * with a default action; the caller ignores what comes back for it except its observation.
   */
  step(actions: readonly (number | ArrayLike<number> | undefined)[], active?: ArrayLike<number>): BatchStep;
  /** Releases whatever the batch holds (a process, a thread). Idempotent. */
  close(): void;
}

export interface BatchEnvOptions {
  /** A line for the run's log (provenance, warnings). */
  log?: (line: string) => void;
}

export type BatchEnvProvider = (env: EnvRef, num: number, opts: BatchEnvOptions) => BatchEnv;

const providers = new Map<string, BatchEnvProvider>();

/** Envs whose id starts with `prefix` (e.g. "gymnasium:") are built by `provider`. */
export function registerBatchEnvProvider(prefix: string, provider: BatchEnvProvider): void {
  providers.set(prefix, provider);
}

export function batchEnvProviderFor(id: string): BatchEnvProvider | null {
  for (const [prefix, p] of providers) if (id.startsWith(prefix)) return p;
  return null;
}

export function makeBatchEnv(env: EnvRef, num: number, opts: BatchEnvOptions = {}): BatchEnv {
  const provider = batchEnvProviderFor(env.id);
  if (provider) return provider(env, num, opts);
  const prefix = /^([\w-]+):/.exec(env.id);
  if (prefix) throw new Error(`env "${env.id}": no provider for "${prefix[1]}:" ids is loaded in this process`);
  return new NativeBatchEnv(env.id, env.params ?? {}, num);
}

/** N copies of a TypeScript env, stepped in order. Buffers of the returned step are reused by the next call. */
export class NativeBatchEnv implements BatchEnv {
  readonly envs: Env[];
  readonly id: string;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly subgoals: readonly string[];
  private readonly current: Float64Array[];
  private readonly out: BatchStep;

  constructor(
    id: string,
    params: Record<string, unknown>,
    readonly num: number,
  ) {
    this.id = id;
    this.envs = Array.from({ length: num }, () => makeEnv(id, params));
    this.observationSpace = this.envs[0].observationSpace;
    this.actionSpace = this.envs[0].actionSpace;
    this.subgoals = this.envs[0].subgoals;
    this.current = new Array<Float64Array>(num).fill(new Float64Array(0));
    this.out = {
      obs: new Array<Float64Array>(num),
      reward: new Float64Array(num),
      terminated: new Uint8Array(num),
      truncated: new Uint8Array(num),
      info: new Array<StepInfo>(num).fill({}),
      finalObs: new Array<Float64Array | null>(num).fill(null),
      resetInfo: new Array<StepInfo | null>(num).fill(null),
    };
  }

  reset(seeds?: readonly number[]): BatchReset {
    const info: StepInfo[] = [];
    for (let i = 0; i < this.num; i++) {
      const r = this.envs[i].reset(seeds?.[i]);
      this.current[i] = r.obs;
      info.push(r.info);
    }
    return { obs: this.current.slice(), info };
  }

  step(actions: readonly (number | ArrayLike<number> | undefined)[], active?: ArrayLike<number>): BatchStep {
    const o = this.out;
    for (let i = 0; i < this.num; i++) {
      o.finalObs[i] = null;
      o.resetInfo[i] = null;
      if (active && !active[i]) {
        o.obs[i] = this.current[i];
        o.reward[i] = 0;
        o.terminated[i] = o.truncated[i] = 0;
        o.info[i] = {};
        continue;
      }
      const env = this.envs[i];
      const r = env.step(actions[i]!);
      o.reward[i] = r.reward;
      o.terminated[i] = r.terminated ? 1 : 0;
      o.truncated[i] = r.truncated ? 1 : 0;
      o.info[i] = r.info;
      let next = r.obs;
      if (r.terminated || r.truncated) {
        o.finalObs[i] = r.obs;
        const reset = env.reset();
        next = reset.obs;
        o.resetInfo[i] = reset.info;
      }
      this.current[i] = next;
      o.obs[i] = next;
    }
    return o;
  }

  close(): void {}
}
