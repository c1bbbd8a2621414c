// Tensor losses of the policy updates (tfjs). Token losses are averaged over all active tokens of the
// batch (TRL's "dapo" normalisation), so long responses are not down-weighted per token.
import * as tf from '@tensorflow/tfjs';

/** PPO clipped surrogate −min(ρA, clip(ρ,1±ε)A) and the clip fraction. */
export function ppoPolicyLoss(logp: tf.Tensor2D, oldLogp: tf.Tensor, adv: tf.Tensor, mask: tf.Tensor, eps: number): { loss: tf.Scalar; clipFrac: tf.Scalar } {
  const ratio = logp.sub(oldLogp).exp();
  const s1 = ratio.mul(adv);
  const s2 = ratio.clipByValue(1 - eps, 1 + eps).mul(adv);
  const n = mask.sum();
  const loss = tf.minimum(s1, s2).mul(mask).sum().div(n).neg() as tf.Scalar;
  const clipFrac = s2.less(s1).toFloat().mul(mask).sum().div(n) as tf.Scalar;
  return { loss, clipFrac };
}

/** REINFORCE: −Σ A_t log π(y_t) / #tokens (on-policy, so no ratio). */
export function pgLoss(logp: tf.Tensor2D, adv: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return logp.mul(adv).mul(mask).sum().div(mask.sum()).neg() as tf.Scalar;
}

/** PPO's clipped value loss 0.5·max((V−R)², (clip(V, V_old±ε)−R)²). */
export function valueLoss(values: tf.Tensor, oldValues: tf.Tensor, returns: tf.Tensor, mask: tf.Tensor, eps: number): tf.Scalar {
  const clipped = oldValues.add(values.sub(oldValues).clipByValue(-eps, eps));
  const l = tf.maximum(values.sub(returns).square(), clipped.sub(returns).square());
  return l.mul(mask).sum().div(mask.sum()).mul(0.5) as tf.Scalar;
}

/** k3 KL in the loss (GRPO): π_ref/π − log(π_ref/π) − 1 per token, averaged over tokens. */
export function k3KlLoss(logp: tf.Tensor2D, refLogp: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const d = refLogp.sub(logp).clipByValue(-10, 10);
  return d.exp().sub(d).sub(1).mul(mask).sum().div(mask.sum()) as tf.Scalar;
}

/**
 * DPO over pairs picked from the rows of a batch by 0/1 selection matrices (gather has no gradient on wasm):
 * −log σ(β[(log π − log π_ref)(y_w) − (log π − log π_ref)(y_l)]), averaged over pairs.
 */
export function dpoPairLoss(logp: tf.Tensor2D, mask: tf.Tensor, selW: tf.Tensor2D, selL: tf.Tensor2D, refW: tf.Tensor1D, refL: tf.Tensor1D, beta: number): { loss: tf.Scalar; margin: tf.Tensor1D } {
  const seq = logp.mul(mask).sum(1).expandDims(1) as tf.Tensor2D;
  const rw = selW.matMul(seq).reshape([-1]).sub(refW).mul(beta);
  const rl = selL.matMul(seq).reshape([-1]).sub(refL).mul(beta);
  const margin = rw.sub(rl) as tf.Tensor1D;
  return { loss: tf.softplus(margin.neg()).mean() as tf.Scalar, margin };
}
