import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { initBackend } from '@creditlab/rl/backend';
import { collectMcLabels, firstErrorBinarySearch, mcLabels, prmScores, trainPrm } from '../src/prm';
import { GruModel } from '../src/model';
import { DEFAULT_TASK, VOCAB_SIZE, encodePrompt, promptWidth, splitProblems } from '../src/task';

test('Math-Shepherd hard/soft labels (docs/methods.md §8)', () => {
  const N = 8;
  const outcomes = [[true, false, false, false, false, false, false, false], new Array(N).fill(false), new Array(N).fill(true)];
  const { soft, hard } = mcLabels(outcomes);
  assert.deepEqual(soft, [1 / 8, 0, 1]);
  assert.deepEqual(hard, [1, 0, 1]);
  soft.forEach((s, i) => {
    assert.equal(hard[i] === 1, s > 0, 'hard = 1 exactly when soft > 0');
    assert.ok(Number.isInteger(s * N), 'soft ∈ {0, 1/N, …, 1}');
  });
});

test('OmegaPRM binary search matches a linear scan within ⌈log2 K⌉+1 queries', () => {
  const rng = new Rng(0);
  for (let trial = 0; trial < 200; trial++) {
    const K = 1 + rng.int(20);
    const err = rng.int(K + 1); // K means "no error"
    const mc = (k: number) => (k >= err ? 0 : 0.1 + rng.next());
    const linear = Array.from({ length: K }, (_, k) => k).find((k) => k >= err) ?? -1;
    const { index, queries } = firstErrorBinarySearch(K, mc);
    assert.equal(index, linear);
    assert.ok(queries <= Math.ceil(Math.log2(K)) + 1, `K=${K}: ${queries} queries`);
  }
});

test('MC labelling + PRM fit on a tiny model (smoke)', async () => {
  await initBackend();
  const W = promptWidth(DEFAULT_TASK);
  const { train } = splitProblems(DEFAULT_TASK);
  const completer = new GruModel({ vocab: VOCAB_SIZE, hidden: 16, embedding: 8 }, 0);
  const rng = new Rng(1);
  const data = collectMcLabels(completer, train, { count: 6, completions: 2, labels: 'soft', promptWidth: W, maxTokens: 12, rng });
  assert.equal(data.length, 6);
  for (const d of data) {
    assert.equal(d.labels.length, d.stepEnds.length);
    assert.ok(d.labels.every((l) => l === 0 || l === 0.5 || l === 1));
  }
  const prm = completer.clone({ trainable: true, valueHead: true });
  const losses = trainPrm(prm, [...data, { problem: train[0], response: [...'8;A:9.'].map(() => 16), stepEnds: [1], labels: [1] }], { iterations: 5, lr: 1e-2, batchSize: 4, promptWidth: W, rng });
  assert.ok(losses.every(Number.isFinite));
  const s = prmScores(prm, data.map((d) => encodePrompt(d.problem, W)), data.map((d) => d.response), data.map((d) => d.stepEnds), W);
  s.flat().forEach((v) => assert.ok(v > 0 && v < 1));
  completer.dispose();
  prm.dispose();
});
