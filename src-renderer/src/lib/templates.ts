// Starting points for the reward editor. Each is a complete module the sandbox accepts as is.

export interface RewardTemplate {
  id: string;
  name: string;
  /** Every template names the paper it follows, in the menu and in its first comment. */
  cite: string;
  code: string;
}

export const REWARD_TEMPLATES: RewardTemplate[] = [
  {
    id: 'zero',
    name: 'Env reward only',
    cite: 'Sutton & Barto, Reinforcement Learning: An Introduction, 2nd ed., 2018',
    code: `// Added to the env reward on every step; 0 keeps the task reward unchanged: the unshaped baseline
// every shaping study compares against (Sutton & Barto, Reinforcement Learning: An Introduction, 2018).
export default function reward(ctx: RewardContext): number {
  return 0;
}
`,
  },
  {
    id: 'subgoal',
    name: 'Subgoal bonus',
    cite: 'Pignatelli et al. (CALM), arXiv:2409.12798',
    code: `// A one-off bonus when the env reports a subgoal event (e.g. KeyDoor-v0's "key_picked"), as in CALM
// (Pignatelli et al., "Assessing the Zero-Shot Capabilities of LLMs for Action Evaluation in RL", arXiv:2409.12798).
// Not potential-based, so it can change the optimal policy (Ng, Harada & Russell, ICML 1999).
const BONUS = 0.5;

export default function reward(ctx: RewardContext): number {
  return ctx.events.includes('key_picked') ? BONUS : 0;
}
`,
  },
  {
    id: 'potential',
    name: 'Potential-based shaping',
    cite: 'Ng, Harada & Russell, ICML 1999',
    code: `// F(s, s') = γ·Φ(s') − Φ(s) leaves the optimal policy unchanged (Ng, Harada & Russell, ICML 1999).
const GAMMA = 0.99;

// CartPole: prefer an upright pole near the centre. obs = [x, ẋ, θ, θ̇].
function phi(obs: Float64Array): number {
  return -Math.abs(obs[2]) - 0.1 * Math.abs(obs[0]);
}

export default function reward(ctx: RewardContext): number {
  const next = ctx.terminated ? 0 : phi(ctx.nextObs);
  return GAMMA * next - phi(ctx.obs);
}
`,
  },
  {
    id: 'step-cost',
    name: 'Per-step cost',
    cite: 'Koenig & Simmons, Machine Learning 22, 1996',
    code: `// A small cost per step pushes towards shorter episodes (goal-reaching tasks); the action-penalty
// representation of Koenig & Simmons, "The Effect of Representation and Knowledge on Goal-Directed
// Exploration with Reinforcement-Learning Algorithms", Machine Learning 22, 1996.
export default function reward(ctx: RewardContext): number {
  return ctx.terminated ? 0 : -0.01;
}
`,
  },
];
