// A synchronous vector of env copies with same-step auto-reset, as Gymnasium's SyncVectorEnv before 1.0
// (the behaviour CleanRL's scripts were written against): when an episode ends, `step` returns the final
// transition and the env is reset at once, so `obs(i)` is already the first observation of the next episode.
import { Rng } from '@creditlab/common';
import { makeEnv, type Env, type Space, type StepInfo } from '@creditlab/envs';
import { ObsNormalizer } from './obs-norm';
import type { Transition } from './shaping';

export interface VecStep {
  /** The env's own reward. */
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
  /** The true next observation: the final one if the episode ended (before the auto-reset). */
  nextObs: Float64Array;
  /** Step index (0-based) of this transition within its episode. */
  episodeStep: number;
  /** The info returned by the reset that began this episode. */
  resetInfo: StepInfo;
  /** Set when this step ended an episode: its undiscounted env return and length. */
  episode: { return: number; length: number } | null;
}

/** The reward seam's view of one vector step (what every trainer hands to `shapeReward`). */
export function transitionOf(obs: Float64Array, action: Transition['action'], r: VecStep, envIndex: number, globalStep: number): Transition {
  return {
    obs,
    action,
    reward: r.reward,
    nextObs: r.nextObs,
    terminated: r.terminated,
    truncated: r.truncated,
    info: r.info,
    envIndex,
    episodeStep: r.episodeStep,
    resetInfo: r.resetInfo,
    globalStep,
  };
}

export function spaceSize(space: Space): number {
  return space.type === 'discrete' ? space.n : space.shape.reduce((a, b) => a * b, 1);
}

export class SyncVectorEnv {
  readonly envs: Env[];
  readonly num: number;
  readonly obsDim: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Current observations, float32, row-major [num, obsDim]: what the policy acts on next. */
  readonly obsBatch: Float32Array;
  private readonly current: Float64Array[];
  private readonly resetInfos: StepInfo[];
  private readonly epReturn: Float64Array;
  private readonly epLength: Int32Array;

  /** Env i is first reset with a seed drawn from `seed`'s "env" stream, then continues its own stream. */
  /** With a normaliser, box observations are normalised (and its statistics updated) as the agent sees them. */
  readonly normalizer: ObsNormalizer | null;

  /**
   * `normalize`: true gives this vector its own running normaliser (box observations only); an
   * ObsNormalizer shares one (e.g. a frozen view of the training statistics for evaluation).
   */
  constructor(id: string, params: Record<string, unknown>, num: number, seed: number, normalize: boolean | ObsNormalizer = false) {
    this.envs = Array.from({ length: num }, () => makeEnv(id, params));
    this.num = num;
    this.observationSpace = this.envs[0].observationSpace;
    this.actionSpace = this.envs[0].actionSpace;
    this.obsDim = spaceSize(this.observationSpace);
    this.normalizer = normalize === true ? new ObsNormalizer(this.obsDim) : normalize || null;
    this.obsBatch = new Float32Array(num * this.obsDim);
    this.epReturn = new Float64Array(num);
    this.epLength = new Int32Array(num);
    const envRng = new Rng(seed).fork('env');
    this.resetInfos = [];
    this.current = this.envs.map((env, i) => {
      const { obs, info } = env.reset(Math.floor(envRng.next() * 2 ** 31));
      this.resetInfos.push(info);
      this.write(i, obs);
      return obs;
    });
  }

  obs(i: number): Float64Array {
    return this.current[i];
  }

  step(i: number, action: number | ArrayLike<number>): VecStep {
    const env = this.envs[i];
    const r = env.step(action);
    const episodeStep = this.epLength[i];
    this.epReturn[i] += r.reward;
    this.epLength[i] += 1;
    const resetInfo = this.resetInfos[i];
    let episode: VecStep['episode'] = null;
    let next = r.obs;
    if (r.terminated || r.truncated) {
      episode = { return: this.epReturn[i], length: this.epLength[i] };
      this.epReturn[i] = 0;
      this.epLength[i] = 0;
      const reset = env.reset();
      next = reset.obs;
      this.resetInfos[i] = reset.info;
    }
    this.current[i] = next;
    this.write(i, next);
    return { reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info, nextObs: r.obs, episodeStep, resetInfo, episode };
  }

  /** Starts a fresh episode in env i (for algorithms that work in whole episodes). */
  resetOne(i: number): void {
    const { obs: o, info } = this.envs[i].reset();
    this.resetInfos[i] = info;
    this.epReturn[i] = 0;
    this.epLength[i] = 0;
    this.current[i] = o;
    this.write(i, o);
  }

  /** Writes an observation as network input: box spaces are flattened, discrete ones one-hot encoded. */
  encode(o: ArrayLike<number>, out: Float32Array, offset: number): void {
    if (this.normalizer && this.observationSpace.type === 'box') this.normalizer.apply(o, out, offset);
    else if (this.observationSpace.type === 'discrete') {
      out.fill(0, offset, offset + this.obsDim);
      out[offset + (o[0] | 0)] = 1;
    } else for (let k = 0; k < this.obsDim; k++) out[offset + k] = o[k];
  }

  private write(i: number, o: Float64Array): void {
    if (this.normalizer && this.observationSpace.type === 'box') this.normalizer.update(o);
    this.encode(o, this.obsBatch, i * this.obsDim);
  }
}
