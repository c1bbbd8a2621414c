// A vector of env copies with same-step auto-reset, as Gymnasium's SyncVectorEnv before 1.0 (the
// behaviour CleanRL's scripts were written against): when an episode ends, the step returns the final
// transition and the copy is reset at once, so `obs(i)` is already the first observation of the next
// episode. The copies live in a BatchEnv (@creditlab/envs): TypeScript envs in this thread, or whatever a
// registered provider runs them in; this class only keeps the episode bookkeeping and the network input.
import { Rng } from '@creditlab/common';
import { makeBatchEnv, type BatchEnv, type EnvRef, type Space, type StepInfo } from '@creditlab/envs';
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
  /**
   * Set when this step ended an episode: `nextObs` as network input, encoded right after this copy's
   * step (so a normaliser's statistics include the copies stepped before it, not those after).
   */
  finalInput: Float32Array | null;
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

export interface VectorEnvOptions {
  /** true gives this vector its own running normaliser (box observations only); an ObsNormalizer shares one. */
  normalize?: boolean | ObsNormalizer;
  /** A line for the run's log (where the env runs, its versions, warnings). */
  log?: (line: string) => void;
}

/** The seed of each copy: drawn from `seed`'s "env" stream, as every native vector env always did. */
export function envSeeds(seed: number, num: number): number[] {
  const envRng = new Rng(seed).fork('env');
  return Array.from({ length: num }, () => Math.floor(envRng.next() * 2 ** 31));
}

export class VectorEnv {
  readonly batch: BatchEnv;
  readonly num: number;
  readonly obsDim: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Current observations, float32, row-major [num, obsDim]: what the policy acts on next. */
  readonly obsBatch: Float32Array;
  /** With a normaliser, box observations are normalised (and its statistics updated) as the agent sees them. */
  readonly normalizer: ObsNormalizer | null;
  private readonly current: Float64Array[];
  private readonly resetInfos: StepInfo[];
  private readonly epReturn: Float64Array;
  private readonly epLength: Int32Array;

  /** Copy i is first reset with envSeeds(seed)[i], then continues its own stream. */
  constructor(env: EnvRef, num: number, seed: number, opts: VectorEnvOptions = {}) {
    this.batch = makeBatchEnv(env, num, { log: opts.log });
    this.num = num;
    this.observationSpace = this.batch.observationSpace;
    this.actionSpace = this.batch.actionSpace;
    this.obsDim = spaceSize(this.observationSpace);
    this.normalizer = opts.normalize === true ? new ObsNormalizer(this.obsDim) : opts.normalize || null;
    this.obsBatch = new Float32Array(num * this.obsDim);
    this.epReturn = new Float64Array(num);
    this.epLength = new Int32Array(num);
    this.current = new Array<Float64Array>(num);
    this.resetInfos = new Array<StepInfo>(num);
    try {
      this.reseed(seed);
    } catch (e) {
      this.batch.close();
      throw e;
    }
  }

  obs(i: number): Float64Array {
    return this.current[i];
  }

  /** Restarts every copy from the seeds `seed` gives (what the constructor does). */
  reseed(seed: number): void {
    this.restart(this.batch.reset(envSeeds(seed, this.num)));
  }

  /** Starts a fresh episode in every copy, each continuing its own stream (for algorithms that work in whole episodes). */
  resetAll(): void {
    this.restart(this.batch.reset());
  }

  private restart(r: { obs: Float64Array[]; info: StepInfo[] }): void {
    for (let i = 0; i < this.num; i++) {
      this.resetInfos[i] = r.info[i];
      this.epReturn[i] = 0;
      this.epLength[i] = 0;
      this.current[i] = r.obs[i];
      this.write(i, r.obs[i]);
    }
  }

  /**
   * Steps every copy (or those where `active` is 1) with actions[i]; returns each copy's transition, null
   * for copies left out.
   */
  stepAll(actions: readonly (number | ArrayLike<number> | undefined)[], active?: ArrayLike<number>): (VecStep | null)[] {
    const r = this.batch.step(actions, active);
    const out: (VecStep | null)[] = new Array(this.num);
    for (let i = 0; i < this.num; i++) {
      const ended = r.finalObs[i] !== null;
      if (active && !active[i]) {
        // A provider that cannot leave a copy out stepped it anyway: keep its bookkeeping consistent.
        out[i] = null;
        if (ended) {
          this.epReturn[i] = 0;
          this.epLength[i] = 0;
          this.resetInfos[i] = r.resetInfo[i] ?? {};
        }
      } else {
        const episodeStep = this.epLength[i];
        this.epReturn[i] += r.reward[i];
        this.epLength[i] += 1;
        const resetInfo = this.resetInfos[i];
        let episode: VecStep['episode'] = null;
        if (ended) {
          episode = { return: this.epReturn[i], length: this.epLength[i] };
          this.epReturn[i] = 0;
          this.epLength[i] = 0;
          this.resetInfos[i] = r.resetInfo[i] ?? {};
        }
        out[i] = {
          reward: r.reward[i],
          terminated: r.terminated[i] === 1,
          truncated: r.truncated[i] === 1,
          info: r.info[i],
          nextObs: ended ? r.finalObs[i]! : r.obs[i],
          episodeStep,
          resetInfo,
          episode,
          finalInput: null,
        };
      }
      if (out[i] !== null || r.obs[i] !== this.current[i]) {
        this.current[i] = r.obs[i];
        this.write(i, r.obs[i]);
      }
      const s = out[i];
      if (s && ended) {
        s.finalInput = new Float32Array(this.obsDim);
        this.encode(s.nextObs, s.finalInput, 0);
      }
    }
    return out;
  }

  /** Writes an observation as network input: box spaces are flattened, discrete ones one-hot encoded. */
  encode(o: ArrayLike<number>, out: Float32Array, offset: number): void {
    if (this.normalizer && this.observationSpace.type === 'box') this.normalizer.apply(o, out, offset);
    else if (this.observationSpace.type === 'discrete') {
      out.fill(0, offset, offset + this.obsDim);
      out[offset + (o[0] | 0)] = 1;
    } else for (let k = 0; k < this.obsDim; k++) out[offset + k] = o[k];
  }

  close(): void {
    this.batch.close();
  }

  private write(i: number, o: Float64Array): void {
    if (this.normalizer && this.observationSpace.type === 'box') this.normalizer.update(o);
    this.encode(o, this.obsBatch, i * this.obsDim);
  }
}
