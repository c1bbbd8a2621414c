// Periodic evaluation (the run config's optional `eval` section): every `every` env steps, play `episodes`
// fresh episodes on separate env copies and log their mean return as `eval/episodic_return`.
// Evaluation steps do not count against the budget, and every evaluation starts from the same env seeds,
// so successive evaluations differ only by the policy.
import { Rng } from '@creditlab/common';
import type { RlRunConfig, RunContext } from '@creditlab/spec';
import { VectorEnv } from './vec-env';
import type { ObsNormalizer } from './obs-norm';

/** Maps a batch of encoded observations [n, obsDim] to one action per row. */
export type BatchPolicy = (obs: Float32Array, n: number, greedy: boolean) => (number | ArrayLike<number>)[];

export class Evaluator {
  private nextAt: number;
  /** Kept between evaluations (reseeded each time): a provider's env may be costly to start. */
  private vec: VectorEnv | null = null;
  private readonly envSeed: number;

  constructor(
    private readonly ctx: RunContext,
    private readonly cfg: RlRunConfig,
    /** The training statistics, frozen, when the trainer normalises observations. */
    private readonly normalizer: ObsNormalizer | null = null,
  ) {
    this.nextAt = cfg.eval ? cfg.eval.every : Infinity;
    this.envSeed = Math.floor(new Rng(ctx.run.seed).fork('eval').next() * 2 ** 31);
  }

  /** When the next evaluation is due: all the state an evaluator carries between calls. */
  saveState(): number {
    return this.nextAt;
  }

  loadState(nextAt: number): void {
    this.nextAt = nextAt;
  }

  /** Evaluates if `globalStep` has reached the next multiple of `eval.every`. */
  maybeRun(globalStep: number, policy: BatchPolicy): void {
    const ev = this.cfg.eval;
    if (!ev || globalStep < this.nextAt) return;
    while (this.nextAt <= globalStep) this.nextAt += ev.every;
    const { meanReturn, meanLength } = this.run(ev.episodes, ev.greedy, policy);
    this.ctx.log(globalStep, { 'eval/episodic_return': meanReturn, 'eval/episodic_length': meanLength });
  }

  run(episodes: number, greedy: boolean, policy: BatchPolicy): { meanReturn: number; meanLength: number; returns: number[] } {
    if (this.vec && this.vec.num !== episodes) this.close();
    if (this.vec) this.vec.reseed(this.envSeed);
    else this.vec = new VectorEnv(this.cfg.env, episodes, this.envSeed, { normalize: this.normalizer ?? false });
    const vec = this.vec;
    const returns = new Array<number>(episodes).fill(NaN);
    const lengths = new Array<number>(episodes).fill(0);
    const playing = new Uint8Array(episodes).fill(1);
    let running = episodes;
    while (running > 0) {
      const actions = policy(vec.obsBatch, episodes, greedy);
      const steps = vec.stepAll(actions, playing);
      for (let e = 0; e < episodes; e++) {
        const r = steps[e];
        if (!r) continue;
        if (r.episode) {
          playing[e] = 0;
          returns[e] = r.episode.return;
          lengths[e] = r.episode.length;
          running--;
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { meanReturn: mean(returns), meanLength: mean(lengths), returns };
  }

  close(): void {
    this.vec?.close();
    this.vec = null;
  }
}
