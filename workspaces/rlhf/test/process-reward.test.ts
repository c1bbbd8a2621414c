// Which tokens see which process reward (process-reward.ts): returns-to-go under each placement, checked
// against the formulas on hand-computed cases and, for the claim that 'lagged' silences the process reward,
// against the exact expected policy gradient of a small policy enumerated over every response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { RlhfRewardMethodSchema } from '@creditlab/spec';
import { resolvePlacement, returnsToGo, stepPayments, tokenRewards, type Placement, type ProcessRewardType } from '../src/process-reward';

const near = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b} ${msg}`);
const clip = (x: number, eta: number) => Math.min(x - eta, 0);

/** Token returns-to-go of a response whose steps end at `ends` (the last step is the answer). */
function returns(rp: number[], ends: number[], type: ProcessRewardType, placement: Placement, alpha: number, success: number, eta = 0.5) {
  const length = ends.at(-1)! + 1;
  return returnsToGo(tokenRewards({ length, stepEnds: ends, payments: stepPayments(rp, type, eta, placement), alpha, success }));
}
/** Index of the step each token belongs to. */
const stepOf = (ends: number[]) => Array.from({ length: ends.at(-1)! + 1 }, (_, t) => ends.findIndex((e) => t <= e));

function randomCase(rng: Rng) {
  const K = 1 + rng.int(7);
  const rp = Array.from({ length: K }, () => (rng.next() < 0.3 ? rng.int(2) : rng.next()));
  const ends: number[] = [];
  let t = -1;
  for (let k = 0; k < K; k++) ends.push((t += 1 + rng.int(4)));
  return { rp, ends, alpha: 0.2 + rng.next() * 2, success: rng.int(2), eta: rng.next() };
}

test("lagged Delta / Clip-Delta: every token of step j ≥ 1 sees α·s_{j−1} + Correct, step 0 sees α·s_0 + Correct", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 300; trial++) {
    const { rp, ends, alpha, success, eta } = randomCase(rng);
    for (const type of ['delta', 'clip-delta'] as const) {
      const s = type === 'delta' ? rp : rp.map((x) => clip(x, eta));
      const G = returns(rp, ends, type, 'lagged', alpha, success, eta);
      const K = rp.length;
      stepOf(ends).forEach((j, t) => {
        // The paper drops the last score, so a one-step response carries no process reward at all.
        const want = K === 1 ? success : alpha * s[Math.max(j - 1, 0)] + success;
        near(G[t], want, `${type} K=${K} token ${t} of step ${j}`);
      });
      // The same returns whatever the steps after j score: step j's credit was fixed before it was written.
      if (K >= 3) {
        const changed = rp.map((x, k) => (k >= 1 ? 1 - x : x));
        const G2 = returns(changed, ends, type, 'lagged', alpha, success, eta);
        stepOf(ends).forEach((j, t) => j <= 1 && near(G2[t], G[t]));
      }
    }
  }
});

test('own-step Delta / Clip-Delta: every token of step j sees α·s_j + Correct, the answer segment included', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 300; trial++) {
    const { rp, ends, alpha, success, eta } = randomCase(rng);
    for (const type of ['delta', 'clip-delta'] as const) {
      const s = type === 'delta' ? rp : rp.map((x) => clip(x, eta));
      const G = returns(rp, ends, type, 'own-step', alpha, success, eta);
      stepOf(ends).forEach((j, t) => near(G[t], alpha * s[j] + success, `${type} token ${t} of step ${j}`));
    }
  }
});

test('own-step, hand-computed: payments and token rewards of two responses', () => {
  // Steps `8;` `11;` `9;` `A:9.` — third step wrong, answer wrong: r_p = [1, 1, 0, 0], η 0.5, α 2.
  // Clip-Delta: c = [0, 0, −0.5, −0.5]; Delta over [c, 0]: [0, 0.5, 0, −0.5].
  assert.deepEqual(stepPayments([1, 1, 0, 0], 'clip-delta', 0.5, 'own-step'), [0, 0.5, 0, -0.5]);
  const r = tokenRewards({ length: 10, stepEnds: [1, 4, 6, 9], payments: [0, 0.5, 0, -0.5], alpha: 2, success: 0 });
  assert.deepEqual(r, [0, 0, 0, 0, 1, 0, 0, 0, 0, -1]);
  assert.deepEqual(returnsToGo(r), [0, 0, 0, 0, 0, -1, -1, -1, -1, -1]);
  // Delta on r_p = [0.9, 0.6, 0.3] (last = answer): [0.9−0.6, 0.6−0.3, 0.3 − 0] = [0.3, 0.3, 0.3];
  // the paper's Delta (literal) drops the answer: [0.3, 0.6, 0].
  const own = stepPayments([0.9, 0.6, 0.3], 'delta', 0, 'own-step');
  [0.3, 0.3, 0.3].forEach((x, k) => near(own[k], x));
  const lit = stepPayments([0.9, 0.6, 0.3], 'delta', 0, 'literal');
  [0.3, 0.6, 0].forEach((x, k) => near(lit[k], x));
  // lagged moves each term one step later; the last term stays on the last step.
  const lag = stepPayments([0.9, 0.6, 0.3], 'delta', 0, 'lagged');
  [0, 0.3, 0.6].forEach((x, k) => near(lag[k], x));
  assert.deepEqual(stepPayments([0.4, 1, 1], 'first-step', 0.5, 'literal'), [0.4, 0, 0]);
});

test('answering vs one more correct step: equal under own-step, one more step wins under literal Delta', () => {
  // After a correct first step the policy either answers (`8;A:8.`-like, 2 steps) or restates a correct
  // step first (3 steps); both answers are right. Oracle scores: every step 1.
  const answerNow = { rp: [1, 1], ends: [1, 4] };
  const oneMore = { rp: [1, 1, 1], ends: [1, 3, 6] };
  for (const type of ['delta', 'clip-delta'] as const) {
    // The token after step 1 is the decision: the answer's first token, or the extra step's.
    const g = (c: typeof answerNow, pl: Placement) => returns(c.rp, c.ends, type, pl, 1, 1)[2];
    near(g(answerNow, 'own-step'), g(oneMore, 'own-step'), `${type} own-step`);
    if (type === 'delta') assert.ok(g(oneMore, 'literal') > g(answerNow, 'literal') + 0.99, 'the artefact: +α for one more step');
    // Clip-Delta literal: a correct extra step scores 0, the same as answering; no artefact with a 0/1 oracle.
  }
  // Wrong extra step: own-step charges it, so writing it is worse than answering.
  const wrongMore = { rp: [1, 0, 0], ends: [1, 3, 6] };
  assert.ok(returns(wrongMore.rp, wrongMore.ends, 'clip-delta', 'own-step', 1, 0)[2] < returns(answerNow.rp, answerNow.ends, 'clip-delta', 'own-step', 1, 1)[2]);
});

/**
 * Exact expected gradient of REINFORCE with returns-to-go for a K-step policy: step j is correct with
 * probability σ(θ[j][ok]) where ok says whether every earlier step was (so later steps depend on the past),
 * then the answer, correct iff every step was. One token per step. Returns ∂/∂θ of E[Σ_t log π(a_t)·G_t]
 * where G_t counts only the process reward (Correct is left out).
 */
function processGradient(K: number, theta: number[][], type: ProcessRewardType, placement: Placement, alpha: number, eta: number): number[][] {
  const grad = theta.map((row) => row.map(() => 0));
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  for (let mask = 0; mask < 1 << K; mask++) {
    const a = Array.from({ length: K }, (_, j) => ((mask >> j) & 1) === 1);
    let p = 1, ok = true;
    const ctx: number[] = [];
    a.forEach((good, j) => {
      ctx.push(ok ? 1 : 0);
      const q = sig(theta[j][ctx[j]]);
      p *= good ? q : 1 - q;
      ok &&= good;
    });
    let prefixOk = true;
    const rp = a.map((good) => +(prefixOk &&= good));
    rp.push(+a.every(Boolean)); // the answer segment, scored like the checker scores it
    const G = returnsToGo(tokenRewards({ length: K + 1, stepEnds: rp.map((_, k) => k), payments: stepPayments(rp, type, eta, placement), alpha, success: 0 }));
    a.forEach((good, j) => {
      const q = sig(theta[j][ctx[j]]);
      grad[j][ctx[j]] += p * ((good ? 1 : 0) - q) * G[j];
    });
  }
  return grad;
}

test('expected policy gradient of the process reward: zero beyond the first step under lagged, not under own-step', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 20; trial++) {
    const K = 2 + rng.int(4);
    const theta = Array.from({ length: K }, () => [rng.normal(), rng.normal()]);
    for (const type of ['delta', 'clip-delta'] as const) {
      const lag = processGradient(K, theta, type, 'lagged', 1, 0.5);
      for (let j = 1; j < K; j++) lag[j].forEach((g) => assert.ok(Math.abs(g) < 1e-12, `${type} lagged step ${j}: ${g}`));
      assert.ok(lag[0][1] > 1e-6, 'the first step still gets a signal');
      const own = processGradient(K, theta, type, 'own-step', 1, 0.5);
      // Every step reachable without an earlier error is pushed towards correct.
      for (let j = 0; j < K; j++) assert.ok(own[j][1] > 1e-6, `${type} own-step step ${j}: ${own[j][1]}`);
    }
    // The first-step control has the same expected gradient as lagged Delta (α·r_p on the first step only).
    const ctl = processGradient(K, theta, 'first-step', 'literal', 1, 0.5);
    const lagD = processGradient(K, theta, 'delta', 'lagged', 1, 0.5);
    ctl.forEach((row, j) => row.forEach((g, c) => near(g, lagD[j][c])));
  }
});

test('placements resolve and validate: own-step only for delta types, first-step only where it is paid', () => {
  assert.equal(resolvePlacement('clip-delta', 'auto'), 'own-step');
  assert.equal(resolvePlacement('pr', 'auto'), 'literal');
  assert.throws(() => resolvePlacement('clip', 'own-step'), /own-step.*clip/);
  const err = (v: object) => RlhfRewardMethodSchema.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') ?? '';
  assert.match(err({ type: 'pr', placement: 'own-step' }), /^placement: .*own-step/);
  assert.match(err({ type: 'first-step', placement: 'lagged' }), /^placement: /);
  assert.match(err({ type: 'delta', placement: 'next-step' }), /^placement: /);
  assert.equal(err({ type: 'clip-delta', placement: 'own-step' }), '');
});
