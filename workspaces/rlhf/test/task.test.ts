import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import {
  DEFAULT_TASK, SYMBOLS, VOCAB_SIZE, allProblems, checkSolution, decode, encode, encodePrompt, promptOf, promptWidth, sftSolution, solutionOf, splitProblems,
} from '../src/task';

const p = { start: 5, add: 3, count: 4 };
const check = (s: string) => checkSolution(p, encode(s));

test('format, vocabulary and split', () => {
  assert.equal(promptOf(p), 'Q:5+3*4=');
  assert.equal(solutionOf(p), '8;11;14;17;A:17.');
  assert.equal(SYMBOLS.length, 18);
  assert.equal(VOCAB_SIZE, 19);
  assert.equal(decode(encode('Q:5+3*4=8;A:17.')), 'Q:5+3*4=8;A:17.');
  assert.equal(allProblems(DEFAULT_TASK).length, 1064);
  const { train, heldOut } = splitProblems(DEFAULT_TASK);
  assert.equal(heldOut.length, 213);
  assert.equal(train.length + heldOut.length, 1064);
  const key = (q: typeof p) => promptOf(q);
  const trainKeys = new Set(train.map(key));
  assert.ok(heldOut.every((q) => !trainKeys.has(key(q))), 'held-out problems never appear in training');
  assert.deepEqual(splitProblems(DEFAULT_TASK).heldOut, heldOut, 'split is deterministic');
  const w = promptWidth(DEFAULT_TASK);
  assert.equal(w, 9);
  assert.equal(encodePrompt(p, w).length, 9);
  assert.equal(encodePrompt(p, w)[0], 0);
});

test('checker: correct, restated, wrong, malformed, truncated', () => {
  const ok = check('8;11;14;17;A:17.');
  assert.equal(ok.success, true);
  assert.equal(ok.firstWrong, -1);
  assert.deepEqual(ok.steps.map((s) => s.kind), ['number', 'number', 'number', 'number', 'answer']);
  assert.deepEqual(ok.steps.map((s) => [s.start, s.end]), [[0, 1], [2, 4], [5, 7], [8, 10], [11, 15]]);

  const restated = check('8;11;11;8;14;17;A:17.');
  assert.equal(restated.success, true);
  assert.deepEqual(restated.steps.map((s) => s.correct), [true, true, true, true, true, true, true], 'restating an earlier true step counts as correct');
  assert.deepEqual(restated.steps.map((s) => s.repeat), [false, false, true, true, false, false, false]);

  const wrong = check('8;12;15;18;A:18.');
  assert.equal(wrong.success, false);
  assert.equal(wrong.firstWrong, 1);
  assert.deepEqual(wrong.steps.map((s) => s.correct), [true, false, false, false, false], 'nothing after a wrong step is correct');

  // A restatement of a step not yet reached is not an earlier true step.
  assert.equal(check('8;14;A:17.').firstWrong, 1);
  // Skipping steps but answering right: success (exact final answer), all steps correct.
  assert.equal(check('8;A:17.').success, true);
  assert.equal(check('A:16.').firstWrong, 0);
  assert.equal(check('8;;A:17.').steps[1].kind, 'malformed');
  assert.equal(check('8;A17.').steps[1].kind, 'malformed');

  const trunc = check('8;11;11;11;1');
  assert.equal(trunc.finished, false);
  assert.equal(trunc.success, false);
  assert.equal(trunc.steps.length, 4, 'the unfinished segment is not a step');
});

test('SFT data: imperfection rates and well-formedness', () => {
  const rng = new Rng(1);
  const cfg = { restateRate: 0.3, wrongRate: 0.1 };
  const { train } = splitProblems(DEFAULT_TASK);
  let restated = 0, wrong = 0, clean = 0;
  const N = 4000;
  for (let i = 0; i < N; i++) {
    const q = train[rng.int(train.length)];
    const s = sftSolution(q, cfg, rng);
    const c = checkSolution(q, encode(s));
    assert.ok(c.finished);
    if (!c.success) {
      wrong++;
      assert.ok(c.steps.filter((x) => !x.correct).length >= 1);
    } else if (c.steps.some((x) => x.repeat)) {
      restated++;
      const reps = c.steps.filter((x) => x.repeat).length;
      assert.ok(reps >= 1 && reps <= 2);
    } else {
      clean++;
      assert.equal(s, solutionOf(q));
    }
  }
  assert.ok(Math.abs(wrong / N - 0.1) < 0.02, `wrong ${wrong / N}`);
  // A restatement can coincide with a distinct value only when add = 0, which the default task excludes.
  assert.ok(Math.abs(restated / N - 0.3) < 0.03, `restated ${restated / N}`);
  assert.equal(clean + restated + wrong, N);
});

test('addition-chain (the harder form): prompt, partial sums, checker, distinct problems, width', () => {
  const c = { start: 5, add: 3, count: 3, addends: [3, 4, 2] };
  assert.equal(promptOf(c), 'Q:5+3+4+2=');
  assert.equal(solutionOf(c), '8;12;14;A:14.');
  const ok = checkSolution(c, encode('8;12;8;14;A:14.'));
  assert.ok(ok.success && ok.firstWrong === -1, 'a restated partial sum is correct, as in repeated addition');
  assert.ok(ok.steps[2].repeat);
  const bad = checkSolution(c, encode('8;11;13;A:13.'));
  assert.equal(bad.firstWrong, 1);
  assert.ok(!bad.success);
  const cfg = { ...DEFAULT_TASK, form: 'addition-chain' as const, chainProblems: 500 };
  const all = allProblems(cfg);
  assert.equal(all.length, 500);
  assert.equal(new Set(all.map(promptOf)).size, 500, 'distinct prompts');
  assert.deepEqual(allProblems(cfg), all, 'the same set for every run (drawn with the split seed)');
  for (const q of all) {
    assert.ok(q.addends!.length >= cfg.countMin && q.addends!.length <= cfg.countMax);
    assert.ok(q.addends!.every((a) => a >= cfg.addMin && a <= cfg.addMax));
  }
  const w = promptWidth(cfg);
  assert.equal(w, 'Q:18+8+8+8+8+8+8+8='.length);
  assert.ok(all.every((q) => encodePrompt(q, w).length === w));
  const rng = new Rng(1);
  for (const q of all.slice(0, 50)) assert.ok(checkSolution(q, encode(sftSolution(q, { restateRate: 0.3, wrongRate: 0 }, rng))).success);
});
