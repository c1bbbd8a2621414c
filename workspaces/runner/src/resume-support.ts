// Which trainers write resume checkpoints. A run of any other trainer that is resumed starts over from
// step 0, and is reported as restarted, never as resumed.
import type { ResolvedRun } from '@creditlab/spec';

const RESUMABLE_RL = new Set(['ppo', 'a2c', 'reinforce', 'dqn']);

/** Null when the run's trainer resumes from its checkpoints; otherwise why it cannot. */
export function whyNotResumable(run: ResolvedRun): string | null {
  // trainRlhf checkpoints every algorithm (rloo, reinforce, grpo, ppo, dpo with or without T-REG) on both
  // compute paths, and refuses a checkpoint whose rebuilt frozen models (SFT reference, PRM, T-REG's
  // conditioned model) differ from those it was trained with.
  if (run.config.kind === 'rlhf') return null;
  if (run.config.kind !== 'rl') return 'an imported run has nothing to execute';
  const prefix = /^([\w-]+):/.exec(run.config.env.id);
  if (prefix) return `envs run by the "${prefix[1]}:" provider do not save their state in checkpoints`;
  const algo = run.config.algo.name;
  return RESUMABLE_RL.has(algo) ? null : `the ${algo} trainer does not write resume checkpoints yet`;
}
