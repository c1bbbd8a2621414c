// The reward-hacking rule the workbench shows (workspaces/stats/src/hacking.ts), on synthetic curves whose
// answer is known: pure functions, no browser.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { detectHacking, hackingPair, spearman } from '../src/hacking';

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

  test('pairs: shaped vs episodic return (RL), reward vs accuracy (RLHF)', () => {
    assert.deepEqual(hackingPair(['charts/episodic_return', 'charts/shaped_return', 'losses/x']), names);
    assert.deepEqual(hackingPair(['train/reward', 'eval/accuracy']), { proxy: 'train/reward', truth: 'eval/accuracy' });
    assert.equal(hackingPair(['charts/episodic_return']), null);
  });
});
