// Shared shapes for the statistics package (Agarwal et al., "Deep RL at the Edge of the Statistical
// Precipice", NeurIPS 2021, arXiv:2108.13264). Kept free of DOM and Node types: the renderer imports it too.

/** One logged scalar time series: `values[i]` was logged at `steps[i]`. */
export interface Series {
  steps: number[];
  values: number[];
}

/** A run's series for one metric, as the store hands it out. */
export interface RunSeries extends Series {
  run: string;
  arm: string;
  seed: number;
}

/** Where `compare` (and the renderer) get series from; the CLI implements it over the SQLite store. */
export interface SeriesSource {
  series(experiment: string, metric: string): Promise<RunSeries[]>;
}

/**
 * Scores as a runs × tasks matrix (`scores[run][task]`), rliable's layout. Creditlab usually has one
 * task, i.e. a column vector `[[s0], [s1], ...]`.
 */
export type ScoreMatrix = number[][];

/** Lower and upper bound of a percentile confidence interval. */
export type Interval = [number, number];

/** A point estimate with its bootstrap interval. */
export interface IntervalEstimate {
  estimate: number;
  ci: Interval;
  /** Number of runs behind the estimate (rows of the score matrix). */
  n: number;
}

export interface BootstrapOptions {
  /** Coverage of the percentile interval, in (0, 1). Default 0.95. */
  ci?: number;
  /** Bootstrap replicates. Default 2000. */
  reps?: number;
  /** Seed of the resampling stream. Default 0, so an unseeded call is still reproducible. */
  seed?: number;
}
