// The environment contract shared by every algorithm and by `creditlab env verify`.

export type Space =
  | { type: 'discrete'; n: number }
  | { type: 'box'; shape: number[]; low: number[]; high: number[] };

export interface StepInfo {
  /** Named subgoal events that happened on this step (e.g. `key_picked`); reward code can use them. */
  events?: string[];
  [key: string]: unknown;
}

export interface StepResult {
  obs: Float64Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

export interface Env {
  readonly id: string;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Every subgoal event name this env can emit in `info.events`. */
  readonly subgoals: readonly string[];
  readonly maxEpisodeSteps: number;
  /** Starts an episode. The seed re-seeds the env's generator; omitted, it continues its stream. */
  reset(seed?: number): { obs: Float64Array; info: StepInfo };
  /** `action` is an integer for discrete spaces and an array for box spaces. */
  step(action: number | ArrayLike<number>): StepResult;
  /** Internal state in the layout of the Gymnasium fixtures, test/fixtures/gymnasium (for verification and replay). */
  getState(): number[];
  /** Restores an internal state; `elapsed` is the step count within the episode (for the time limit). */
  setState(state: readonly number[], elapsed?: number): void;
}

export interface EnvSpec {
  id: string;
  description: string;
  /** Builds an env with the given parameters (validated by the env itself; unknown keys are an error). */
  make(params?: Record<string, unknown>): Env;
}
