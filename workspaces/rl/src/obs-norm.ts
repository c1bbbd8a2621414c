// Running observation normalisation, as Gymnasium's NormalizeObservation wrapper (used by CleanRL's
// continuous-control PPO): x ← clip((x − μ) / √(σ² + ε), ±10) with μ, σ² updated on every observation
// the agent acts on. Needed where observation entries differ by orders of magnitude (MountainCar's
// velocity is ~100× smaller than its position), which a tanh MLP otherwise barely sees.

const EPS = 1e-8;
const CLIP = 10;

export class ObsNormalizer {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count = EPS;
  /** Frozen normalisers (evaluation envs) apply the training statistics without changing them. */
  frozen = false;

  constructor(readonly dim: number) {
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
  }

  /** Chan et al.'s parallel update with a batch of one. */
  update(o: ArrayLike<number>): void {
    if (this.frozen) return;
    const total = this.count + 1;
    for (let k = 0; k < this.dim; k++) {
      const delta = o[k] - this.mean[k];
      this.mean[k] += delta / total;
      const m2 = this.var[k] * this.count + delta * delta * (this.count / total);
      this.var[k] = m2 / total;
    }
    this.count = total;
  }

  apply(o: ArrayLike<number>, out: Float32Array, offset: number): void {
    for (let k = 0; k < this.dim; k++) {
      const z = (o[k] - this.mean[k]) / Math.sqrt(this.var[k] + EPS);
      out[offset + k] = z > CLIP ? CLIP : z < -CLIP ? -CLIP : z;
    }
  }

  /** A read-only view for evaluation: same statistics, never updated. */
  frozenView(): ObsNormalizer {
    const v = Object.create(this) as ObsNormalizer;
    Object.defineProperty(v, 'frozen', { value: true });
    return v;
  }

  toJSON() {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }
}
