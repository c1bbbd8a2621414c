// What every RLHF trainer starts from: the task, the SFT policy (cached), a frozen reference copy of it, the
// reward model that scores steps, and T-REG's conditioned model when DPO asks for it. Each frozen model is
// cached on disk by a key of everything that shapes it, so one SFT model serves every arm and seed.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, hashValue } from '@creditlab/common';
import type { Compute, RlhfRunConfig, RunContext } from '@creditlab/spec';
import { ensureBackend } from '@creditlab/rl/backend';
import { fromSnapshot, resumeState } from '@creditlab/rl/resume';
import { GruModel, gruImplOf, recordCompute, type Weights } from './model';
import { trainSft } from './sft';
import { collectMcLabels, prmScores, trainPrm } from './prm';
import { DEFAULT_TASK, encodePrompt, promptWidth, splitProblems, VOCAB_SIZE, type Problem, type SolutionCheck, type TaskConfig } from './task';
import { trainConditioning } from './treg';

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

/** Writes a model's weights to the cache atomically, so a concurrent run never reads half a checkpoint. */
function cacheWeights(file: string, model: GruModel): void {
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(model.getWeights()));
  renameSync(tmp, file);
}

/** Loads cached weights into `model` if caching is on and the file exists. */
function reuseCached(cfg: RlhfRunConfig, file: string, model: GruModel, what: string, ctx: RunContext): boolean {
  if (!cfg.sft.cache || !existsSync(file)) return false;
  model.setWeights(JSON.parse(readFileSync(file, 'utf8')) as Weights);
  ctx.info(`${what}: reused ${file}`);
  return true;
}

async function sftPolicy(cfg: RlhfRunConfig, train: Problem[], W: number, ctx: RunContext): Promise<GruModel> {
  const model = new GruModel({ vocab: VOCAB_SIZE, hidden: cfg.model.hidden, embedding: cfg.model.embedding }, cfg.sft.seed);
  model.impl = gruImplOf(cfg.compute === 'tfjs' ? 'tfjs' : 'fused'); // every other model is a clone of this one
  const file = join(cacheDir(), `rlhf-sft-${sftCacheKey(cfg)}.json`);
  if (reuseCached(cfg, file, model, 'SFT', ctx)) return model;
  const t0 = performance.now();
  const losses = await trainSft(model, train, cfg.sft, W, new Rng(cfg.sft.seed).fork('sft'), (it, loss) => {
    if ((it + 1) % 250 === 0) ctx.info(`SFT ${it + 1}/${cfg.sft.iterations}: loss ${loss.toFixed(4)}`);
    return !ctx.cancelled();
  });
  const secs = (performance.now() - t0) / 1000;
  ctx.info(`SFT: ${losses.length} iterations in ${secs.toFixed(1)} s, final loss ${losses.at(-1)?.toFixed(4)}`);
  if (cfg.sft.cache && losses.length === cfg.sft.iterations) cacheWeights(file, model);
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

interface ScorerHandle {
  scorer: StepScorer;
  digest(): string | null;
  dispose(): void;
}

async function buildScorer(cfg: RlhfRunConfig, sft: GruModel, train: Problem[], W: number, maxTokens: number, rng: Rng, ctx: RunContext): Promise<ScorerHandle> {
  const rm = cfg.rewardModel;
  if (rm.type === 'oracle') return { scorer: oracleScorer(rm.noise, rm.flip, rng), digest: () => null, dispose() {} };
  const prm = sft.clone({ trainable: true, valueHead: true, seed: cfg.sft.seed + 1 });
  const file = join(cacheDir(), `rlhf-prm-${hashValue({ v: 1, sft: sftCacheKey(cfg), rm })}.json`);
  if (!reuseCached(cfg, file, prm, 'PRM', ctx)) {
    const t0 = performance.now();
    const prmRng = new Rng(cfg.sft.seed).fork('mc-prm');
    const data = collectMcLabels(sft, train, { count: rm.problems, completions: rm.completions, labels: rm.labels, promptWidth: W, maxTokens, rng: prmRng });
    const losses = trainPrm(prm, data, { iterations: rm.iterations, lr: rm.lr, batchSize: 64, promptWidth: W, rng: prmRng });
    ctx.info(`PRM: ${data.length} solutions labelled (${rm.labels}, N=${rm.completions}), ${rm.iterations} iterations, loss ${losses.at(-1)?.toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (cfg.sft.cache) cacheWeights(file, prm);
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
  if (reuseCached(cfg, file, m, 'T-REG conditioned model', ctx)) return m;
  const t0 = performance.now();
  const losses = trainConditioning(m, train, tc, cfg.sft, W, new Rng(cfg.sft.seed).fork('treg'), cfg.task.maxResponseTokens);
  ctx.info(`T-REG conditioned model: ${losses.length} iterations in ${((performance.now() - t0) / 1000).toFixed(1)} s, final loss ${losses.at(-1)?.toFixed(4)}`);
  if (cfg.sft.cache) cacheWeights(file, m);
  return m;
}

/** Everything a trainer's loop reads; built once by `startRun`. */
export interface RlhfRun {
  ctx: RunContext;
  cfg: RlhfRunConfig;
  task: TaskConfig;
  train: Problem[];
  /** The held-out problems greedy evaluation uses. */
  evalSet: Problem[];
  /** Prompt width: every prompt is left-padded to it. */
  W: number;
  iterations: number;
  root: Rng;
  rngs: { sample: Rng; prompts: Rng; rewardModel: Rng };
  /** The resume checkpoint's key and what it saved, if this run continues an earlier one. */
  algoKey: string;
  saved: ReturnType<typeof resumeState>;
  policy: GruModel;
  /** The frozen SFT reference π_ref. */
  ref: GruModel;
  /** T-REG's careful/careless model (DPO with the contrastive source only). */
  cond: GruModel | null;
  scorer: StepScorer;
  rewardModelDigest(): string | null;
  /** Wall-clock and token counts for the closing summary; `tokens` is resumed with the run. */
  tally: { sampleSecs: number; updateSecs: number; tokens: number };
  dispose(): void;
}

/** Builds the run's models in a fixed order; null when the run was cancelled along the way. */
export async function startRun(ctx: RunContext, cfg: RlhfRunConfig, opts: { valueHead: boolean }): Promise<RlhfRun | null> {
  const backend = await ensureBackend(ctx.backend);
  const algoKey = `rlhf-${cfg.algo.type}`;
  const saved = resumeState(ctx, algoKey);
  cfg.compute = recordCompute(ctx, cfg, backend, saved ? (fromSnapshot(saved.compute) as Compute) : null);
  const task = taskConfigOf(cfg);
  const { train, heldOut } = splitProblems(task);
  const W = promptWidth(task);
  const root = new Rng(ctx.run.seed);
  const rngs = { sample: root.fork('sample'), prompts: root.fork('prompts'), rewardModel: root.fork('reward-model') };
  const a = cfg.algo;

  const sft = await sftPolicy(cfg, train, W, ctx);
  if (ctx.cancelled()) return null;
  const ref = sft.clone();
  const policy = sft.clone({ trainable: true, valueHead: opts.valueHead, seed: ctx.run.seed });
  sft.dispose();
  const cond = a.type === 'dpo' && a.treg.alpha > 0 && a.treg.source === 'contrastive' ? await conditionedModel(cfg, ref, train, W, ctx) : null;
  if (ctx.cancelled()) return null;
  const rmHandle = cfg.reward.type === 'success' ? null : await buildScorer(cfg, ref, train, W, task.maxResponseTokens, rngs.rewardModel, ctx);
  const scorer: StepScorer = rmHandle ? rmHandle.scorer : (_p, _r, checks) => checks.map((c) => c.steps.map(() => 0));
  return {
    ctx,
    cfg,
    task,
    train,
    evalSet: cfg.evaluation.problems > 0 ? heldOut.slice(0, cfg.evaluation.problems) : heldOut,
    W,
    iterations: ctx.run.budget.steps,
    root,
    rngs,
    algoKey,
    saved,
    policy,
    ref,
    cond,
    scorer,
    rewardModelDigest: () => rmHandle?.digest() ?? null,
    tally: { sampleSecs: 0, updateSecs: 0, tokens: 0 },
    dispose() {
      policy.dispose();
      ref.dispose();
      rmHandle?.dispose();
      cond?.dispose();
    },
  };
}
