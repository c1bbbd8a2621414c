// Measures SFT speed and accuracy at the prototype's hyperparameters (manual probe, not a test).
import { Rng } from '@creditlab/common';
import { initBackend } from '@creditlab/rl/backend';
import { GruModel } from '../src/model';
import { trainSft } from '../src/sft';
import { evaluatePolicy } from '../src/evaluate';
import { DEFAULT_TASK, VOCAB_SIZE, promptWidth, splitProblems } from '../src/task';

const iters = Number(process.argv[2] ?? 500);
const lr = Number(process.argv[3] ?? 2e-3);
const bs = Number(process.argv[4] ?? 128);
console.log('backend', await initBackend());
const { train, heldOut } = splitProblems(DEFAULT_TASK);
const W = promptWidth(DEFAULT_TASK);
const model = new GruModel({ vocab: VOCAB_SIZE, hidden: 64, embedding: 16 }, 0);
const t0 = performance.now();
let tokens = 0;
await trainSft(model, train, { iterations: iters, batchSize: bs, lr, gradClip: 1, restateRate: 0.3, wrongRate: 0.1 }, W, new Rng(0), (it, loss) => {
  if ((it + 1) % 250 === 0) {
    const e = evaluatePolicy(model, heldOut, { promptWidth: W, maxTokens: 40 });
    const s = evaluatePolicy(model, heldOut, { promptWidth: W, maxTokens: 40, greedy: false, rng: new Rng(it) });
    console.log(it + 1, loss.toFixed(4), `${((performance.now() - t0) / 1000).toFixed(1)}s`, 'greedy', e.accuracy.toFixed(3), 'steps', e.stepsPerSolution.toFixed(2), 'rep', e.repeatFraction.toFixed(3), 'sampled', s.accuracy.toFixed(3), 'steps', s.stepsPerSolution.toFixed(2));
  }
});
