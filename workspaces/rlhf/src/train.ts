// The RLHF run: SFT (cached), a frozen reference, a reward model, then RL on the token-level MDP with the
// configured algorithm and reward method; greedy held-out diagnostics along the way.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, hashValue } from '@creditlab/common';
import { RlhfRunConfigSchema, type Compute, type RlhfRunConfig, type RunContext, type TrainFn } from '@creditlab/spec';
import { ensureBackend } from '@creditlab/rl/backend';
import { fromSnapshot, loadTfState, maybeSaveResume, restoreInto, resumeState, saveTfState, type TfState } from '@creditlab/rl/resume';
import { GruModel, PolicyGradientStep, batchTensors, clippedStep, gruImplOf, recordCompute, type Weights } from './model';
import { trainSft } from './sft';
import { collectMcLabels, prmScores, trainPrm } from './prm';
import { logSigmoid, quantile } from '@creditlab/rewards';
import { delimiterMacros, fixedMacros, macroGae, perplexityMacros } from './macro';
import { evaluatePolicy } from './evaluate';
import { checkSolution, decode, DEFAULT_TASK, encodePrompt, promptOf, promptWidth, splitProblems, TOK, VOCAB_SIZE, type Problem, type SolutionCheck, type TaskConfig } from './task';
import { resolvePlacement, returnsToGo, stepPayments, tokenRewards } from './process-reward';
import { gae, klPerToken, looBaseline, mean, std } from './advantages';
import { dpoPairLoss, k3KlLoss, pgLoss, ppoPolicyLoss, valueLoss } from './losses';
import { confidenceTokenRewards, contrastiveTokenRewards, oracleTokenRewards, trainConditioning, tregPairLoss } from './treg';
import { baselineCredits, creditAuroc, sampleCreditSet, tokenLogProbs, type CreditSet } from './credit-auroc';
import { sigmoid } from './dpo';

export function taskConfigOf(cfg: RlhfRunConfig): TaskConfig {
  const { type, ...rest } = cfg.task;
  return { ...DEFAULT_TASK, ...rest, form: type };
}

/** Where SFT checkpoints are cached: $CREDITLAB_CACHE_DIR, else the OS temp folder. */
export function cacheDir(): string {
  return process.env.CREDITLAB_CACHE_DIR ?? join(tmpdir(), 'creditlab-cache');
}

export function sftCacheKey(cfg: RlhfRunConfig): string {
  // The run seed is deliberately absent: one SFT model serves every arm and seed of an experiment.
  // chainProblems only shapes addition chains; leaving it out otherwise keeps existing checkpoints' keys.
  const task = cfg.task.type === 'addition-chain' ? cfg.task : { ...cfg.task, chainProblems: undefined };
  // The tfjs path trains a slightly different SFT model (float32 rounding); the fused path keeps the old keys.
  const compute = cfg.compute === 'tfjs' ? { compute: 'tfjs' } : {};
  return hashValue({ v: 1, task, model: cfg.model, sft: { ...cfg.sft, cache: undefined }, ...compute });
}

async function sftPolicy(cfg: RlhfRunConfig, train: Problem[], W: number, ctx: RunContext): Promise<GruModel> {
  const model = new GruModel({ vocab: VOCAB_SIZE, hidden: cfg.model.hidden, embedding: cfg.model.embedding }, cfg.sft.seed);
  model.impl = gruImplOf(cfg.compute === 'tfjs' ? 'tfjs' : 'fused'); // every other model is a clone of this one
  const file = join(cacheDir(), `rlhf-sft-${sftCacheKey(cfg)}.json`);
  if (cfg.sft.cache && existsSync(file)) {
    model.setWeights(JSON.parse(readFileSync(file, 'utf8')) as Weights);
    ctx.info(`SFT: reused ${file}`);
    return model;
  }
  const t0 = performance.now();
  const losses = await trainSft(model, train, cfg.sft, W, new Rng(cfg.sft.seed).fork('sft'), (it, loss) => {
    if ((it + 1) % 250 === 0) ctx.info(`SFT ${it + 1}/${cfg.sft.iterations}: loss ${loss.toFixed(4)}`);
    return !ctx.cancelled();
  });
  const secs = (performance.now() - t0) / 1000;
  ctx.info(`SFT: ${losses.length} iterations in ${secs.toFixed(1)} s, final loss ${losses.at(-1)?.toFixed(4)}`);
  if (cfg.sft.cache && losses.length === cfg.sft.iterations) {
    mkdirSync(cacheDir(), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(model.getWeights()));
    renameSync(tmp, file); // atomic, so a concurrent run never reads half a checkpoint
  }
  return model;
}

/** Per-step PRM scores r_p(k) for a batch of checked responses. */
export type StepScorer = (problems: Problem[], responses: number[][], checks: SolutionCheck[]) => number[][];

/** The step checker as a PRM; `noise` (Gaussian std, clipped to [0,1]) and `flip` degrade it on purpose. */
export function oracleScorer(noise: number, flip: number, rng: Rng): StepScorer {
  return (_p, _r, checks) =>
    checks.map((check) =>
      check.steps.map((s) => {
        let v = s.correct ? 1 : 0;
        if (flip > 0 && rng.next() < flip) v = 1 - v;
        if (noise > 0) v = Math.min(1, Math.max(0, v + noise * rng.normal()));
        return v;
      }),
    );
}

async function buildScorer(cfg: RlhfRunConfig, sft: GruModel, train: Problem[], W: number, maxTokens: number, rng: Rng, ctx: RunContext): Promise<{ scorer: StepScorer; digest(): string | null; dispose(): void }> {
  const rm = cfg.rewardModel;
  if (rm.type === 'oracle') return { scorer: oracleScorer(rm.noise, rm.flip, rng), digest: () => null, dispose() {} };
  const prm = sft.clone({ trainable: true, valueHead: true, seed: cfg.sft.seed + 1 });
  const file = join(cacheDir(), `rlhf-prm-${hashValue({ v: 1, sft: sftCacheKey(cfg), rm })}.json`);
  if (cfg.sft.cache && existsSync(file)) {
    prm.setWeights(JSON.parse(readFileSync(file, 'utf8')) as Weights);
    ctx.info(`PRM: reused ${file}`);
  } else {
    const t0 = performance.now();
    const prmRng = new Rng(cfg.sft.seed).fork('mc-prm');
    const data = collectMcLabels(sft, train, { count: rm.problems, completions: rm.completions, labels: rm.labels, promptWidth: W, maxTokens, rng: prmRng });
    const losses = trainPrm(prm, data, { iterations: rm.iterations, lr: rm.lr, batchSize: 64, promptWidth: W, rng: prmRng });
    ctx.info(`PRM: ${data.length} solutions labelled (${rm.labels}, N=${rm.completions}), ${rm.iterations} iterations, loss ${losses.at(-1)?.toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (cfg.sft.cache) {
      mkdirSync(cacheDir(), { recursive: true });
      writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(prm.getWeights()));
      renameSync(`${file}.${process.pid}.tmp`, file);
    }
  }
  return {
    scorer: (problems, responses, checks) =>
      prmScores(prm, problems.map((p) => encodePrompt(p, W)), responses, checks.map((c) => c.steps.map((s) => s.end)), W),
    digest: () => prm.weightsDigest(),
    dispose: () => prm.dispose(),
  };
}

/** The careful/careless conditioned copy of the SFT model that scores T-REG's token rewards (cached like SFT). */
async function conditionedModel(cfg: RlhfRunConfig, sft: GruModel, train: Problem[], W: number, ctx: RunContext): Promise<GruModel> {
  const m = sft.clone({ trainable: true, seed: cfg.sft.seed + 2 });
  const { alpha: _alpha, source: _source, ...tc } = cfg.algo.treg;
  const file = join(cacheDir(), `rlhf-treg-${hashValue({ v: 3, sft: sftCacheKey(cfg), tc })}.json`);
  if (cfg.sft.cache && existsSync(file)) {
    m.setWeights(JSON.parse(readFileSync(file, 'utf8')) as Weights);
    ctx.info(`T-REG conditioned model: reused ${file}`);
    return m;
  }
  const t0 = performance.now();
  const losses = trainConditioning(m, train, tc, cfg.sft, W, new Rng(cfg.sft.seed).fork('treg'), cfg.task.maxResponseTokens);
  ctx.info(`T-REG conditioned model: ${losses.length} iterations in ${((performance.now() - t0) / 1000).toFixed(1)} s, final loss ${losses.at(-1)?.toFixed(4)}`);
  if (cfg.sft.cache) {
    mkdirSync(cacheDir(), { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(m.getWeights()));
    renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return m;
}

interface Scored {
  tokenRewards: number[];
  success: number;
  processReturn: number;
  check: SolutionCheck;
}

function scoreResponse(cfg: RlhfRunConfig, response: number[], check: SolutionCheck, rp: number[]): Scored {
  const success = check.success ? cfg.reward.success : 0;
  const m = cfg.reward;
  const pay = stepPayments(rp, m.type, m.eta, resolvePlacement(m.type, m.placement));
  const r = tokenRewards({ length: response.length, stepEnds: check.steps.map((s) => s.end), payments: pay, alpha: m.alpha, success });
  return { tokenRewards: r, success, processReturn: m.alpha * pay.reduce((a, b) => a + b, 0), check };
}

function scoreBatch(cfg: RlhfRunConfig, problems: Problem[], responses: number[][], scorer: StepScorer): Scored[] {
  const checks = problems.map((p, i) => checkSolution(p, responses[i]));
  const rps = cfg.reward.type === 'success' ? checks.map((c) => c.steps.map(() => 0)) : scorer(problems, responses, checks);
  return checks.map((c, i) => scoreResponse(cfg, responses[i], c, rps[i]));
}

const toMatrix = (rows: number[][], L: number) => {
  const out = new Float32Array(rows.length * L);
  rows.forEach((r, b) => out.set(r.slice(0, L), b * L));
  return tf.tensor2d(out, [rows.length, L]);
};

export const trainRlhf: TrainFn = async (ctx) => {
  const cfg = RlhfRunConfigSchema.parse(ctx.run.config);
  const backend = await ensureBackend(ctx.backend);
  const algoKey = `rlhf-${cfg.algo.type}`;
  const saved = resumeState(ctx, algoKey);
  cfg.compute = recordCompute(ctx, cfg, backend, saved ? (fromSnapshot(saved.compute) as Compute) : null);
  const task = taskConfigOf(cfg);
  const { train, heldOut } = splitProblems(task);
  const W = promptWidth(task);
  const root = new Rng(ctx.run.seed);
  const sampleRng = root.fork('sample');
  const promptRng = root.fork('prompts');
  const rmRng = root.fork('reward-model');
  const a = cfg.algo;
  const k = a.samplesPerPrompt;
  const isPpo = a.type === 'ppo';

  const sft = await sftPolicy(cfg, train, W, ctx);
  if (ctx.cancelled()) return;
  const ref = sft.clone();
  const policy = sft.clone({ trainable: true, valueHead: isPpo, seed: ctx.run.seed });
  sft.dispose();
  const cond = a.type === 'dpo' && a.treg.alpha > 0 && a.treg.source === 'contrastive' ? await conditionedModel(cfg, ref, train, W, ctx) : null;
  // T-REG's model-made r̂ (the oracle source needs the step check of each response and is built in the loop).
  const rhatOf: ((ps: Problem[], rs: number[][]) => number[][]) | null =
    a.type !== 'dpo' || a.treg.alpha === 0 || a.treg.source === 'oracle'
      ? null
      : a.treg.source === 'confidence'
        ? (ps, rs) => confidenceTokenRewards(ref, ps, rs, W)
        : (ps, rs) => contrastiveTokenRewards(cond!, ps, rs, W);
  // Every T-REG source's r̂, for the diagnostics and the credit view.
  const rhatFor = (ps: Problem[], rs: number[][], checks: SolutionCheck[]): number[][] | null =>
    a.type !== 'dpo' || a.treg.alpha === 0 ? null : rhatOf ? rhatOf(ps, rs) : rs.map((r, i) => oracleTokenRewards(r.length, checks[i]));
  if (ctx.cancelled()) return;
  const rmHandle = cfg.reward.type === 'success' ? null : await buildScorer(cfg, ref, train, W, task.maxResponseTokens, rmRng, ctx);
  const scorer: StepScorer = rmHandle ? rmHandle.scorer : (_p, _r, checks) => checks.map((c) => c.steps.map(() => 0));
  const opt = tf.train.adam(a.lr);
  // A plain policy-gradient loss (REINFORCE, RLOO, one-epoch GRPO without a KL term in the loss) on the fused
  // path is one fused update: head, loss, backward and Adam without tfjs ops (fused-update.ts).
  const plainPg = !isPpo && a.type !== 'dpo' && a.epochs === 1 && a.minibatches === 1 && !(cfg.kl.coef > 0 && cfg.kl.in === 'loss');
  const pgStep = plainPg && policy.impl === 'fused' ? new PolicyGradientStep(policy, a.lr, a.gradClip) : null;
  const evalSet = cfg.evaluation.problems > 0 ? heldOut.slice(0, cfg.evaluation.problems) : heldOut;
  const iterations = ctx.run.budget.steps;

  // Per-token credit of each response under this run's method: the shaped token rewards, or for DPO (no
  // explicit token rewards) the implicit reward β·log(π/π_ref) per token (r → Q*).
  const creditsOf = (problems: Problem[], responses: number[][]): Scored[] => {
    const all = scoreBatch(cfg, problems, responses, scorer);
    if (a.type === 'dpo') {
      const { tokens, mask } = batchTensors(problems.map((p) => encodePrompt(p, W)), responses);
      const d = tf.tidy(() => policy.responseLogProbs(tokens, W).logp.sub(ref.responseLogProbs(tokens, W).logp).mul(a.beta));
      const rows = d.arraySync() as number[][];
      tf.dispose([tokens, mask, d]);
      all.forEach((s, i) => (s.tokenRewards = rows[i].slice(0, responses[i].length)));
    }
    return all;
  };
  // eval/credit_auroc: one set of wrong SFT answers per seed, shared by every arm (credit-auroc.ts).
  let creditSet: CreditSet | null = null;
  let fixedAurocs: Record<string, number> = {};
  if (cfg.evaluation.creditSamples > 0 && !ctx.cancelled()) {
    const key = hashValue({ v: 1, sft: sftCacheKey(cfg), seed: ctx.run.seed, problems: evalSet.map(promptOf), samples: cfg.evaluation.creditSamples, maxTokens: task.maxResponseTokens });
    creditSet = sampleCreditSet(ref, evalSet, {
      samples: cfg.evaluation.creditSamples,
      seed: ctx.run.seed,
      promptWidth: W,
      maxTokens: task.maxResponseTokens,
      cacheFile: cfg.sft.cache ? join(cacheDir(), `rlhf-credit-set-${key}.json`) : undefined,
    });
    const set = creditSet;
    const score = (credits: number[][]) => creditAuroc(credits.map((c, i) => ({ credits: c, check: set.checks[i] }))).auroc;
    for (const [name, credits] of Object.entries(baselineCredits(ref, set, W))) fixedAurocs[`eval/credit_auroc_baseline/${name}`] = score(credits);
    // How well this run's own r̂ ranks the first wrong step (fixed: r̂ comes from frozen models or the checker).
    const rh = rhatFor(set.problems, set.responses, set.checks);
    if (rh) fixedAurocs['eval/credit_auroc_rhat'] = score(rh);
    fixedAurocs['eval/credit_set_wrong_answers'] = set.responses.length;
    fixedAurocs = Object.fromEntries(Object.entries(fixedAurocs).filter(([, v]) => Number.isFinite(v)));
    ctx.info(`credit set: ${set.responses.length} wrong answers of ${evalSet.length * cfg.evaluation.creditSamples} SFT samples`);
  }
  const refCreditLogp = creditSet && a.type === 'dpo' ? tokenLogProbs(ref, creditSet, W) : null;
  // The run's current per-token credit on the shared set: DPO's implicit reward, else the shaped token rewards.
  const currentCreditAuroc = (): Record<string, number> => {
    if (!creditSet) return {};
    const set = creditSet;
    const credits = refCreditLogp
      ? tokenLogProbs(policy, set, W).map((row, i) => row.map((l, t) => a.beta * (l - refCreditLogp[i][t])))
      : scoreBatch(cfg, set.problems, set.responses, scorer).map((s) => s.tokenRewards);
    const r = creditAuroc(credits.map((c, i) => ({ credits: c, check: set.checks[i] })));
    return Number.isFinite(r.auroc) ? { 'eval/credit_auroc': r.auroc, ...fixedAurocs } : { ...fixedAurocs };
  };

  const evaluate = (step: number) => {
    const e = evaluatePolicy(policy, evalSet, { promptWidth: W, maxTokens: task.maxResponseTokens });
    const all = creditsOf(evalSet, e.responses);
    const nShow = Math.min(cfg.evaluation.samples, evalSet.length);
    const rhat = rhatFor(evalSet.slice(0, nShow), e.responses.slice(0, nShow), all.slice(0, nShow).map((s) => s.check));
    ctx.log(step, {
      ...currentCreditAuroc(),
      'eval/accuracy': e.accuracy,
      'eval/steps_per_solution': e.stepsPerSolution,
      'eval/repeat_fraction': e.repeatFraction,
      'eval/truncated_fraction': e.truncatedFraction,
      'eval/response_length': e.responseLength,
      'eval/step_correctness': e.stepCorrectness,
    });
    // A few greedy solutions with the reward each token receives under this run's method, for the credit view.
    const shown = all;
    for (let i = 0; i < nShow; i++) {
      const p = evalSet[i];
      const resp = e.responses[i];
      const s = shown[i];
      ctx.sample(step, 'generation', {
        prompt: promptOf(p),
        response: decode(resp),
        tokens: resp.map((t) => decode([t])),
        // GenerationSample (workspaces/api): named per-token credit series for the UI's credit view.
        credits: {
          reward: s.tokenRewards,
          'return-to-go': returnsToGo(s.tokenRewards, a.gamma),
          ...(a.type === 'dpo' ? { dpo_implicit: s.tokenRewards } : {}),
          ...(rhat ? { [`rhat_${a.treg.source}`]: rhat[i] } : {}),
        },
        stepEnds: s.check.steps.map((x) => x.end),
        stepCorrect: s.check.steps.map((x) => x.correct),
        correct: s.check.success,
        reward: s.tokenRewards.reduce((acc, r) => acc + r, 0),
        tokenCredits: s.tokenRewards,
        returns: returnsToGo(s.tokenRewards, a.gamma),
        success: s.check.success,
        firstWrongStep: s.check.firstWrong,
        steps: s.check.steps.map((x) => ({ text: x.text, start: x.start, end: x.end, correct: x.correct, repeat: x.repeat })),
      });
    }
    return e;
  };

  // Log-sigmoid centring needs r_ref(x) per prompt, from the SFT (reference) policy's own samples; computed
  // the first time a prompt is drawn, so short runs only pay for the prompts they see.
  const lscTable = new Map<string, { sum: number; success: number; process: number }>();
  const lscRng = root.fork('lsc');
  const lscRefs = (problems: Problem[]) => {
    const fresh = [...new Map(problems.filter((p) => !lscTable.has(promptOf(p))).map((p) => [promptOf(p), p])).values()];
    if (fresh.length) {
      const n = cfg.reward.lscSamples;
      const reps = fresh.flatMap((p) => new Array<Problem>(n).fill(p));
      const outs: number[][] = [];
      for (let i = 0; i < reps.length; i += 256)
        outs.push(...ref.sample(reps.slice(i, i + 256).map((p) => encodePrompt(p, W)), { maxTokens: task.maxResponseTokens, rng: lscRng, temperature: a.temperature, topK: a.topK }));
      const sc = scoreBatch(cfg, reps, outs, scorer);
      const q = (xs: number[]) => quantile(xs, cfg.reward.lscQuantile);
      fresh.forEach((p, i) => {
        const mine = sc.slice(i * n, (i + 1) * n);
        lscTable.set(promptOf(p), { sum: q(mine.map((s) => s.success + s.processReturn)), success: q(mine.map((s) => s.success)), process: q(mine.map((s) => s.processReturn)) });
      });
    }
    return problems.map((p) => lscTable.get(promptOf(p))!);
  };

  let sampleSecs = 0, updateSecs = 0, tokensDone = 0;
  // Resume: the policy's weights and its optimiser's state, every generator, the log-sigmoid reference
  // table and the iteration. The SFT reference, the learned PRM and T-REG's conditioned model are rebuilt
  // (from the cache or by the same deterministic training); their digests prove they are the same models.
  const rngs = { sample: sampleRng, prompts: promptRng, rewardModel: rmRng, lsc: lscRng };
  const frozen = { ref: ref.weightsDigest(), rewardModel: rmHandle?.digest() ?? null, conditioned: cond?.weightsDigest() ?? null };
  const saveState = async (iteration: number) => ({
    algo: algoKey,
    compute: cfg.compute,
    iteration,
    frozen,
    rngs,
    lsc: lscTable,
    tf: await saveTfState(policy.trainableVars(), pgStep ? null : opt),
    pg: pgStep ? pgStep.saveState() : null,
    tokensDone,
  });
  let start = 0;
  if (saved) {
    const was = fromSnapshot(saved.frozen) as typeof frozen;
    for (const k of Object.keys(frozen) as (keyof typeof frozen)[])
      if (was[k] !== frozen[k]) throw new Error(`cannot resume: the ${k === 'ref' ? 'SFT reference' : k === 'rewardModel' ? 'learned reward' : 'T-REG conditioned'} model rebuilt for this run differs from the one its checkpoint was trained with`);
    if ((saved.pg === null) !== (pgStep === null)) throw new Error('cannot resume: the checkpoint was written by a different policy-gradient update path');
    restoreInto(rngs, saved.rngs);
    restoreInto(lscTable, saved.lsc);
    await loadTfState(policy.trainableVars(), pgStep ? null : opt, fromSnapshot(saved.tf) as TfState);
    if (pgStep) pgStep.loadState(fromSnapshot(saved.pg) as Parameters<PolicyGradientStep['loadState']>[0]);
    tokensDone = fromSnapshot(saved.tokensDone) as number;
    start = fromSnapshot(saved.iteration) as number;
  } else evaluate(0);
  for (let it = start; it < iterations && !ctx.cancelled(); it++) {
    // ---- rollouts
    const t0 = performance.now();
    const problems: Problem[] = [];
    for (let i = 0; i < a.promptsPerBatch; i++) {
      const p = train[promptRng.int(train.length)];
      for (let j = 0; j < k; j++) problems.push(p);
    }
    const prompts = problems.map((p) => encodePrompt(p, W));
    const responses = policy.sample(prompts, { maxTokens: task.maxResponseTokens, rng: sampleRng, temperature: a.temperature, topK: a.topK });
    const scored = scoreBatch(cfg, problems, responses, scorer);
    if (cfg.reward.transform !== 'none') {
      const refs = lscRefs(problems);
      scored.forEach((s, b) => {
        const u =
          cfg.reward.transform === 'lsc'
            ? logSigmoid(s.success + s.processReturn - refs[b].sum)
            : logSigmoid(s.success - refs[b].success) + logSigmoid(s.processReturn - refs[b].process);
        s.tokenRewards = s.tokenRewards.map((_, t) => (t === s.tokenRewards.length - 1 ? u : 0));
      });
    }
    const t1 = performance.now();

    const B = problems.length;
    const { tokens, mask, L } = batchTensors(prompts, responses);
    const macroRule = a.macro.termination;
    const isDpo = a.type === 'dpo';
    const logKl = cfg.kl.coef > 0 || macroRule === 'ppl' || isDpo || (it + 1) % cfg.evaluation.every === 0;
    const needOld = isPpo || (a.type === 'grpo' && (a.epochs > 1 || a.minibatches > 1));
    let oldLogp: number[][] | null = null, refLogp: number[][] | null = null, oldValues: number[][] | null = null;
    if (needOld || logKl) {
      const o = tf.tidy(() => policy.responseLogProbs(tokens, W));
      oldLogp = (await o.logp.array()) as number[][];
      if (o.values) oldValues = (await o.values.array()) as number[][];
      tf.dispose([o.logp, o.values, o.entropy]);
    }
    if (cfg.kl.coef > 0 || logKl) {
      const r = tf.tidy(() => ref.responseLogProbs(tokens, W).logp);
      refLogp = (await r.array()) as number[][];
      r.dispose();
    }
    // ---- per-token rewards (KL penalty in the reward, PPO style) and advantages
    const kls: number[] = [];
    const rewards = scored.map((s, b) => {
      const r = [...s.tokenRewards];
      let kl = 0;
      if (oldLogp && refLogp)
        for (let t = 0; t < r.length; t++) {
          const kt = klPerToken(oldLogp[b][t], refLogp[b][t], cfg.kl.estimator);
          kl += kt;
          if (cfg.kl.coef > 0 && cfg.kl.in === 'reward') r[t] -= cfg.kl.coef * kt;
        }
      kls.push(kl);
      return r;
    });
    let adv: number[][];
    let rets: number[][] | null = null;
    if (isPpo) {
      const g = rewards.map((r, b) => {
        const v = oldValues![b].slice(0, r.length);
        if (macroRule === 'none') return gae(r, v, a.gamma, a.lambda);
        const macros =
          macroRule === 'fixed'
            ? fixedMacros(r.length, a.macro.n)
            : macroRule === 'step'
              ? delimiterMacros(responses[b], [TOK.SEMI, TOK.END])
              : perplexityMacros(refLogp![b].slice(0, r.length).map((l) => Math.exp(-l)));
        return macroGae(r, v, macros, a.gamma, a.lambda, a.macro.weighting);
      });
      rets = g.map((x) => x.returns);
      const flat = g.flatMap((x) => x.advantages);
      const m = mean(flat), s = std(flat, false);
      adv = g.map((x) => x.advantages.map((v) => (v - m) / (s + 1e-8)));
    } else {
      const G = rewards.map((r) => returnsToGo(r, a.gamma));
      const totals = G.map((g) => g[0] ?? 0);
      // The baseline depends only on the prompt and the other samples, so it keeps the gradient unbiased.
      const base = a.type === 'reinforce' ? totals.map(() => mean(totals)) : a.type === 'grpo' ? groupMeans(totals, k) : looBaseline(totals, k);
      adv = G.map((g, b) => g.map((v) => v - base[b]));
      if (a.type === 'grpo') {
        const s = groupStds(totals, k);
        adv = adv.map((row, b) => row.map((v) => v / (s[b] + 1e-4)));
      } else if (a.advantageScale === 'batch-std') {
        const s = std(adv.flat(), false);
        adv = adv.map((row) => row.map((v) => v / (s + 1e-8)));
      } else if (a.advantageScale === 'group-std') {
        const s = groupStds(totals, k);
        adv = adv.map((row, b) => row.map((v) => v / (s[b] + 1e-4)));
      }
    }
    // ---- update
    const advT = toMatrix(adv, L);
    const oldT = oldLogp ? toMatrix(oldLogp, L) : null;
    const refT = refLogp ? toMatrix(refLogp, L) : null;
    const oldVT = oldValues ? toMatrix(oldValues, L) : null;
    const retT = rets ? toMatrix(rets, L) : null;
    const clipped = isPpo || a.epochs > 1 || a.minibatches > 1;
    // DPO pairs: the best and the worst sample of each prompt by the configured reward; ties give no pair.
    const pairs: [number, number][] = [];
    if (isDpo)
      for (let g = 0; g < B; g += k) {
        let best = g, worst = g;
        const sc = (i: number) => scored[i].success + scored[i].processReturn;
        for (let i = g + 1; i < g + k; i++) {
          if (sc(i) > sc(best)) best = i;
          if (sc(i) < sc(worst)) worst = i;
        }
        if (sc(best) > sc(worst)) pairs.push([best, worst]);
      }
    const sel = (col: 0 | 1) => {
      const m = new Float32Array(pairs.length * B);
      pairs.forEach((p, i) => (m[i * B + p[col]] = 1));
      return tf.tensor2d(m, [Math.max(pairs.length, 0), B]);
    };
    const refSum = (col: 0 | 1) => tf.tensor1d(pairs.map((p) => refLogp![p[col]].slice(0, responses[p[col]].length).reduce((x, y) => x + y, 0)));
    const dpoT = isDpo && pairs.length ? { selW: sel(0), selL: sel(1), refW: refSum(0), refL: refSum(1) } : null;
    let tregT: { rhat: tf.Tensor2D; w: tf.Tensor1D } | null = null;
    let tregW = 0;
    if (dpoT && a.treg.alpha > 0) {
      const rows = pairs.flat();
      const rh =
        a.treg.source === 'oracle'
          ? rows.map((b) => oracleTokenRewards(responses[b].length, scored[b].check))
          : rhatOf!(rows.map((b) => problems[b]), rows.map((b) => responses[b]));
      const full = responses.map(() => [] as number[]);
      rows.forEach((b, i) => (full[b] = rh[i]));
      // w = σ(r_l − r_w) from the pre-update log-probs: DPO's own gradient weight, without a gradient through it.
      const seqR = (b: number) => a.beta * (oldLogp![b].slice(0, responses[b].length).reduce((x, y) => x + y, 0) - refLogp![b].slice(0, responses[b].length).reduce((x, y) => x + y, 0));
      const w = new Float32Array(B);
      for (const [bw, bl] of pairs) w[bw] = w[bl] = sigmoid(seqR(bl) - seqR(bw));
      tregW = pairs.reduce((acc, [bw]) => acc + w[bw], 0) / pairs.length;
      tregT = { rhat: toMatrix(full, L), w: tf.tensor1d(w) };
    }
    let dpoMargin = 0;
    let lastPolicy = 0, lastValue = 0, lastLoss = 0, gradNorm = 0;
    const mbSize = Math.ceil(B / a.minibatches);
    if (pgStep) {
      const s = pgStep.step(prompts, responses, adv, W);
      lastLoss = lastPolicy = s.loss;
      gradNorm = s.gradNorm;
    }
    for (let ep = 0; ep < (pgStep || (isDpo && !dpoT) ? 0 : a.epochs); ep++) {
      // DPO pairs span the whole batch, so it is never split into minibatches.
      for (let s0 = 0; s0 < B; s0 += isDpo ? B : mbSize) {
        const n = Math.min(mbSize, B - s0);
        const sl = (t: tf.Tensor2D) => (n === B ? t : (t.slice([s0, 0], [n, t.shape[1]]) as tf.Tensor2D));
        let kept: tf.Scalar[] = [];
        const step = tf.tidy(() => {
          const tok = sl(tokens), mk = sl(mask), ad = sl(advT);
          return clippedStep(
            opt,
            policy.trainableVars(),
            () => {
              const out = policy.responseLogProbs(tok, W);
              let pl: tf.Scalar;
              if (isDpo) {
                const d = dpoPairLoss(out.logp, mk, dpoT!.selW, dpoT!.selL, dpoT!.refW, dpoT!.refL, a.beta);
                pl = d.loss;
                if (tregT) pl = pl.add(tregPairLoss(out.logp, mk, tregT.rhat, tregT.w, a.beta, a.treg.alpha, pairs.length));
                kept.push(tf.keep(d.margin.mean() as tf.Scalar));
              } else pl = clipped && oldT ? ppoPolicyLoss(out.logp, sl(oldT), ad, mk, a.clipEps).loss : pgLoss(out.logp, ad, mk);
              let loss = pl;
              let vl: tf.Scalar = tf.scalar(0);
              if (isPpo && out.values) {
                vl = valueLoss(out.values, sl(oldVT!), sl(retT!), mk, a.valueClip);
                loss = loss.add(vl.mul(a.vfCoef));
              }
              if (cfg.kl.coef > 0 && cfg.kl.in === 'loss') loss = loss.add(k3KlLoss(out.logp, sl(refT!), mk).mul(cfg.kl.coef));
              kept = [tf.keep(pl.clone()), tf.keep(vl.clone()), ...kept];
              return loss as tf.Scalar;
            },
            a.gradClip,
          );
        });
        lastLoss = step.loss;
        gradNorm = step.gradNorm;
        lastPolicy = kept[0].dataSync()[0];
        lastValue = kept[1].dataSync()[0];
        if (kept[2]) dpoMargin = kept[2].dataSync()[0];
        tf.dispose(kept);
      }
    }
    tf.dispose([tokens, mask, advT, oldT, refT, oldVT, retT].filter((x): x is tf.Tensor2D => x !== null));
    if (dpoT) tf.dispose(Object.values(dpoT));
    if (tregT) tf.dispose([tregT.rhat, tregT.w]);
    const t2 = performance.now();
    sampleSecs += (t1 - t0) / 1000;
    updateSecs += (t2 - t1) / 1000;
    const nTok = responses.reduce((s, r) => s + r.length, 0);
    tokensDone += nTok;

    const checks = scored.map((s) => s.check);
    const nSteps = checks.reduce((s, c) => s + c.steps.length, 0);
    // objective/process_return (proxy) and train/success (truth) are the reward-hacking alarm's RLHF pair
    // (workspaces/stats/src/hacking.ts): keep both logged every iteration under these names.
    const metrics: Record<string, number> = {
      'train/reward': mean(scored.map((s) => s.success + s.processReturn)),
      'objective/scores': mean(scored.map((s) => s.success)),
      'objective/process_return': mean(scored.map((s) => s.processReturn)),
      'train/success': mean(checks.map((c) => +c.success)),
      'train/steps_per_solution': nSteps / B,
      'train/repeat_fraction': nSteps ? checks.reduce((s, c) => s + c.steps.filter((x) => x.repeat).length, 0) / nSteps : 0,
      'train/truncated_fraction': mean(checks.map((c) => +!c.finished)),
      'train/response_length': nTok / B,
      'losses/total': lastLoss,
      'train/grad_norm': gradNorm,
      'perf/tokens_per_second': nTok / ((t2 - t0) / 1000),
      'perf/sample_fraction': (t1 - t0) / (t2 - t0),
    };
    metrics['losses/policy'] = lastPolicy;
    if (isDpo) {
      metrics['losses/dpo'] = lastPolicy;
      metrics['train/pairs'] = pairs.length;
      if (pairs.length) metrics['rewards/margins'] = dpoMargin;
      if (tregT) metrics['treg/weight'] = tregW;
    }
    if (isPpo) metrics['losses/value'] = lastValue;
    if (oldLogp && refLogp) metrics['train/kl'] = metrics['objective/kl'] = mean(kls);
    ctx.log(it + 1, metrics);
    ctx.progress(it + 1);
    if ((it + 1) % cfg.evaluation.every === 0 && it + 1 < iterations) evaluate(it + 1);
    await maybeSaveResume(ctx, it + 1, it + 1 >= iterations, () => saveState(it + 1));
  }
  const done = ctx.cancelled() ? undefined : evaluate(iterations);
  ctx.info(
    `RL: ${(sampleSecs + updateSecs).toFixed(1)} s (sampling ${sampleSecs.toFixed(1)} s), ${Math.round(tokensDone / Math.max(1e-9, sampleSecs + updateSecs))} response tokens/s` +
      (done ? `; final greedy accuracy ${done.accuracy.toFixed(3)}, ${done.stepsPerSolution.toFixed(2)} steps` : ''),
  );
  opt.dispose();
  pgStep?.dispose();
  policy.dispose();
  ref.dispose();
  rmHandle?.dispose();
  cond?.dispose();
};

function groupMeans(xs: number[], k: number): number[] {
  return xs.map((_, i) => mean(xs.slice(i - (i % k), i - (i % k) + k)));
}
function groupStds(xs: number[], k: number): number[] {
  return xs.map((_, i) => std(xs.slice(i - (i % k), i - (i % k) + k)));
}
