// Schema of an RLHF run (owned by the RLHF suite; see @creditlab/rlhf). Every field has a documented
// default; the defaults are the hyperparameters that showed PRM reward hacking in minutes in the
// prototype (docs/methods.md §11).
import { z } from 'zod';
import { ComputeRequestSchema } from './compute';

const int = () => z.number().int();
const prob = () => z.number().min(0).max(1);

export const RlhfTaskSchema = z
  .object({
    type: z
      .enum(['repeated-addition', 'addition-chain'])
      .default('repeated-addition')
      .describe('`Q:5+3*4=` → `8;11;14;17;A:17.`; the harder addition-chain lists every addend: `Q:5+3+4+2=` → `8;12;14;A:14.`'),
    chainProblems: int().min(10).max(100000).default(1064).describe('addition-chain only: number of distinct problems drawn (with splitSeed)'),
    startMin: int().min(0).default(0),
    startMax: int().min(0).max(999).default(18),
    addMin: int().min(1).default(1).describe('≥ 1, so a restatement never coincides with the next true step'),
    addMax: int().min(1).max(99).default(8),
    countMin: int().min(1).default(1),
    countMax: int().min(1).max(9).default(7).describe('repeated-addition: the count, one character in the prompt; addition-chain: the most addends'),
    heldOutFraction: z.number().gt(0).lt(1).default(0.2).describe('held-out share, split by problem'),
    splitSeed: int().min(0).default(0).describe('seed of the split (independent of the run seed)'),
    maxResponseTokens: int().min(4).max(256).default(40).describe('longer responses are truncated (no answer, no success)'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.startMax < t.startMin) ctx.addIssue({ code: 'custom', path: ['startMax'], message: 'must be >= startMin' });
    if (t.addMax < t.addMin) ctx.addIssue({ code: 'custom', path: ['addMax'], message: 'must be >= addMin' });
    if (t.countMax < t.countMin) ctx.addIssue({ code: 'custom', path: ['countMax'], message: 'must be >= countMin' });
  });

export const RlhfModelSchema = z
  .object({
    type: z.literal('gru').default('gru'),
    hidden: int().min(4).max(1024).default(64),
    embedding: int().min(2).max(512).default(16),
  })
  .strict();

export const RlhfSftSchema = z
  .object({
    // The prototype's 2,500 × 2e-3 costs ~20 min on tfjs-wasm; 1,000 × 5e-3 reaches the same point
    // (greedy 0.72, sampled 0.29 on the held-out set) in ~6 min on a loaded 2-core machine.
    iterations: int().min(0).default(1000),
    batchSize: int().min(1).default(128),
    lr: z.number().positive().default(5e-3),
    gradClip: z.number().min(0).default(1).describe('global-norm clip; 0 disables'),
    restateRate: prob().default(0.3).describe('share of SFT solutions restating 1–2 earlier steps'),
    wrongRate: prob().default(0.1).describe('share of SFT solutions with one wrong step'),
    seed: int().min(0).default(0).describe('SFT seed; SFT does not depend on the run seed so it is shared across seeds'),
    cache: z.boolean().default(true).describe('reuse an SFT checkpoint with the same task/model/sft config (keyed by hash)'),
  })
  .strict()
  .refine((s) => s.restateRate + s.wrongRate <= 1, { message: 'restateRate + wrongRate must be <= 1', path: ['restateRate'] });

export const RlhfRewardModelSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('oracle'),
      noise: z.number().min(0).default(0).describe('std of Gaussian noise added to the 0/1 step verdict, clipped to [0,1]'),
      flip: prob().default(0).describe('probability of flipping a step verdict'),
    })
    .strict(),
  z
    .object({
      type: z.literal('mc-prm'),
      labels: z.enum(['hard', 'soft']).default('soft').describe('Math-Shepherd hard (any completion right) or soft (share right) labels'),
      completions: int().min(1).default(8).describe('Monte-Carlo completions per prefix'),
      problems: int().min(1).default(256).describe('SFT-policy solutions labelled'),
      iterations: int().min(1).default(300),
      lr: z.number().positive().default(2e-3),
    })
    .strict(),
]);

export const RlhfAlgoSchema = z
  .object({
    type: z
      .enum(['rloo', 'reinforce', 'grpo', 'ppo', 'dpo'])
      .default('rloo')
      .describe('rloo = REINFORCE with a leave-one-out baseline; dpo = online DPO on (best, worst) of each prompt\'s samples ranked by the reward'),
    beta: z.number().positive().default(0.1).describe('DPO β'),
    promptsPerBatch: int().min(1).default(32),
    samplesPerPrompt: int().min(1).default(8),
    lr: z.number().positive().default(1e-3),
    gradClip: z.number().min(0).default(1),
    temperature: z.number().positive().default(1),
    topK: int().min(0).default(0).describe('0 = no top-k'),
    gamma: z.number().min(0).max(1).default(1),
    lambda: z.number().min(0).max(1).default(0.95).describe('GAE λ (ppo)'),
    advantageScale: z.enum(['batch-std', 'group-std', 'none']).default('batch-std').describe('rloo/reinforce: divide advantages by this std (grpo always uses the group std)'),
    clipEps: z.number().positive().default(0.2).describe('ppo/grpo ratio clip'),
    valueClip: z.number().positive().default(0.2),
    vfCoef: z.number().min(0).default(0.1),
    epochs: int().min(1).default(1).describe('ppo/grpo optimisation passes over each batch'),
    minibatches: int().min(1).default(1),
    macro: z
      .object({
        termination: z.enum(['none', 'fixed', 'step', 'ppl']).default('none').describe('MA-RLHF macro actions (ppo only): n-gram, one per reasoning step, or perplexity rises under the reference'),
        n: int().min(1).default(5).describe('macro length for "fixed"'),
        weighting: z.enum(['equal', 'unit', 'position']).default('equal'),
      })
      .strict()
      .default({ termination: 'none', n: 5, weighting: 'equal' }),
    treg: z
      .object({
        alpha: z.number().min(0).default(0).describe('T-REG weight α (Zhou et al. 2024); 0 = plain DPO'),
        iterations: int().min(0).default(500).describe('fine-tuning of a copy of the SFT model on careful/careless control-token data (cached); its contrast gives the token rewards r̂'),
        batchSize: int().min(2).default(64),
        lr: z.number().positive().default(5e-3),
        source: z
          .enum(['contrastive', 'confidence', 'oracle'], {
            error: (iss) =>
              iss.input === 'temperature'
                ? "'temperature' was renamed 'confidence': reading the reference at two temperatures gives a confidence regulariser (a monotone function of π_ref's own token likelihood), not a contrast"
                : undefined,
          })
          .default('contrastive')
          .describe(
            "contrastive: the paper's self-generated r̂ = σ(log π(y_t|careful) − log π(y_t|careless)) − 0.5 from a copy of the SFT model fine-tuned on two control tokens (the small-model stand-in for contrastive revision prompts); confidence: σ(log π_ref at T 0.5 − at T 2) − 0.5, a monotone function of the reference's own token likelihood (a confidence regulariser, not a contrast); oracle (a control): the step checker, σ(±2) − 0.5 on correct steps / the first wrong step, 0 after it",
          ),
      })
      .strict()
      .default({ alpha: 0, iterations: 500, batchSize: 64, lr: 5e-3, source: 'contrastive' })
      .describe('dpo only: the token-level reward regulariser and the conditioned model that scores it'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.macro.termination !== 'none' && a.type !== 'ppo')
      ctx.addIssue({ code: 'custom', path: ['macro', 'termination'], message: 'macro actions need a value function: use algo.type "ppo"' });
    if (a.treg.alpha > 0 && a.type !== 'dpo')
      ctx.addIssue({ code: 'custom', path: ['treg', 'alpha'], message: 'T-REG regularises DPO: use algo.type "dpo"' });
    if ((a.type === 'rloo' || a.type === 'grpo' || a.type === 'dpo') && a.samplesPerPrompt < 2)
      ctx.addIssue({ code: 'custom', path: ['samplesPerPrompt'], message: `${a.type} needs at least 2 samples per prompt` });
  });

export const RlhfRewardMethodSchema = z
  .object({
    type: z
      .enum(['success', 'pr', 'clip', 'delta', 'clip-delta', 'first-step'])
      .default('success')
      .describe('success only, or success + α × refined PRM rewards (Gao et al. 2024); first-step = α·r_p(1) on the first step only (a control)'),
    alpha: z.number().min(0).default(1),
    eta: z.number().min(0).default(0.5).describe('Clip threshold η'),
    placement: z
      .enum(['auto', 'literal', 'lagged', 'own-step'])
      .default('auto')
      .describe(
        "which tokens are paid r_k: 'literal' = the last token of step k (Delta then drops the answer's score, so one more step beats answering); 'lagged' = the last token of step k+1 (step j's tokens see step j−1's score: no gradient beyond the first step); 'own-step' (delta types) = the answer is scored as a step, so step j's tokens see their own step's score; auto = own-step for delta types, literal otherwise",
      ),
    success: z.number().default(1).describe('reward for an exact final answer, paid on the last token'),
    transform: z
      .enum(['none', 'lsc', 'lsc-and'])
      .default('none')
      .describe(
        'lsc: the sequence reward R (success + process return) becomes log σ(R − r_ref(x)); lsc-and: each reward is centred and transformed on its own and the two are summed, log σ(S − r_ref,S) + log σ(P − r_ref,P), a logical AND (Wang et al. 2024); paid on the last token',
      ),
    lscQuantile: prob().default(0.85).describe('r_ref(x) = this quantile (linear interpolation) of the SFT policy\'s rewards on x'),
    lscSamples: int().min(1).default(8).describe('SFT samples per prompt for r_ref'),
  })
  .strict()
  .superRefine((m, ctx) => {
    const delta = m.type === 'delta' || m.type === 'clip-delta';
    if (m.placement === 'own-step' && !delta)
      ctx.addIssue({ code: 'custom', path: ['placement'], message: `"own-step" scores the answer as a step of Delta; ${m.type} has no such reading (use literal or lagged)` });
    if (m.type === 'first-step' && m.placement !== 'auto' && m.placement !== 'literal')
      ctx.addIssue({ code: 'custom', path: ['placement'], message: 'first-step pays r_p(1) at the end of step 1; use "auto" or "literal"' });
  });

export const RlhfKlSchema = z
  .object({
    coef: z.number().min(0).default(0).describe('β; 0 = no KL (the prototype used none)'),
    estimator: z.enum(['k1', 'k3']).default('k1'),
    in: z.enum(['reward', 'loss']).default('reward').describe("per-token penalty in the reward (PPO/TRL) or a k3 term in the loss (GRPO)"),
  })
  .strict();

export const RlhfEvaluationSchema = z
  .object({
    every: int().min(1).default(25).describe('iterations between greedy held-out evaluations (also at the start and the end)'),
    problems: int().min(0).default(0).describe('held-out problems evaluated; 0 = all'),
    samples: int().min(0).default(4).describe('generations with per-token credits stored per evaluation'),
    creditSamples: int()
      .min(0)
      .max(64)
      .default(0)
      .describe(
        'log eval/credit_auroc: how well the run\'s per-token credit (DPO: β·log π/π_ref) ranks the first wrong step\'s tokens below the tokens before it, on the wrong answers among this many temperature-1 samples per held-out problem from the SFT model (one set per seed, shared by every arm), with trivial baselines (eval/credit_auroc_baseline/*) on the same set; 0 = off',
      ),
  })
  .strict();

export const RlhfRunConfigSchema = z
  .object({
    kind: z.literal('rlhf'),
    task: RlhfTaskSchema.default(RlhfTaskSchema.parse({})),
    model: RlhfModelSchema.default(RlhfModelSchema.parse({})),
    sft: RlhfSftSchema.default(RlhfSftSchema.parse({})),
    rewardModel: RlhfRewardModelSchema.default({ type: 'oracle', noise: 0, flip: 0 }),
    algo: RlhfAlgoSchema.default(RlhfAlgoSchema.parse({})),
    reward: RlhfRewardMethodSchema.default(RlhfRewardMethodSchema.parse({})),
    kl: RlhfKlSchema.default(RlhfKlSchema.parse({})),
    evaluation: RlhfEvaluationSchema.default(RlhfEvaluationSchema.parse({})),
    compute: ComputeRequestSchema,
  })
  .strict();
export type RlhfRunConfig = z.infer<typeof RlhfRunConfigSchema>;
