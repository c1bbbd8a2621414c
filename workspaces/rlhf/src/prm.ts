// Math-Shepherd: Verify and Reinforce LLMs Step-by-step without Human Annotations — Wang et al., arXiv:2312.08935
// Improve Mathematical Reasoning in Language Models by Automated Process Supervision (OmegaPRM) — Luo et al.,
// arXiv:2406.06592
// Step labels without human annotation (docs/methods.md §8): from the prefix ending at step k, a completer (here
// the SFT policy) samples N continuations; the soft label is the share that reach the gold answer, the hard
// label is whether any does. A PRM (a GRU with a scalar head) is then fit to these labels with a
// cross-entropy loss read at each step's last token.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@creditlab/common';
import { GruModel, batchTensors, clippedStep } from './model';
import { checkSolution, encodePrompt, type Problem } from './task';

/** Math-Shepherd labels from the completions' outcomes of each prefix. */
export function mcLabels(outcomes: readonly (readonly boolean[])[]): { soft: number[]; hard: number[] } {
  const soft = outcomes.map((o) => (o.length ? o.filter(Boolean).length / o.length : 0));
  return { soft, hard: soft.map((s) => (s > 0 ? 1 : 0)) };
}

/**
 * OmegaPRM's divide-and-conquer search for the first step whose prefix has MC = 0, assuming a prefix that has
 * gone wrong cannot be rescued (MC is 0 from the first error on). Returns −1 if every prefix has MC > 0.
 * Uses at most ⌈log2 K⌉ + 1 queries of `mc(k)` (k is 0-based: the prefix ending at step k).
 */
export function firstErrorBinarySearch(K: number, mc: (k: number) => number): { index: number; queries: number } {
  let lo = 0, hi = K - 1, found = -1, queries = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    queries++;
    if (mc(mid) === 0) {
      found = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return { index: found, queries };
}

export interface LabelledSolution {
  problem: Problem;
  response: number[];
  stepEnds: number[];
  labels: number[];
}

/** Samples SFT solutions and labels each of their steps with N Monte-Carlo completions. */
export function collectMcLabels(
  completer: GruModel,
  problems: Problem[],
  opts: { count: number; completions: number; labels: 'hard' | 'soft'; promptWidth: number; maxTokens: number; rng: Rng; batchSize?: number },
): LabelledSolution[] {
  const bs = opts.batchSize ?? 256;
  const picked = Array.from({ length: opts.count }, () => problems[opts.rng.int(problems.length)]);
  const prompts = picked.map((p) => encodePrompt(p, opts.promptWidth));
  const responses: number[][] = [];
  for (let i = 0; i < picked.length; i += bs) responses.push(...completer.sample(prompts.slice(i, i + bs), { maxTokens: opts.maxTokens, rng: opts.rng }));
  // One job per (solution, step, completion); the prefix ends at the step's delimiter.
  const jobs: { sol: number; step: number; prefix: number[] }[] = [];
  const ends = picked.map((p, i) => checkSolution(p, responses[i]).steps.map((s) => s.end));
  ends.forEach((e, sol) =>
    e.forEach((end, step) => {
      for (let c = 0; c < opts.completions; c++) jobs.push({ sol, step, prefix: responses[sol].slice(0, end + 1) });
    }),
  );
  const outcomes: boolean[][][] = ends.map((e) => e.map(() => []));
  for (let i = 0; i < jobs.length; i += bs) {
    const chunk = jobs.slice(i, i + bs);
    const outs = completer.sample(
      chunk.map((j) => prompts[j.sol]),
      { maxTokens: opts.maxTokens, rng: opts.rng, prefixes: chunk.map((j) => j.prefix) },
    );
    chunk.forEach((j, n) => outcomes[j.sol][j.step].push(checkSolution(picked[j.sol], outs[n]).success));
  }
  return picked.map((problem, i) => {
    const l = mcLabels(outcomes[i]);
    return { problem, response: responses[i], stepEnds: ends[i], labels: opts.labels === 'hard' ? l.hard : l.soft };
  });
}

/** Fits the PRM's score head (logit at each step's last token) to the labels with binary cross-entropy. */
export function trainPrm(prm: GruModel, data: LabelledSolution[], opts: { iterations: number; lr: number; batchSize: number; promptWidth: number; rng: Rng }): number[] {
  const opt = tf.train.adam(opts.lr);
  const losses: number[] = [];
  const usable = data.filter((d) => d.stepEnds.length > 0);
  for (let it = 0; it < opts.iterations; it++) {
    const batch = Array.from({ length: Math.min(opts.batchSize, usable.length) }, () => usable[opts.rng.int(usable.length)]);
    const { tokens, mask: _m, L } = batchTensors(batch.map((d) => encodePrompt(d.problem, opts.promptWidth)), batch.map((d) => d.response));
    _m.dispose();
    const target = new Float32Array(batch.length * L);
    const weight = new Float32Array(batch.length * L);
    batch.forEach((d, b) =>
      d.stepEnds.forEach((e, k) => {
        target[b * L + e] = d.labels[k];
        weight[b * L + e] = 1;
      }),
    );
    const y = tf.tensor2d(target, [batch.length, L]);
    const w = tf.tensor2d(weight, [batch.length, L]);
    const { loss } = clippedStep(
      opt,
      prm.trainableVars(),
      () => {
        const z = prm.responseScores(tokens, opts.promptWidth);
        // BCE with logits, written stably: max(z,0) − z·y + log(1 + e^−|z|)
        const l = z.relu().sub(z.mul(y)).add(z.abs().neg().exp().log1p());
        return l.mul(w).sum().div(w.sum()) as tf.Scalar;
      },
      1,
    );
    tf.dispose([tokens, y, w]);
    losses.push(loss);
  }
  opt.dispose();
  return losses;
}

/** PRM scores σ(logit) at each step end of each response. */
export function prmScores(prm: GruModel, prompts: number[][], responses: number[][], stepEnds: number[][], promptWidth: number): number[][] {
  const { tokens, mask, L } = batchTensors(prompts, responses);
  const s = tf.tidy(() => tf.sigmoid(prm.responseScores(tokens, promptWidth)));
  const v = s.dataSync();
  tf.dispose([tokens, mask, s]);
  return stepEnds.map((ends, b) => ends.map((e) => v[b * L + e]));
}
