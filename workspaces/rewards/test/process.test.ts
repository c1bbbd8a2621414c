import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { processClip, processDelta, processClipDelta, refineProcessRewards, OnlineProcessRefiner, type ProcessMethod, type Placement } from '../src/index';

const close = (a: readonly number[], b: readonly number[], tol = 1e-12) => {
  assert.equal(a.length, b.length, `${a} vs ${b}`);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `[${i}] ${x} vs ${b[i]} (${a} vs ${b})`));
};
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

// docs/methods.md §1 fixture: r_p = [0.7, 0.2, 0.4, 0.8], α = 1, η = 0.5, Correct = 1.
const rp = [0.7, 0.2, 0.4, 0.8];
const correct = 1;

test('Clip fixture: [0, −0.3, −0.1, 0], return 0.6; no step reward > 0', () => {
  const r = processClip(rp, 0.5);
  close(r, [0, -0.3, -0.1, 0]);
  assert.ok(Math.abs(sum(r) + correct - 0.6) < 1e-12);
  assert.ok(r.every((x) => x <= 0));
});

test('Clip: appending duplicate steps with r_p ≥ η leaves the return unchanged', () => {
  const base = sum(processClip(rp, 0.5));
  for (let n = 1; n <= 5; n++) assert.equal(sum(processClip([...rp, ...Array(n).fill(0.9)], 0.5)), base);
});

test('Delta fixture: [0.5, −0.2, 0.4, 0], return 1.7 = r_p(1) + Correct', () => {
  const r = processDelta(rp);
  close(r, [0.5, -0.2, 0.4, 0]);
  assert.ok(Math.abs(sum(r) + correct - (rp[0] + correct)) < 1e-12);
});

test('Delta: every suffix sum from t ≤ K−2 (0-based) is α·r_p(t); the last score changes nothing; K = 1 gives Correct', () => {
  const rng = new Rng(1);
  for (let trial = 0; trial < 50; trial++) {
    const K = 2 + rng.int(8);
    const s = Array.from({ length: K }, () => rng.next());
    const alpha = 0.5 + rng.next();
    const { rewards } = refineProcessRewards(s, { method: 'delta', alpha, placement: 'step-k' });
    for (let t = 0; t <= K - 2; t++) assert.ok(Math.abs(sum(rewards.slice(t)) - alpha * s[t]) < 1e-12);
    const changed = [...s.slice(0, -1), 123];
    close(processDelta(changed), processDelta(s));
  }
  assert.deepEqual(processDelta([0.9]), [0]);
});

test('Clip-Delta fixture: [0.3, −0.2, −0.1, 0], return 1.0 = α·min(r_p(1) − η, 0) + Correct ≤ Correct', () => {
  const r = processClipDelta(rp, 0.5);
  close(r, [0.3, -0.2, -0.1, 0]);
  assert.ok(Math.abs(sum(r) + correct - 1.0) < 1e-12);
  const rng = new Rng(2);
  for (let trial = 0; trial < 50; trial++) {
    const s = Array.from({ length: 1 + rng.int(8) }, () => rng.next());
    const c = processClipDelta(s, 0.5);
    for (let t = 0; t < s.length; t++) assert.ok(sum(c.slice(t)) <= 1e-12, 'no suffix beats Correct');
  }
});

test('placement: "step-k" pays r_k at step k; "step-k+1" one step later, the last term with the last step', () => {
  const lit = refineProcessRewards(rp, { method: 'delta', placement: 'step-k' });
  assert.deepEqual(lit.paidAt, [0, 1, 2, 3]);
  close(lit.perStep, [0.5, -0.2, 0.4, 0]);
  const causal = refineProcessRewards(rp, { method: 'delta', placement: 'step-k+1' });
  assert.deepEqual(causal.paidAt, [1, 2, 3, 3]);
  close(causal.perStep, [0, 0.5, -0.2, 0.4]);
  // Under step-k+1, the reward paid at step j depends only on steps ≤ j: change the future, the past stays.
  const changed = refineProcessRewards([0.7, 0.2, 0.9, 0.1, 0.3], { method: 'delta', placement: 'step-k+1' });
  close(changed.perStep.slice(0, 3), refineProcessRewards([0.7, 0.2, 0.9, 0.5, 0.5, 0.5], { method: 'delta', placement: 'step-k+1' }).perStep.slice(0, 3));
  // Totals do not depend on placement.
  for (const method of ['pr', 'clip', 'delta', 'clip-delta'] as ProcessMethod[]) {
    const a = refineProcessRewards(rp, { method, eta: 0.5, placement: 'step-k' });
    const b = refineProcessRewards(rp, { method, eta: 0.5, placement: 'step-k+1' });
    assert.ok(Math.abs(sum(a.perStep) - sum(b.perStep)) < 1e-12, method);
  }
});

test('online refiner equals the offline perStep for random sequences', () => {
  const rng = new Rng(3);
  const cases: [ProcessMethod, Placement][] = [
    ['pr', 'step-k'], ['pr', 'step-k+1'], ['clip', 'step-k'], ['clip', 'step-k+1'], ['delta', 'step-k+1'], ['clip-delta', 'step-k+1'],
  ];
  for (const [method, placement] of cases) {
    const on = new OnlineProcessRefiner({ method, alpha: 0.7, eta: 0.4, placement });
    for (let trial = 0; trial < 30; trial++) {
      const s = Array.from({ length: 1 + rng.int(7) }, () => rng.next());
      const want = refineProcessRewards(s, { method, alpha: 0.7, eta: 0.4, placement }).perStep;
      close(s.map((x, i) => on.push(x, i === s.length - 1)), want, 1e-12);
    }
  }
  assert.throws(() => new OnlineProcessRefiner({ method: 'delta', placement: 'step-k' }), /step-k\+1/);
});
