// Held-out diagnostics of a policy: greedy (or sampled) solutions checked against the ground truth.
import { Rng } from '@creditlab/common';
import type { GruModel } from './model';
import { checkSolution, encodePrompt, type Problem } from './task';

export interface EvalResult {
  accuracy: number;
  stepsPerSolution: number;
  repeatFraction: number;
  truncatedFraction: number;
  responseLength: number;
  /** Mean oracle PRM score per step (share of correct steps). */
  stepCorrectness: number;
}

export function evaluatePolicy(
  model: GruModel,
  problems: Problem[],
  opts: { promptWidth: number; maxTokens: number; greedy?: boolean; temperature?: number; rng?: Rng; batchSize?: number },
): EvalResult & { responses: number[][] } {
  const bs = opts.batchSize ?? 256;
  const responses: number[][] = [];
  for (let i = 0; i < problems.length; i += bs) {
    const chunk = problems.slice(i, i + bs);
    responses.push(
      ...model.sample(
        chunk.map((p) => encodePrompt(p, opts.promptWidth)),
        { maxTokens: opts.maxTokens, greedy: opts.greedy ?? true, temperature: opts.temperature, rng: opts.rng ?? new Rng(0) },
      ),
    );
  }
  let ok = 0, steps = 0, reps = 0, trunc = 0, len = 0, correct = 0;
  problems.forEach((p, i) => {
    const c = checkSolution(p, responses[i]);
    ok += +c.success;
    steps += c.steps.length;
    reps += c.steps.filter((s) => s.repeat).length;
    correct += c.steps.filter((s) => s.correct).length;
    trunc += +!c.finished;
    len += responses[i].length;
  });
  const n = problems.length;
  return {
    accuracy: ok / n,
    stepsPerSolution: steps / n,
    repeatFraction: steps ? reps / steps : 0,
    truncatedFraction: trunc / n,
    responseLength: len / n,
    stepCorrectness: steps ? correct / steps : 0,
    responses,
  };
}
