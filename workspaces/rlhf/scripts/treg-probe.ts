// How well T-REG's contrastive token reward r̂ finds the first wrong step of the SFT policy's greedy wrong
// answers on the held-out set (the same statistic as eval/treg_localization at iteration 0).
// Usage: node --import tsx workspaces/rlhf/scripts/treg-probe.ts <sft.json> [iterations] [batch] [lr]
import { readFileSync } from 'node:fs';
import { Rng } from '@creditlab/common';
import { ensureBackend } from '@creditlab/rl/backend';
import { GruModel } from '../src/model';
import { evaluatePolicy } from '../src/evaluate';
import { contrastiveTokenRewards, trainConditioning } from '../src/treg';
import { checkSolution, decode, DEFAULT_TASK, promptWidth, splitProblems, VOCAB_SIZE } from '../src/task';

await ensureBackend(undefined);
const [file, its = '200', batch = '64', lr = '0.002'] = process.argv.slice(2);
const { train, heldOut } = splitProblems(DEFAULT_TASK);
const W = promptWidth(DEFAULT_TASK);
const sft = new GruModel({ vocab: VOCAB_SIZE, hidden: 64, embedding: 16 }, 0);
sft.setWeights(JSON.parse(readFileSync(file, 'utf8')));
const cond = sft.clone({ trainable: true, seed: 2 });
const t0 = performance.now();
const losses = trainConditioning(cond, train, { iterations: +its, batchSize: +batch, lr: +lr }, { restateRate: 0.3, wrongRate: 0.1 }, W, new Rng(0).fork('treg'));
const e = evaluatePolicy(sft, heldOut, { promptWidth: W, maxTokens: 40 });
const rh = contrastiveTokenRewards(cond, heldOut, e.responses, W);
let hit = 0, wrong = 0, before = 0, after = 0;
const show: string[] = [];
heldOut.forEach((p, i) => {
  const c = checkSolution(p, e.responses[i]);
  if (c.success || c.firstWrong < 0) return;
  wrong++;
  let lo = 0;
  rh[i].forEach((x, t) => x < rh[i][lo] && (lo = t));
  const fw = c.steps[c.firstWrong];
  hit += +(lo >= fw.start && lo <= fw.end);
  before += +(lo < fw.start);
  after += +(lo > fw.end);
  if (show.length < 12) show.push(`${decode(e.responses[i])} first wrong ${fw.text}@${fw.start}-${fw.end} argmin ${lo} (${rh[i][lo].toFixed(2)})`);
});
console.log(show.join('\n'));
console.log(`before ${before} after ${after}`);
console.log(`conditioning ${its}×${batch} lr ${lr}: loss ${losses.at(-1)?.toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(0)} s; r̂ localization ${hit}/${wrong} = ${(hit / wrong).toFixed(3)}`);
