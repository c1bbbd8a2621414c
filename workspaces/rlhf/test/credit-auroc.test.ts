import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Rng } from '@creditlab/common';
import { ensureBackend } from '@creditlab/rl/backend';
import { auroc, baselineCredits, creditAuroc, firstWrongSplit, sampleCreditSet } from '../src/credit-auroc';
import { GruModel } from '../src/model';
import { trainSft } from '../src/sft';
import { checkSolution, encode, splitProblems, DEFAULT_TASK, promptWidth, VOCAB_SIZE } from '../src/task';

test('AUROC: separated → 1, reversed → 0, constant → 0.5, ties count one half, empty class → NaN', () => {
  assert.equal(auroc([3, 4, 5], [0, 1, 2]), 1);
  assert.equal(auroc([0, 1], [2, 3, 4]), 0);
  assert.equal(auroc([7, 7, 7], [7, 7]), 0.5);
  // Pairs (pos, neg): (1,1) ½, (1,0) 1, (2,1) 1, (2,0) 1 → 3.5 / 4.
  assert.equal(auroc([1, 2], [1, 0]), 0.875);
  // (2,2) ½, (2,3) 0, (2,1) 1 → 1.5 / 3.
  assert.equal(auroc([2], [2, 3, 1]), 0.5);
  assert.ok(Number.isNaN(auroc([], [1])) && Number.isNaN(auroc([1], [])));
});

test('AUROC by midranks equals counting every (positive, negative) pair, on tied random data', () => {
  const rng = new Rng(7);
  for (let c = 0; c < 60; c++) {
    const draw = (n: number) => Array.from({ length: n }, () => Math.round(rng.normal() * 3) / 2);
    const pos = draw(1 + rng.int(15)), neg = draw(1 + rng.int(15));
    let wins = 0;
    for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
    assert.ok(Math.abs(auroc(pos, neg) - wins / (pos.length * neg.length)) < 1e-12, `case ${c}`);
  }
});

// 5 + 3 × 2: true steps 8, 11. '8;12;A:12.' is wrong from its second step ('12;', tokens 2–4).
const p = { start: 5, add: 3, count: 2 };
const wrong = encode('8;12;A:12.');
const check = checkSolution(p, wrong);

test('credit AUROC compares the first wrong step with the tokens before it; later tokens and correct answers are ignored', () => {
  assert.deepEqual(firstWrongSplit(check, wrong.length), { wrong: [2, 3, 4], before: [0, 1] });
  assert.equal(firstWrongSplit(checkSolution(p, encode('8;11;A:11.')), 10), null);
  const one = (credits: number[]) => creditAuroc([{ credits, check }]);
  const perfect = [0.3, 0.2, -1, -0.8, -0.9, 5, 5, 5, 5, 5];
  assert.deepEqual(one(perfect), { auroc: 1, positives: 3, negatives: 2 });
  assert.equal(one(perfect.map((x) => -x)).auroc, 0);
  assert.equal(one(perfect.map(() => 0.1)).auroc, 0.5);
  // What follows the first wrong step does not count, whatever it is.
  assert.equal(one([...perfect.slice(0, 5), -9, -9, 9, -9, 9]).auroc, 1);
  // One tie between a wrong-step token and an earlier one: (6 − 0.5) / 6.
  assert.ok(Math.abs(one([0.3, 0.1, -1, 0.1, -0.9, 0, 0, 0, 0, 0]).auroc - 5.5 / 6) < 1e-12);
  // A correct answer adds nothing; a first-step error adds positives only, so pooling compares across responses.
  const right = { credits: new Array(10).fill(-5), check: checkSolution(p, encode('8;11;A:11.')) };
  assert.equal(creditAuroc([{ credits: perfect, check }, right]).auroc, 1);
  const firstWrong = { credits: [0.25, 0.25, 0, 0, 0, 0, 0], check: checkSolution(p, encode('9;12;A:12.')) };
  const pooled = creditAuroc([{ credits: perfect, check }, firstWrong]);
  assert.equal(pooled.positives, 5);
  assert.equal(pooled.negatives, 2);
  // Its two tokens (credit 0.25) sit between the earlier tokens' 0.2 and 0.3: each beats one of the two.
  assert.equal(pooled.auroc, (3 * 2 + 2 * 1) / 10);
});

test('the credit set is a function of the seed and the SFT model only, read back identically from its cache; baselines on it', async () => {
  await ensureBackend('wasm');
  const { train, heldOut } = splitProblems(DEFAULT_TASK);
  const W = promptWidth(DEFAULT_TASK);
  const m = new GruModel({ vocab: VOCAB_SIZE, hidden: 16, embedding: 8 }, 1);
  // A few SFT iterations, so that some answers get a step right before going wrong.
  await trainSft(m, train, { iterations: 30, batchSize: 16, lr: 0.03, gradClip: 1, restateRate: 0.3, wrongRate: 0.1 }, W, new Rng(0));
  const probs = heldOut.slice(0, 12);
  const opts = { samples: 4, promptWidth: W, maxTokens: 40 };
  const dir = mkdtempSync(join(tmpdir(), 'credit-set-'));
  try {
    const a = sampleCreditSet(m, probs, { ...opts, seed: 4, cacheFile: join(dir, 'set.json') });
    assert.ok(a.responses.length > 5, 'a barely trained model writes mostly wrong answers');
    assert.ok(a.checks.some((c) => c.firstWrong > 0), 'some go wrong after a correct step');
    a.checks.forEach((c, i) => assert.ok(firstWrongSplit(c, a.responses[i].length)));
    assert.deepEqual(sampleCreditSet(m, probs, { ...opts, seed: 4 }), a, 'same seed, same set');
    assert.notDeepEqual(sampleCreditSet(m, probs, { ...opts, seed: 5 }).responses, a.responses, 'another seed, another set');
    const other = new GruModel({ vocab: VOCAB_SIZE, hidden: 16, embedding: 8 }, 2);
    assert.deepEqual(sampleCreditSet(other, probs, { ...opts, seed: 4, cacheFile: join(dir, 'set.json') }), a, 'the cached set wins');
    other.dispose();
    const b = baselineCredits(m, a, W);
    const score = (credits: number[][]) => creditAuroc(credits.map((c, i) => ({ credits: c, check: a.checks[i] }))).auroc;
    assert.equal(score(b.uniform), 0.5);
    // Suspecting only the first token: positives at t = 0 are exactly the first-step errors.
    assert.equal(score(b['first-token']), creditAuroc(a.responses.map((r, i) => ({ credits: r.map((_, t) => (t ? 0 : -1)), check: a.checks[i] }))).auroc);
    for (const [name, credits] of Object.entries(b)) {
      assert.deepEqual(credits.map((r) => r.length), a.responses.map((r) => r.length), name);
      const s = score(credits);
      assert.ok(s >= 0 && s <= 1, `${name} ${s}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    m.dispose();
  }
});
