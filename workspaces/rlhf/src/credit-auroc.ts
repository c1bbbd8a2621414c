// How well a per-token credit singles out a response's first mistake, measured as a ranking so that chance is
// 0.5 whatever the response lengths: the AUROC (Mann–Whitney U with midranks) with which the negated credit
// separates the tokens of the first wrong step (positives) from the tokens before it (negatives), pooled over a
// fixed set of wrong responses. Tokens after the first wrong step are left out: a consistent continuation of
// an error is neither clearly right nor clearly wrong.
//
// The set is sampled once per seed from the SFT model and shared by every arm, so arms are scored on the same
// responses whatever their own accuracy; the trivial baselines below are scored on the same set.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@creditlab/common';
import { batchTensors, type GruModel } from './model';
import { checkSolution, encodePrompt, type Problem, type SolutionCheck } from './task';

/**
 * P(a positive outranks a negative) + ½·P(tie), by midranks: (R⁺ − n⁺(n⁺+1)/2) / (n⁺·n⁻), R⁺ = the sum of the
 * positives' midranks in the pooled sample. NaN when either class is empty.
 */
export function auroc(positives: readonly number[], negatives: readonly number[]): number {
  const nP = positives.length, nN = negatives.length;
  if (!nP || !nN) return NaN;
  const all = [...positives.map((v) => ({ v, p: 1 })), ...negatives.map((v) => ({ v, p: 0 }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const mid = (i + j) / 2 + 1; // 1-based midrank of the tie group i..j
    for (let k = i; k <= j; k++) if (all[k].p) rankSum += mid;
    i = j + 1;
  }
  return (rankSum - (nP * (nP + 1)) / 2) / (nP * nN);
}

/** The token positions a credit is judged on: the first wrong step's tokens and the tokens before it. */
export function firstWrongSplit(check: SolutionCheck, length: number): { wrong: number[]; before: number[] } | null {
  if (check.success || check.firstWrong < 0) return null;
  const s = check.steps[check.firstWrong];
  const wrong: number[] = [];
  for (let t = s.start; t <= Math.min(s.end, length - 1); t++) wrong.push(t);
  return { wrong, before: Array.from({ length: Math.min(s.start, length) }, (_, t) => t) };
}

/** Pooled AUROC of −credit: first-wrong-step tokens against earlier tokens, over every response given. */
export function creditAuroc(items: readonly { credits: readonly number[]; check: SolutionCheck }[]): { auroc: number; positives: number; negatives: number } {
  const pos: number[] = [], neg: number[] = [];
  for (const { credits, check } of items) {
    const split = firstWrongSplit(check, credits.length);
    if (!split) continue;
    for (const t of split.wrong) pos.push(-credits[t]);
    for (const t of split.before) neg.push(-credits[t]);
  }
  return { auroc: auroc(pos, neg), positives: pos.length, negatives: neg.length };
}

export interface CreditSet {
  problems: Problem[];
  responses: number[][];
  checks: SolutionCheck[];
}

/**
 * `samples` answers per problem sampled at temperature 1 from `sft` with a stream derived from `seed` only, keeping
 * the wrong ones that have a first wrong step. Cached in `cacheFile` (when given) so every arm of a seed reads the
 * identical set even if a later run's SFT weights were to round differently.
 */
export function sampleCreditSet(sft: GruModel, problems: Problem[], opts: { samples: number; seed: number; promptWidth: number; maxTokens: number; cacheFile?: string }): CreditSet {
  const fromResponses = (ps: Problem[], rs: number[][]): CreditSet => {
    const checks = ps.map((p, i) => checkSolution(p, rs[i]));
    const keep = checks.map((c, i) => i).filter((i) => firstWrongSplit(checks[i], rs[i].length) !== null);
    return { problems: keep.map((i) => ps[i]), responses: keep.map((i) => rs[i]), checks: keep.map((i) => checks[i]) };
  };
  const f = opts.cacheFile;
  if (f && existsSync(f)) {
    const saved = JSON.parse(readFileSync(f, 'utf8')) as { problems: Problem[]; responses: number[][] };
    return fromResponses(saved.problems, saved.responses);
  }
  const rng = new Rng(opts.seed).fork('credit-set');
  const reps = problems.flatMap((p) => new Array<Problem>(opts.samples).fill(p));
  const responses: number[][] = [];
  for (let i = 0; i < reps.length; i += 512)
    responses.push(...sft.sample(reps.slice(i, i + 512).map((p) => encodePrompt(p, opts.promptWidth)), { maxTokens: opts.maxTokens, rng, temperature: 1 }));
  const set = fromResponses(reps, responses);
  if (f) {
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(`${f}.${process.pid}.tmp`, JSON.stringify({ problems: set.problems, responses: set.responses }));
    renameSync(`${f}.${process.pid}.tmp`, f);
  }
  return set;
}

/** Per-token log π(y_t) of `model` on the set's responses, read at `temperature` (rows trimmed to length). */
export function tokenLogProbs(model: GruModel, set: Pick<CreditSet, 'problems' | 'responses'>, promptWidth: number, temperature = 1): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < set.responses.length; i += 512) {
    const rs = set.responses.slice(i, i + 512);
    const { tokens, mask } = batchTensors(set.problems.slice(i, i + 512).map((p) => encodePrompt(p, promptWidth)), rs);
    const lp = tf.tidy(() => model.responseLogProbs(tokens, promptWidth, temperature).logp);
    const rows = lp.arraySync() as number[][];
    tf.dispose([tokens, mask, lp]);
    rs.forEach((r, b) => out.push(rows[b].slice(0, r.length)));
  }
  return out;
}

/**
 * Credits any untrained reader could give, scored on the same set: `uniform` (a constant: 0.5 by construction),
 * `first-token` (suspects the first token only), `position` (suspects later tokens more: the first wrong step
 * always comes after the tokens it is compared with, so this baseline shows how much of the metric is position),
 * `ref-logprob` (log π_ref(y_t): surprise of the frozen SFT model) and `ref-sharpened` (log π_ref read at T 0.5).
 */
export function baselineCredits(ref: GruModel, set: CreditSet, promptWidth: number): Record<string, number[][]> {
  return {
    uniform: set.responses.map((r) => r.map(() => 0)),
    'first-token': set.responses.map((r) => r.map((_, t) => (t === 0 ? -1 : 0))),
    position: set.responses.map((r) => r.map((_, t) => -t)),
    'ref-logprob': tokenLogProbs(ref, set, promptWidth),
    'ref-sharpened': tokenLogProbs(ref, set, promptWidth, 0.5),
  };
}
