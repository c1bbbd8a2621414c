// Supervised fine-tuning on generated solutions, a share of them deliberately imperfect (restated steps,
// one wrong step) so that RL has errors to fix and a seed behaviour that a process reward can inflate.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { GruModel, batchTensors, clippedStep } from './model';
import { encode, encodePrompt, sftSolution, type Problem, type SftDataConfig } from './task';

export interface SftConfig extends SftDataConfig {
  iterations: number;
  batchSize: number;
  lr: number;
  gradClip: number;
}

/** Mean negative log-likelihood per response token of a batch (differentiable). */
export function nllLoss(model: GruModel, tokens: tf.Tensor2D, mask: tf.Tensor2D, promptWidth: number): tf.Scalar {
  const { logp } = model.responseLogProbs(tokens, promptWidth);
  return logp.mul(mask).sum().neg().div(mask.sum()) as tf.Scalar;
}

export function sftBatch(problems: Problem[], cfg: SftDataConfig, batchSize: number, promptWidth: number, rng: Rng) {
  const prompts: number[][] = [];
  const responses: number[][] = [];
  for (let i = 0; i < batchSize; i++) {
    const p = problems[rng.int(problems.length)];
    prompts.push(encodePrompt(p, promptWidth));
    responses.push(encode(sftSolution(p, cfg, rng)));
  }
  return { prompts, responses };
}

export async function trainSft(
  model: GruModel,
  problems: Problem[],
  cfg: SftConfig,
  promptWidth: number,
  rng: Rng,
  onIteration?: (it: number, loss: number) => boolean | void | Promise<boolean | void>,
): Promise<number[]> {
  const opt = tf.train.adam(cfg.lr);
  const losses: number[] = [];
  try {
    for (let it = 0; it < cfg.iterations; it++) {
      const { prompts, responses } = sftBatch(problems, cfg, cfg.batchSize, promptWidth, rng);
      const { tokens, mask } = batchTensors(prompts, responses);
      const { loss } = clippedStep(opt, model.trainableVars(), () => nllLoss(model, tokens, mask, promptWidth), cfg.gradClip);
      tokens.dispose();
      mask.dispose();
      losses.push(loss);
      if ((await onIteration?.(it, loss)) === false) break;
    }
  } finally {
    opt.dispose();
  }
  return losses;
}
