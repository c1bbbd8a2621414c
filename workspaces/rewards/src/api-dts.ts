// The API user reward code is written against. The UI's editor loads this text as an extra lib, and
// the sandbox builds exactly these values (inside the sandbox's own realm) for every call.

export const REWARD_API_DTS = `/**
 * Creditlab reward code. Your module's default export is called once per env step:
 *
 *   export default function reward(ctx: RewardContext): number {
 *     return ctx.events.includes('key_picked') ? 0.5 : 0;
 *   }
 *
 * The value you return is ADDED to the env reward (spec: "combine": "add", the default); with
 * "combine": "replace" it becomes the reward. Shaping terms and transforms from the spec come after it.
 * It must be a finite number: NaN, Infinity or anything that is not a number fails the run, as does a
 * thrown error, a call that uses more CPU time than the spec's reward.timeoutMs (default 50 ms) or holding
 * more memory than reward.memoryLimitMb (default 512 MB, typed arrays included).
 *
 * The code runs in a JavaScript engine instance of its own: no imports, require, process, timers,
 * console, eval, promises or async functions, FinalizationRegistry, WeakRef, SharedArrayBuffer, Atomics,
 * WebAssembly or filesystem. Top-level variables persist for the whole run and are shared by the run's
 * env copies; use ctx.state for per-episode memory. Math.random is seeded by the run's seed (the same
 * draws in every run of that seed; re-scoring a recorded episode uses seed 0); Date is the wall clock,
 * so a reward that reads it is not reproducible.
 */
interface RewardContext {
  /** Env id, e.g. "KeyDoor-v0". */
  readonly env: string;
  /** Step index within the episode: 0 on the first step. */
  readonly t: number;
  /** Observation before the action. A fresh copy on each call. */
  readonly obs: Float64Array;
  /** The action taken: an integer (discrete spaces) or an array (continuous spaces). */
  readonly action: number | Float64Array;
  /** Observation after the action. */
  readonly nextObs: Float64Array;
  /** The env's own reward for this step (the task reward). */
  readonly envReward: number;
  /** The episode ended in a terminal state (goal reached, pole fell, ...). */
  readonly terminated: boolean;
  /** The episode was cut by the time limit. */
  readonly truncated: boolean;
  /** Subgoal events that happened on this step, e.g. ["key_picked"]. Empty on most steps. */
  readonly events: readonly string[];
  /** The env's info for this step (JSON data: numbers, strings, booleans, arrays, objects; typed arrays arrive as arrays; NaN as null). */
  readonly info: { readonly [key: string]: unknown };
  readonly episode: {
    /** Episode number within this env copy, 0 first. */
    readonly index: number;
    /** Sum of the final rewards (after shaping and transforms) of the earlier steps of this episode. */
    readonly return: number;
    /** Sum of the env rewards of the earlier steps of this episode. */
    readonly envReturn: number;
  };
  /** Scratch object for your own per-episode memory; a new empty object at each episode start. */
  readonly state: Record<string, unknown>;
}

/** Optional named export used by potential-based shaping without "terms": Φ(s) from a state's observation and info. */
declare function potential(obs: Float64Array, info: { readonly [key: string]: unknown }): number;
`;
