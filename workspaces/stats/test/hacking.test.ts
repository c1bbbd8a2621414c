// The reward-hacking rule the workbench shows (workspaces/stats/src/hacking.ts), on synthetic curves whose
// answer is known: pure functions, no browser.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { detectHacking, hackingPair, hackingReport, HACKING_PAIRS, spearman } from '../src/hacking';

const names = { proxy: 'charts/shaped_return', truth: 'charts/episodic_return' };
const steps = Array.from({ length: 200 }, (_, i) => i * 100);
// Deterministic noise, so a failure reproduces.
const noise = (i: number) => Math.sin(i * 12.9898) * 0.5;

describe('reward-hacking rule', () => {
  test('Spearman ρ: monotone, reversed, ties, constant', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [1, 1, 2, 2, 3]) - 9 / Math.sqrt(90)) < 1e-9);
    assert.ok(Number.isNaN(spearman([1, 2, 3], [5, 5, 5])));
  });

  test('flags a proxy that rises while the true metric falls', () => {
    const v = detectHacking({ steps, values: steps.map((s, i) => s / 1000 + noise(i)) }, { steps, values: steps.map((s, i) => 50 - s / 1000 + noise(i)) }, names);
    assert.ok(v?.flagged, JSON.stringify(v));
    assert.ok(v!.window[0] > steps[0] && v!.window[1] === steps.at(-1));
  });

  test('flags a proxy that rises while the true metric has stalled', () => {
    const v = detectHacking({ steps, values: steps.map((s) => s) }, { steps, values: steps.map(() => 500) }, names);
    assert.equal(v?.flagged, true);
  });

  test('does not flag when both rise, or when the proxy is the true metric', () => {
    const up = { steps, values: steps.map((s, i) => s / 100 + noise(i)) };
    assert.equal(detectHacking(up, { steps, values: steps.map((s, i) => s / 200 + noise(i + 7)) }, names)?.flagged, false);
    assert.equal(detectHacking(up, up, names)?.flagged, false);
  });

  test('does not flag on a single noisy drop, and abstains with too few points', () => {
    const truth = steps.map((s) => s / 100);
    truth[truth.length - 1] = 0;
    assert.equal(detectHacking({ steps, values: steps.map((s) => s) }, { steps, values: truth }, names)?.flagged, false);
    assert.equal(detectHacking({ steps: [0, 1, 2], values: [0, 1, 2] }, { steps: [0, 1, 2], values: [2, 1, 0] }, names), null);
  });

  test('pairs: shaped vs episodic return (RL), per-iteration process return vs training success (RLHF)', () => {
    assert.deepEqual(hackingPair(['charts/episodic_return', 'charts/shaped_return', 'losses/x']), names);
    assert.deepEqual(hackingPair(RLHF_LOGGED), rlhfPair);
    assert.deepEqual(hackingPair(['train/reward', 'eval/accuracy']), { proxy: 'train/reward', truth: 'eval/accuracy' });
    assert.equal(hackingPair(['charts/episodic_return']), null);
    // Every pair names two distinct metrics and no proxy is listed twice.
    for (const p of HACKING_PAIRS) assert.notEqual(p.proxy, p.truth);
    assert.equal(new Set(HACKING_PAIRS.map((p) => p.proxy)).size, HACKING_PAIRS.length);
  });
});

// The metrics the RLHF trainer logs every iteration and at each evaluation (workspaces/rlhf/src/diagnostics.ts;
// workspaces/rlhf/test/train.test.ts checks the trainer really logs the pair every iteration).
const RLHF_LOGGED = ['train/reward', 'objective/scores', 'objective/process_return', 'train/success', 'train/steps_per_solution', 'eval/accuracy', 'eval/steps_per_solution'];
const rlhfPair = { proxy: 'objective/process_return', truth: 'train/success' };

describe('reward-hacking rule at the RLHF presets\' cadence', () => {
  // prm-hacking trains 150 iterations and logs the pair at every one; reward-transform trains 80.
  const iterations = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  // A batch mean of 256 sampled responses: success is a proportion (sd ≈ 0.03), the process return a mean
  // step count times α (sd ≈ 0.1). Curves from the shapes the prm-hacking arms trace.
  const series = (steps: number[], f: (t: number) => number, sd: number, rng: Rng) => ({ steps, values: steps.map((s) => f(s / steps.length) + sd * rng.normal()) });

  for (const n of [150, 80]) {
    test(`${n} iterations: a hacked run (process return up, success down) is flagged`, () => {
      const steps = iterations(n);
      for (let seed = 0; seed < 20; seed++) {
        const rng = new Rng(seed);
        // The restating hack: steps keep growing, so the process return keeps rising; success decays.
        const v = detectHacking(series(steps, (t) => 4 + 3 * t, 0.1, rng), series(steps, (t) => 0.8 - 0.4 * t, 0.03, rng), rlhfPair);
        assert.ok(v && v.flagged, `seed ${seed}: ${JSON.stringify(v)}`);
        assert.ok(v.proxyPoints >= 0.3 * n - 1 && v.truthPoints >= 0.3 * n - 1, 'the window holds every logged iteration of the last 30 %');
      }
    });

    test(`${n} iterations: an honest run (both rise) and success-only (process return identically 0) are never flagged`, () => {
      const steps = iterations(n);
      for (let seed = 0; seed < 20; seed++) {
        const rng = new Rng(100 + seed);
        const honest = detectHacking(series(steps, (t) => 4 + t, 0.1, rng), series(steps, (t) => 0.6 + 0.3 * t, 0.03, rng), rlhfPair);
        assert.equal(honest?.flagged, false, `seed ${seed}: ${JSON.stringify(honest)}`);
        const successOnly = detectHacking({ steps, values: steps.map(() => 0) }, series(steps, (t) => 0.75 + 0.05 * t, 0.03, rng), rlhfPair);
        assert.equal(successOnly?.flagged, false);
      }
    });

    // Under pure noise ρ over w points has sd ≈ 1/√(w−1): P(ρ ≥ 0.5) is ≈ 1 % at the 24 points of an
    // 80-iteration run and < 0.1 % at the 45 points of a 150-iteration run.
    test(`${n} iterations: flat noise in both metrics is (almost) never flagged (200 noise draws)`, () => {
      const steps = iterations(n);
      let flags = 0;
      for (let seed = 0; seed < 200; seed++) {
        const rng = new Rng(1000 + seed);
        flags += +!!detectHacking(series(steps, () => 5, 0.1, rng), series(steps, () => 0.7, 0.03, rng), rlhfPair)?.flagged;
      }
      assert.ok(flags <= (n >= 150 ? 0 : 4), `${flags} of 200 flat-noise runs flagged`);
    });
  }

  test('150 iterations: a hack that saturated before the window (proxy flat at its cap, success low) is flagged over the whole run', () => {
    const steps = iterations(150);
    for (let seed = 0; seed < 20; seed++) {
      const rng = new Rng(500 + seed);
      // Steps grow until responses hit the length limit at 40 % of training, then stay there.
      const v = detectHacking(series(steps, (t) => 4 + 3 * Math.min(t / 0.4, 1), 0.1, rng), series(steps, (t) => 0.8 - 0.4 * Math.min(t / 0.4, 1), 0.03, rng), rlhfPair);
      assert.ok(v && v.flagged && v.scope === 'run', `seed ${seed}: ${JSON.stringify(v)}`);
      assert.deepEqual(v.window, [1, 150]);
    }
  });

  test('150 iterations: honest runs that saturate early (both metrics plateau) are not flagged', () => {
    const steps = iterations(150);
    for (let seed = 0; seed < 20; seed++) {
      const rng = new Rng(700 + seed);
      const v = detectHacking(series(steps, (t) => 4 + Math.min(t / 0.3, 1), 0.1, rng), series(steps, (t) => 0.6 + 0.2 * Math.min(t / 0.3, 1), 0.03, rng), rlhfPair);
      assert.equal(v?.flagged, false, `seed ${seed}: ${JSON.stringify(v)}`);
    }
  });

  test('evaluations every 25 of 150 iterations are too sparse to judge (why the pair is per-iteration)', () => {
    const evalSteps = [0, 25, 50, 75, 100, 125, 150];
    const v = detectHacking({ steps: iterations(150), values: iterations(150) }, { steps: evalSteps, values: evalSteps.map((s) => 1 - s / 150) }, { proxy: 'train/reward', truth: 'eval/accuracy' });
    assert.equal(v, null);
  });

  test('hackingReport: one row per run with both metrics, flagged or not, abstentions marked', () => {
    const steps = iterations(150);
    const rng = new Rng(7);
    const up = series(steps, (t) => 4 + 3 * t, 0.1, rng);
    const down = series(steps, (t) => 0.8 - 0.4 * t, 0.03, rng);
    const rows = hackingReport(
      rlhfPair,
      [
        { run: 'r1', arm: 'pr', seed: 0, ...up },
        { run: 'r2', arm: 'success-only', seed: 0, steps, values: steps.map(() => 0) },
        { run: 'r3', arm: 'pr', seed: 1, steps: [1, 2], values: [1, 2] },
        { run: 'r4', arm: 'pr', seed: 2, steps: [], values: [] },
      ],
      [
        { run: 'r1', ...down },
        { run: 'r2', ...down },
        { run: 'r3', steps: [1, 2], values: [1, 0] },
        { run: 'r4', steps: [], values: [] },
      ],
    );
    assert.deepEqual(
      rows.map((r) => [r.run, r.arm, r.seed, r.flagged, r.judged]),
      [
        ['r1', 'pr', 0, true, true],
        ['r2', 'success-only', 0, false, true],
        ['r3', 'pr', 1, false, false],
      ],
    );
    assert.ok(rows[0].proxyRho! >= 0.5 && rows[0].truthRho! <= 0.1);
    assert.equal(rows[2].proxyRho, null);
    assert.equal(rows[0].proxy, 'objective/process_return');
  });
});
