// An uprightness potential for Gymnasium's InvertedPendulum-v5 (MuJoCo), observation
// [cart position, pole angle, cart velocity, pole angular velocity]; the episode terminates when the
// pole leans more than 0.2 rad. Potential-based shaping (Ng, Harada & Russell, ICML 1999) with
// Φ(s) = −(θ / 0.2)² keeps the task's optimal policy (stay alive: +1 per step) while telling the agent,
// on every step, whether the pole is getting closer to falling.

/** No reward of our own: the env's +1 per step stays the task reward. */
export default function reward(_ctx: RewardContext): number {
  return 0;
}

/** Φ(s) = −(θ / 0.2)²: 0 upright, −1 at the termination angle. */
export function potential(obs: Float64Array): number {
  const angle = obs[1];
  return -((angle / 0.2) ** 2);
}
