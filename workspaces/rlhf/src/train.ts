// The RLHF run: SFT (cached), a frozen reference, a reward model, then RL on the token-level MDP with the
// configured algorithm and reward method; greedy held-out diagnostics along the way. One file per trainer:
// train-pg.ts (RLOO, GRPO, REINFORCE), train-ppo.ts (PPO), train-dpo.ts (DPO, T-REG); sft.ts trains the start.
import { RlhfRunConfigSchema, type TrainFn } from '@creditlab/spec';
import { trainPolicyGradient } from './train-pg';
import { trainPpo } from './train-ppo';
import { trainDpo } from './train-dpo';

export { taskConfigOf, sftCacheKey, cacheDir, oracleScorer, type StepScorer } from './setup';

export const trainRlhf: TrainFn = async (ctx) => {
  const cfg = RlhfRunConfigSchema.parse(ctx.run.config);
  switch (cfg.algo.type) {
    case 'ppo':
      return trainPpo(ctx, cfg);
    case 'dpo':
      return trainDpo(ctx, cfg);
    case 'rloo':
    case 'grpo':
    case 'reinforce':
      return trainPolicyGradient(ctx, cfg);
  }
};
