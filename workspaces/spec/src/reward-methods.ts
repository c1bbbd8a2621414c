// The spec's side of the reward methods: the parameters each shaping term and transform takes in a run's
// `reward.shaping` / `reward.transforms`, as the entries' schemas. The methods themselves (papers,
// formulas, stages) are in @creditlab/rewards, whose registry entries carry these schemas, so the spec
// that validates a run does not depend on the code that computes rewards.
//
// Both lists are discriminated unions on `type`, so a bad entry is reported at its own path
// (e.g. `transforms[0].eta`).
import { z } from 'zod';

/** Every entry may carry a `name`: it keys the per-term log (`reward/shaping/<name>`). */
export const entryName = z
  .string()
  .regex(/^[\w.\-]+$/, 'letters, digits and _ . - only')
  .optional()
  .describe('log name of this term (default: its type; repeated types get a suffix)');

// ---- shaping terms

export const potentialTermSchema = z
  .object({
    field: z
      .string()
      .min(1)
      .describe('an info field (dot path for nested fields, e.g. "distance" or "agent.x") or an observation entry "obs[i]"'),
    weight: z.number().default(1).describe('Φ adds weight × value; booleans count as 0/1'),
  })
  .strict();
export type PotentialTerm = z.output<typeof potentialTermSchema>;

export const potentialSchema = z
  .object({
    type: z.literal('potential'),
    name: entryName,
    gamma: z.number().min(0).max(1).optional().describe("discount in F; default: the algorithm's γ"),
    terms: z.array(potentialTermSchema).min(1).optional().describe('built-in Φ = Σ weight × field; omit to use the `potential` export of your reward code'),
  })
  .strict();

const subgoals = z.array(z.string().min(1)).min(1).optional().describe('event names that count (default: every subgoal event of the env)');
const bonus = z.number().default(1).describe('λ, the bonus per subgoal');

export const subgoalSchema = z
  .object({
    type: z.literal('subgoal'),
    name: entryName,
    subgoals,
    bonus,
    mode: z.enum(['once', 'every']).default('once').describe('"once": each subgoal pays once per episode; "every": each time it fires'),
  })
  .strict();

export const subgoalPotentialSchema = z
  .object({
    type: z.literal('subgoal-potential'),
    name: entryName,
    subgoals,
    bonus,
    gamma: z.number().min(0).max(1).default(1).describe('γ in F = γΦ(s′) − Φ(s); 1 makes F exactly the once-per-subgoal bonus'),
  })
  .strict();

export const countSchema = z
  .object({
    type: z.literal('count'),
    name: entryName,
    beta: z.number().min(0).default(0.1).describe('β, the bonus for a first visit'),
    cell: z.number().positive().default(1).describe('cell width per observation entry (1 suits integer grid observations)'),
  })
  .strict();

// ---- transforms

export const scaleSchema = z.object({ type: z.literal('scale'), name: entryName, factor: z.number().default(1).describe('multiplier c') }).strict();

export const clipSchema = z
  .object({
    type: z.literal('clip'),
    name: entryName,
    min: z.number().default(-1).describe('lower bound'),
    max: z.number().default(1).describe('upper bound'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.min > v.max) ctx.addIssue({ code: 'custom', path: ['max'], message: `expected max >= min (${v.min}), got ${v.max}` });
  });

export const normalizeSchema = z
  .object({
    type: z.literal('normalize'),
    name: entryName,
    target: z.enum(['return', 'reward']).default('return').describe('whose running std divides the reward'),
    gamma: z.number().min(0).max(1).default(0.99).describe('discount of the running return (target "return")'),
    center: z.boolean().default(false).describe('also subtract the running mean'),
    epsilon: z.number().positive().default(1e-8).describe('added to the variance before the square root'),
  })
  .strict();

export const lscSchema = z.object({ type: z.literal('lsc'), name: entryName, ref: z.number().default(0).describe('r_ref, the reference reward (σ(0) = ½ there)') }).strict();

export const lscAndSchema = z
  .object({
    type: z.literal('lsc-and'),
    name: entryName,
    components: z
      .array(z.object({ of: z.string().min(1).describe('"env", "user" or a shaping term name'), ref: z.number().default(0) }).strict())
      .min(1),
  })
  .strict();

/** Where a step's process reward r_k is paid. */
export type Placement = 'step-k' | 'step-k+1';

const alpha = z.number().min(0).default(1).describe('α, weight of the process reward');
const eta = z.number().default(0).describe('η, Clip threshold: steps scoring below η are penalised, none rewarded');
const placement = z
  .enum(['step-k', 'step-k+1'])
  .describe('where r_k is paid: "step-k" (as written; Delta then looks one step ahead) or "step-k+1" (when computable)');
const onlineOnly = (v: { placement: Placement }, ctx: z.RefinementCtx) => {
  if (v.placement === 'step-k')
    ctx.addIssue({
      code: 'custom',
      path: ['placement'],
      message: 'Delta pays r_p(k) − r_p(k+1), which an RL learner cannot know at step k; use "step-k+1" (see "the placement pitfall")',
    });
};

export const processClipSchema = z.object({ type: z.literal('process-clip'), name: entryName, alpha, eta, placement: placement.default('step-k') }).strict();
export const processDeltaSchema = z.object({ type: z.literal('process-delta'), name: entryName, alpha, placement: placement.default('step-k+1') }).strict().superRefine(onlineOnly);
export const processClipDeltaSchema = z
  .object({ type: z.literal('process-clip-delta'), name: entryName, alpha, eta, placement: placement.default('step-k+1') })
  .strict()
  .superRefine(onlineOnly);

// ---- the entries of a run's reward section

export const SHAPING_SCHEMAS = [potentialSchema, subgoalSchema, subgoalPotentialSchema, countSchema] as const;
export const TRANSFORM_SCHEMAS = [scaleSchema, clipSchema, normalizeSchema, lscSchema, lscAndSchema, processClipSchema, processDeltaSchema, processClipDeltaSchema] as const;

export const ShapingEntrySchema = z.discriminatedUnion('type', SHAPING_SCHEMAS);
export const TransformEntrySchema = z.discriminatedUnion('type', TRANSFORM_SCHEMAS);
export type ShapingEntry = z.output<typeof ShapingEntrySchema>;
export type TransformEntry = z.output<typeof TransformEntrySchema>;
export type ShapingEntryInput = z.input<typeof ShapingEntrySchema>;
export type TransformEntryInput = z.input<typeof TransformEntrySchema>;
