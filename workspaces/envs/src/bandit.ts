// Bandit: the k-armed bandit of Sutton & Barto (2018), ch. 2 (the "10-armed testbed"), as a
// one-step episodic env so that it runs through the same training loop as the other envs.
// Arm means are fixed per instance: given as `means`, or drawn from `meanSeed` (N(0, 1) for
// Gaussian arms, U(0, 1) for Bernoulli arms). Rewards are sampled from the env's generator, which
// `reset(seed)` re-seeds. Gaussian arms pay N(mean, std²); Bernoulli arms pay 1 with probability mean.
//
// Observation: the constant [1] (there is no state; it gives an MLP a bias input).
// Every step terminates the episode. Events: 'optimal_arm' when the pulled arm has the highest mean.
// info: events, arm, armMean, optimalArm, regret (best mean minus the pulled arm's mean).
// State (getState/setState): [] (nothing beyond the fixed means).
import { Rng } from '@creditlab/common';
import type { Env, Space, StepResult } from './types';
import { checkParams, checkState, discreteAction, enumParam, intParam, numArrayParam, numParam } from './params';

export interface BanditParams {
  /** Number of arms (default 10, or the length of `means`). */
  k?: number;
  /** 'gaussian' (default) or 'bernoulli'. */
  distribution?: 'gaussian' | 'bernoulli';
  /** Explicit arm means (Bernoulli: probabilities in [0, 1]). */
  means?: number[];
  /** Seed for drawing the means when `means` is not given (default 0). */
  meanSeed?: number;
  /** Reward std of Gaussian arms (default 1). */
  std?: number;
}

export class Bandit implements Env {
  readonly id = 'Bandit';
  readonly observationSpace: Space = { type: 'box', shape: [1], low: [1], high: [1] };
  readonly actionSpace: Space;
  readonly subgoals = ['optimal_arm'] as const;
  readonly maxEpisodeSteps = 1;
  readonly k: number;
  readonly distribution: 'gaussian' | 'bernoulli';
  readonly means: readonly number[];
  readonly optimalArm: number;
  private readonly std: number;
  private rng = new Rng(0);

  constructor(params: BanditParams | Record<string, unknown> = {}) {
    const id = this.id;
    const p = checkParams(id, params, ['k', 'distribution', 'means', 'meanSeed', 'std']);
    this.distribution = enumParam(id, p, 'distribution', ['gaussian', 'bernoulli'] as const, 'gaussian');
    const given = numArrayParam(id, p, 'means');
    this.k = intParam(id, p, 'k', given?.length ?? 10, 1, 100_000);
    if (given && given.length !== this.k) throw new Error(`${id}: parameter "means" has ${given.length} entries but "k" is ${this.k}`);
    if (given && p.meanSeed !== undefined) throw new Error(`${id}: give either "means" or "meanSeed", not both`);
    const meanSeed = intParam(id, p, 'meanSeed', 0);
    this.std = numParam(id, p, 'std', 1, 0);
    if (given && this.distribution === 'bernoulli') {
      given.forEach((m, i) => {
        if (m < 0 || m > 1) throw new Error(`${id}: parameter "means[${i}]" must be a probability in [0, 1] for Bernoulli arms, got ${m}`);
      });
    }
    if (given) this.means = given;
    else {
      const g = new Rng(meanSeed).fork('bandit-means');
      this.means = Array.from({ length: this.k }, () => (this.distribution === 'gaussian' ? g.normal() : g.next()));
    }
    let best = 0;
    for (let i = 1; i < this.k; i++) if (this.means[i] > this.means[best]) best = i;
    this.optimalArm = best;
    this.actionSpace = { type: 'discrete', n: this.k };
  }

  reset(seed?: number) {
    if (seed !== undefined) this.rng = new Rng(seed);
    return { obs: Float64Array.of(1), info: {} };
  }

  step(action: number | ArrayLike<number>): StepResult {
    const arm = discreteAction(this.id, action, this.k);
    const mean = this.means[arm];
    const reward = this.distribution === 'gaussian' ? mean + this.std * this.rng.normal() : this.rng.next() < mean ? 1 : 0;
    const optimal = mean === this.means[this.optimalArm];
    return {
      obs: Float64Array.of(1),
      reward,
      terminated: true,
      truncated: false,
      info: {
        events: optimal ? ['optimal_arm'] : [],
        arm,
        armMean: mean,
        optimalArm: this.optimalArm,
        regret: this.means[this.optimalArm] - mean,
      },
    };
  }

  getState(): number[] {
    return [];
  }

  setState(state: readonly number[], _elapsed?: number): void {
    checkState(this.id, state, 0);
  }
}
