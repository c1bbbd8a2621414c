// Resume checkpoints of an RLHF run: the policy's weights and its optimiser's state, every generator, the
// log-sigmoid reference table, the token count and the iteration. The SFT reference, the learned PRM and
// T-REG's conditioned model are rebuilt (from the cache or by the same deterministic training); their
// digests prove they are the same models the checkpoint was trained with.
import type * as tf from '@tensorflow/tfjs';
import { fromSnapshot, loadTfState, maybeSaveResume, restoreInto, saveTfState, type TfState } from '@creditlab/rl/resume';
import type { PolicyGradientStep } from './model';
import type { RlhfRun } from './setup';
import type { LscCentring } from './rollout';

export interface Checkpointer {
  /**
   * The iteration to run first: a resumed run's, after restoring its state; else 0, after `fresh()` (the
   * initial evaluation, which a resumed run logged before its checkpoint).
   */
  start(fresh: () => void): Promise<number>;
  /** Saves after iteration it+1 when the run's resume policy asks for it. */
  maybeSave(it: number): Promise<void>;
}

/** `opt` is the tfjs Adam the trainer steps with; `pgStep` the fused policy-gradient update when it owns one. */
export function checkpointer(run: RlhfRun, lsc: LscCentring, opt: tf.AdamOptimizer, pgStep: PolicyGradientStep | null): Checkpointer {
  const { ctx, cfg, policy, saved } = run;
  const rngs = { sample: run.rngs.sample, prompts: run.rngs.prompts, rewardModel: run.rngs.rewardModel, lsc: lsc.rng };
  const frozen = { ref: run.ref.weightsDigest(), rewardModel: run.rewardModelDigest(), conditioned: run.cond?.weightsDigest() ?? null };
  const state = async (iteration: number) => ({
    algo: run.algoKey,
    compute: cfg.compute,
    iteration,
    frozen,
    rngs,
    lsc: lsc.table,
    tf: await saveTfState(policy.trainableVars(), pgStep ? null : opt),
    pg: pgStep ? pgStep.saveState() : null,
    tokensDone: run.tally.tokens,
  });
  return {
    async start(fresh) {
      if (!saved) {
        fresh();
        return 0;
      }
      const was = fromSnapshot(saved.frozen) as typeof frozen;
      for (const k of Object.keys(frozen) as (keyof typeof frozen)[])
        if (was[k] !== frozen[k]) throw new Error(`cannot resume: the ${k === 'ref' ? 'SFT reference' : k === 'rewardModel' ? 'learned reward' : 'T-REG conditioned'} model rebuilt for this run differs from the one its checkpoint was trained with`);
      if ((saved.pg === null) !== (pgStep === null)) throw new Error('cannot resume: the checkpoint was written by a different policy-gradient update path');
      restoreInto(rngs, saved.rngs);
      restoreInto(lsc.table, saved.lsc);
      await loadTfState(policy.trainableVars(), pgStep ? null : opt, fromSnapshot(saved.tf) as TfState);
      if (pgStep) pgStep.loadState(fromSnapshot(saved.pg) as Parameters<PolicyGradientStep['loadState']>[0]);
      run.tally.tokens = fromSnapshot(saved.tokensDone) as number;
      return fromSnapshot(saved.iteration) as number;
    },
    maybeSave: (it) => maybeSaveResume(ctx, it + 1, it + 1 >= run.iterations, () => state(it + 1)),
  };
}
