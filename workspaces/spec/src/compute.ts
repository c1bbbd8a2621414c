// Which implementation does a run's arithmetic: the hand-written fused kernels or tfjs ops. A run asks for
// one (or `auto`); the trainer resolves it once at start and reports it through RunContext.reportCompute,
// so the store, `creditlab show` and the UI name the path each run actually took.
import { z } from 'zod';

export const COMPUTE_PATHS = ['fused', 'tfjs'] as const;
/** A resolved compute path. */
export type Compute = (typeof COMPUTE_PATHS)[number];
export type ComputeRequest = Compute | 'auto';

export const ComputeRequestSchema = z
  .enum(['auto', 'fused', 'tfjs'])
  .optional()
  .describe(
    'who does the arithmetic: "fused" = hand-written kernels (RL: discrete-action PPO in plain JS with WebAssembly SIMD matrix products; RLHF: the GRU as one fused op), "tfjs" = TensorFlow.js ops on the tfjs backend; absent or "auto" = fused where it exists, unless CREDITLAB_PPO_FUSED=0 (RL) or CREDITLAB_GRU=tf (RLHF) says tfjs',
  );

/** The environment variable that steers `auto` towards tfjs for a kind of run, and its tfjs value. */
export const COMPUTE_OVERRIDES = {
  rl: { variable: 'CREDITLAB_PPO_FUSED', tfjsValue: '0' },
  rlhf: { variable: 'CREDITLAB_GRU', tfjsValue: 'tf' },
} as const;

export interface ComputeChoice {
  compute: Compute;
  /** Why this path: a sentence for the run's log. */
  reason: string;
}

/**
 * Resolves a run's compute path. An explicit request is honoured (or refused with the reason when fused
 * kernels do not cover the run); `auto` takes the fused kernels where they exist unless the kind's
 * environment variable asks for tfjs. `resumed` is the path a checkpoint was written by: a resumed run
 * keeps it, since the two paths save different optimiser state.
 */
export function resolveCompute(opts: {
  requested: ComputeRequest | undefined;
  kind: keyof typeof COMPUTE_OVERRIDES;
  /** null when fused kernels cover this run, else why they do not. */
  fusedUnavailable: string | null;
  resumed?: Compute | null;
  env?: Record<string, string | undefined>;
}): ComputeChoice {
  const requested = opts.requested ?? 'auto';
  // The spec is also read in the renderer, which has no `process`.
  const env = opts.env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  if (requested === 'fused' && opts.fusedUnavailable !== null)
    throw new Error(`compute: "fused" is not available for this run (${opts.fusedUnavailable}); use "auto" or "tfjs"`);
  if (opts.resumed && requested !== 'auto' && requested !== opts.resumed)
    throw new Error(`compute: the checkpoint was written by the ${opts.resumed} path but the run asks for "${requested}"`);
  if (requested !== 'auto') return { compute: requested, reason: `the run asks for compute "${requested}"` };
  if (opts.resumed) return { compute: opts.resumed, reason: `resumed from a checkpoint written by the ${opts.resumed} path` };
  const { variable, tfjsValue } = COMPUTE_OVERRIDES[opts.kind];
  if (env[variable] === tfjsValue) return { compute: 'tfjs', reason: `auto: ${variable}=${tfjsValue} selects tfjs` };
  if (opts.fusedUnavailable !== null) return { compute: 'tfjs', reason: `auto: ${opts.fusedUnavailable}` };
  return { compute: 'fused', reason: 'auto: fused kernels cover this run' };
}
