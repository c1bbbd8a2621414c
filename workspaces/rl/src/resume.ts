// What the RL trainers share to checkpoint and resume a run exactly: tf variables and Adam's state as
// raw float32 bytes (a resumed run continues with the very same numbers), and the glue that puts a
// trainer's state through the JSON-safe snapshot and back.
import * as tf from '@tensorflow/tfjs';
import { fromSnapshot, restoreInto, snapshot, type Snapshot } from '@creditlab/common/snapshot';
import type { RunContext } from '@creditlab/spec';

interface TensorState {
  name: string;
  shape: number[];
  dtype: tf.DataType;
  values: Float32Array | Int32Array | Uint8Array;
}

export interface TfState {
  vars: TensorState[];
  /** tf.train.adam's getWeights() (iteration count, then first and second moments), plus its running β powers. */
  adam: { weights: TensorState[]; accBeta1: number; accBeta2: number } | null;
}

const tensorState = (name: string, t: tf.Tensor): TensorState => ({ name, shape: t.shape, dtype: t.dtype, values: t.dataSync() as Float32Array });

type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

export async function saveTfState(vars: tf.Variable[], adam: tf.AdamOptimizer | null): Promise<TfState> {
  let a: TfState['adam'] = null;
  if (adam) {
    const weights = await adam.getWeights();
    const internals = adam as unknown as AdamInternals;
    a = {
      weights: weights.map((w) => tensorState(w.name, w.tensor)),
      // setWeights recomputes βᵗ with pow(); tf's own running product can differ in the last bit.
      accBeta1: internals.accBeta1 ? internals.accBeta1.dataSync()[0] : NaN,
      accBeta2: internals.accBeta2 ? internals.accBeta2.dataSync()[0] : NaN,
    };
    weights[0].tensor.dispose();
  }
  return { vars: vars.map((v) => tensorState(v.name, v)), adam: a };
}

export async function loadTfState(vars: tf.Variable[], adam: tf.AdamOptimizer | null, s: TfState): Promise<void> {
  if (s.vars.length !== vars.length) throw new Error(`checkpoint: ${s.vars.length} weight tensors for a network with ${vars.length}`);
  vars.forEach((v, i) => {
    const w = s.vars[i];
    if (w.shape.join('x') !== v.shape.join('x')) throw new Error(`checkpoint: weight ${i} has shape [${w.shape}], the network [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(w.values, w.shape, w.dtype)));
  });
  if (adam && s.adam) {
    // Moments are matched to variables by position, as tfjs's Adam does itself.
    const tensors = s.adam.weights.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape, w.dtype) }));
    await adam.setWeights(tensors);
    for (const t of tensors) t.tensor.dispose();
    const internals = adam as unknown as AdamInternals;
    if (Number.isFinite(s.adam.accBeta1)) internals.accBeta1?.assign(tf.scalar(s.adam.accBeta1));
    if (Number.isFinite(s.adam.accBeta2)) internals.accBeta2?.assign(tf.scalar(s.adam.accBeta2));
  }
}

/** Saves a trainer's state when a checkpoint is due; `build` is only called then. */
export async function maybeSaveResume(ctx: RunContext, step: number, last: boolean, build: () => Promise<Record<string, unknown>> | Record<string, unknown>): Promise<void> {
  if (last || !ctx.saveResumeState || !ctx.checkpointDue?.(step)) return;
  ctx.saveResumeState(step, snapshot(await build()));
}

/** The saved state of a resumed run, keyed as it was saved; null on a fresh start. */
export function resumeState(ctx: RunContext, algo: string): Record<string, Snapshot> | null {
  const r = ctx.resumeFrom;
  if (!r) return null;
  const s = r.state as Record<string, Snapshot>;
  if (s.algo !== algo) throw new Error(`cannot resume: the checkpoint is from "${String(s.algo)}", this run uses "${algo}"`);
  return s;
}

export { fromSnapshot, restoreInto };
