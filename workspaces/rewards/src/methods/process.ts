// Clip, Delta and Clip-Delta refinement of per-step (process) rewards.
// Paper: "On Designing Effective RL Reward at Training Time for LLM Reasoning", J. Gao et al., 2024,
// arXiv:2410.15115. Formulas and fixtures: docs/methods.md §1; placement: §11.
// Arrays are 0-based here: scores[i] is r_p of step i+1 in the paper's numbering, K = scores.length.
// Nothing here assumes an RL env, so the RLHF suite uses the same functions on reasoning steps.
import { defineTransform, type Channels } from '../method';
import { processClipSchema, processDeltaSchema, processClipDeltaSchema, type Placement } from '@creditlab/spec';

export type ProcessMethod = 'pr' | 'clip' | 'delta' | 'clip-delta';
/**
 * Where refined reward r_k is paid, and what that does under token returns-to-go.
 * "step-k" (the RLHF suite's 'literal'): at the end of step k, as the paper writes it. Delta's r_k then
 * depends on a step that has not happened yet (not causal online), and the tokens of step j see the scores
 * of every later step while an answer's own score is dropped, so one more step beats answering (hacked).
 * "step-k+1" (the RLHF suite's 'lagged'): at the end of step k+1, when r_k becomes computable; the last
 * step's own term goes with it. The tokens of step j ≥ 1 then see only α·s_{j−1} + Correct, a score fixed
 * before step j is written: the process reward's expected gradient is zero beyond the first step.
 * Neither is the 'own-step' reading (each step's tokens see their own step's score), which the RLHF suite
 * builds on its own (workspaces/rlhf/README.md has the table).
 */
export type { Placement } from '@creditlab/spec';

/** Clip: r_k = min(r_p(k) − η, 0). No step reward is positive, so no return exceeds the outcome reward. */
export function processClip(scores: readonly number[], eta: number): number[] {
  return scores.map((r) => Math.min(r - eta, 0));
}

/**
 * Delta: r_k = r_p(k) − r_p(k+1) up to the second-to-last step, r = r_p at the second-to-last step and
 * 0 at the last, whose score is dropped because the outcome reward covers it. Suffix sums telescope to r_p(t).
 */
export function processDelta(scores: readonly number[]): number[] {
  const K = scores.length;
  return scores.map((r, k) => (k === K - 1 ? 0 : k === K - 2 ? r : r - scores[k + 1]));
}

/** Clip-Delta: Delta applied to the clipped scores; every suffix sum is min(r_p(t) − η, 0) ≤ 0. */
export function processClipDelta(scores: readonly number[], eta: number): number[] {
  return processDelta(processClip(scores, eta));
}

export interface RefineOptions {
  method: ProcessMethod;
  /** α, the weight of the process reward. Default 1. */
  alpha?: number;
  /** η, the Clip threshold. Default 0. */
  eta?: number;
  placement: Placement;
}

export interface RefinedProcessRewards {
  /** α·r_k for each step k (0-based), before placement. */
  rewards: number[];
  /** The step at whose end rewards[k] is paid. */
  paidAt: number[];
  /** The amount paid at the end of each step (length K): what a per-step learner sees. */
  perStep: number[];
}

/** Refines per-step scores and places them; the outcome reward is not included (add it at the last step). */
export function refineProcessRewards(scores: readonly number[], opts: RefineOptions): RefinedProcessRewards {
  const alpha = opts.alpha ?? 1;
  const eta = opts.eta ?? 0;
  const raw =
    opts.method === 'pr' ? [...scores] : opts.method === 'clip' ? processClip(scores, eta) : opts.method === 'delta' ? processDelta(scores) : processClipDelta(scores, eta);
  const rewards = raw.map((r) => alpha * r);
  const K = scores.length;
  const paidAt = rewards.map((_, k) => (opts.placement === 'step-k' ? k : Math.min(k + 1, K - 1)));
  const perStep = new Array<number>(K).fill(0);
  rewards.forEach((r, k) => (perStep[paidAt[k]] += r));
  return { rewards, paidAt, perStep };
}

/**
 * The same refinement one step at a time, for a learner that needs each step's reward when the step ends.
 * Only "step-k+1" is possible for Delta online; "step-k" Clip is causal too. Returns the amount paid at
 * this step; `last` marks the final step of the sequence. Equals refineProcessRewards(...).perStep.
 */
export class OnlineProcessRefiner {
  private prev: number | null = null;
  private held = 0;
  constructor(readonly opts: RefineOptions) {
    if (opts.placement === 'step-k' && (opts.method === 'delta' || opts.method === 'clip-delta')) {
      throw new Error(`${opts.method} with placement "step-k" needs the next step's score; online it can only be paid at "step-k+1"`);
    }
  }
  reset(): void {
    this.prev = null;
    this.held = 0;
  }
  saveState(): { prev: number | null; held: number } {
    return { prev: this.prev, held: this.held };
  }
  loadState(s: { prev: number | null; held: number }): void {
    this.prev = s.prev;
    this.held = s.held;
  }
  push(score: number, last: boolean): number {
    const { method, placement } = this.opts;
    const alpha = this.opts.alpha ?? 1;
    const eta = this.opts.eta ?? 0;
    const c = method === 'clip' || method === 'clip-delta' ? Math.min(score - eta, 0) : score;
    let pay: number;
    if (method === 'pr' || method === 'clip') {
      // r_k depends only on step k: pay now, or hold one step for "step-k+1".
      if (placement === 'step-k') pay = c;
      else {
        pay = this.held + (last ? c : 0);
        this.held = last ? 0 : c;
      }
    } else {
      // r_{k-1} = c_{k-1} − c_k, or c_{k-1} when k is the last step (the last score is dropped).
      pay = this.prev === null ? 0 : last ? this.prev : this.prev - c;
      this.prev = last ? null : c;
    }
    if (last) this.reset();
    return alpha * pay;
  }
}

const PAPER = 'Gao et al., "On Designing Effective RL Reward at Training Time for LLM Reasoning", arXiv:2410.15115';
// The stream refined is `dense` (user reward and shaping terms), like the PRM reward; the env reward
// plays the success reward and passes through.
const refineDense = (r: OnlineProcessRefiner) => ({
  startEpisode: () => r.reset(),
  saveState: () => r.saveState(),
  loadState: (st: unknown) => r.loadState(st as { prev: number | null; held: number }),
  apply: (v: Channels, s: { terminated: boolean; truncated: boolean }): Channels => ({ outcome: v.outcome, dense: r.push(v.dense, s.terminated || s.truncated) }),
});

export const processClipTransform = defineTransform({
  type: 'process-clip',
  title: 'Clip (process rewards)',
  paper: PAPER,
  doc: 'Replaces each step\'s dense reward r by α·min(r − η, 0): the dense reward can only penalise, so repeating good steps earns nothing. The env reward is kept.',
  template: 'transform/process',
  schema: processClipSchema,
  create: (p) => refineDense(new OnlineProcessRefiner({ method: 'clip', alpha: p.alpha, eta: p.eta, placement: p.placement })),
});

export const processDeltaTransform = defineTransform({
  type: 'process-delta',
  title: 'Delta (process rewards)',
  paper: PAPER,
  doc:
    'Pays α·(r_k − r_{k+1}) for the dense rewards, at the end of step k+1; the episode\'s last dense reward is dropped. ' +
    'Returns-to-go telescope to α·r_t, so farming repeated steps earns nothing. The env reward is kept.',
  template: 'transform/process',
  schema: processDeltaSchema,
  create: (p) => refineDense(new OnlineProcessRefiner({ method: 'delta', alpha: p.alpha, placement: p.placement })),
});

export const processClipDeltaTransform = defineTransform({
  type: 'process-clip-delta',
  title: 'Clip-Delta (process rewards)',
  paper: PAPER,
  doc: 'Clip, then Delta: every return-to-go of the dense part is α·min(r_t − η, 0) ≤ 0, so no trajectory beats the env reward alone.',
  template: 'transform/process',
  schema: processClipDeltaSchema,
  create: (p) => refineDense(new OnlineProcessRefiner({ method: 'clip-delta', alpha: p.alpha, eta: p.eta, placement: p.placement })),
});
