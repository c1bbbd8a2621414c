// DelayedChain: a chain MDP whose only reward comes at the end, the textbook set-up for delayed
// credit assignment. Two variants (param `mode`):
//  - 'first' (default): the "umbrella" problem of Osband et al., bsuite (ICLR 2020): the final reward
//    depends only on the action taken at the first step; the N-1 later actions are irrelevant.
//    A random policy succeeds half of the time, so the difficulty is purely one of credit.
//  - 'all': a combination lock (Koenig & Simmons, 1993; Osband et al.'s deep-sea chains): the reward
//    is paid only if every one of the N actions was the right one; a random policy succeeds with
//    probability nActions^-N, so this one is also an exploration problem.
// The right action at each position is fixed per instance by `lockSeed`, so that a constant policy
// does not solve 'all' by accident.
//
// Every episode lasts exactly `length` steps and terminates on the last one (never truncated).
// Reward: 0 on every step except the last, which pays 1 on success and 0 otherwise; with
// `rewardNoise` > 0, zero-mean Gaussian noise of that std is added to the intermediate rewards as a
// distractor (as in bsuite's umbrella).
//
// Observation: one-hot position (length + 1 entries: positions 0..length), then `onTrack` (1 while
// success is still possible), then `distractors` random bits redrawn every step.
// Events: 'first_correct' (step 0 with the rewarded first action), 'halfway_on_track' (reaching
// position ceil(length/2) while success is still possible), 'chain_solved' (the rewarded last step).
// info: events, position, onTrack, rightAction (the action that keeps success possible from here;
// -1 when any action does, i.e. in 'first' mode after step 0 and at the end).
// State (getState/setState): [position, onTrack].
import { Rng } from '@creditlab/common';
import type { Env, Space, StepInfo, StepResult } from './types';
import { checkParams, checkState, discreteAction, enumParam, intParam, numParam } from './params';

export interface DelayedChainParams {
  /** Number of steps N until the reward (default 10, min 1). */
  length?: number;
  /** 'first' (reward depends on the first action) or 'all' (every action must be right). */
  mode?: 'first' | 'all';
  /** Actions per step (default 2). */
  nActions?: number;
  /** Seed of the right-action sequence (default 0). */
  lockSeed?: number;
  /** Std of Gaussian noise on the intermediate rewards (default 0). */
  rewardNoise?: number;
  /** Random distractor bits appended to the observation (default 0). */
  distractors?: number;
}

export class DelayedChain implements Env {
  readonly id = 'DelayedChain';
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly subgoals = ['first_correct', 'halfway_on_track', 'chain_solved'] as const;
  readonly maxEpisodeSteps: number;
  readonly length: number;
  readonly mode: 'first' | 'all';
  /** The right action at each position 0..length-1. */
  readonly rightActions: readonly number[];
  private readonly nActions: number;
  private readonly rewardNoise: number;
  private readonly distractors: number;
  private position = 0;
  private onTrack = true;
  private rng = new Rng(0);

  constructor(params: DelayedChainParams | Record<string, unknown> = {}) {
    const id = this.id;
    const p = checkParams(id, params, ['length', 'mode', 'nActions', 'lockSeed', 'rewardNoise', 'distractors']);
    this.length = intParam(id, p, 'length', 10, 1, 10_000);
    this.mode = enumParam(id, p, 'mode', ['first', 'all'] as const, 'first');
    this.nActions = intParam(id, p, 'nActions', 2, 2, 100);
    const lockSeed = intParam(id, p, 'lockSeed', 0);
    this.rewardNoise = numParam(id, p, 'rewardNoise', 0, 0);
    this.distractors = intParam(id, p, 'distractors', 0, 0, 1000);
    const lock = new Rng(lockSeed).fork('delayed-chain');
    this.rightActions = Array.from({ length: this.length }, () => lock.int(this.nActions));
    this.maxEpisodeSteps = this.length;
    const dim = this.length + 2 + this.distractors;
    this.observationSpace = { type: 'box', shape: [dim], low: new Array(dim).fill(0), high: new Array(dim).fill(1) };
    this.actionSpace = { type: 'discrete', n: this.nActions };
  }

  reset(seed?: number) {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.position = 0;
    this.onTrack = true;
    return { obs: this.observe(), info: this.info([]) };
  }

  step(action: number | ArrayLike<number>): StepResult {
    const a = discreteAction(this.id, action, this.nActions);
    if (this.position >= this.length) throw new Error(`${this.id}: step called after the episode ended; call reset`);
    const events: string[] = [];
    const right = a === this.rightActions[this.position];
    if (this.position === 0 && right) events.push('first_correct');
    if (this.mode === 'all' || this.position === 0) this.onTrack = this.onTrack && right;
    this.position++;
    if (this.onTrack && this.position === Math.ceil(this.length / 2)) events.push('halfway_on_track');
    const terminated = this.position === this.length;
    let reward = 0;
    if (terminated) {
      if (this.onTrack) {
        reward = 1;
        events.push('chain_solved');
      }
    } else if (this.rewardNoise > 0) {
      reward = this.rewardNoise * this.rng.normal();
    }
    return { obs: this.observe(), reward, terminated, truncated: false, info: this.info(events) };
  }

  getState(): number[] {
    return [this.position, this.onTrack ? 1 : 0];
  }

  setState(state: readonly number[], _elapsed?: number): void {
    checkState(this.id, state, 2);
    const [pos, track] = state;
    if (!Number.isInteger(pos) || pos < 0 || pos > this.length) throw new Error(`${this.id}: state position must be an integer in [0, ${this.length}]`);
    if (track !== 0 && track !== 1) throw new Error(`${this.id}: state onTrack must be 0 or 1`);
    // The position is the step count, so `elapsed` carries no extra information here.
    this.position = pos;
    this.onTrack = track === 1;
  }

  private info(events: string[]): StepInfo {
    return {
      events,
      position: this.position,
      onTrack: this.onTrack,
      rightAction: this.position < this.length && (this.mode === 'all' || this.position === 0) ? this.rightActions[this.position] : -1,
    };
  }

  private observe(): Float64Array {
    const obs = new Float64Array(this.length + 2 + this.distractors);
    obs[this.position] = 1;
    obs[this.length + 1] = this.onTrack ? 1 : 0;
    for (let i = 0; i < this.distractors; i++) obs[this.length + 2 + i] = this.rng.next() < 0.5 ? 1 : 0;
    return obs;
  }
}
