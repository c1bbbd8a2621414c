// Starting points for the reward editor. Each is a complete module the sandbox accepts as is.

export interface RewardTemplate {
  id: string;
  name: string;
  cite?: string;
  code: string;
}

export const REWARD_TEMPLATES: RewardTemplate[] = [
  {
    id: 'zero',
    name: 'Env reward only',
    code: `// Added to the env reward on every step; 0 keeps the task reward unchanged.
export default function reward(ctx: RewardContext): number {
  return 0;
}
`,
  },
  {
    id: 'subgoal',
    name: 'Subgoal bonus',
    code: `// A one-off bonus when the env reports a subgoal event (e.g. KeyDoor-v0's "key_picked").
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
    code: `// A small cost per step pushes towards shorter episodes (goal-reaching tasks).
export default function reward(ctx: RewardContext): number {
  return ctx.terminated ? 0 : -0.01;
}
`,
  },
];
