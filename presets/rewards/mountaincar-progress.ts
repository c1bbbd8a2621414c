// A tempting but NOT potential-based bonus: pay for rightward velocity on every step.
// It is not of the form γΦ(s') − Φ(s), so it can change which policy is optimal (Ng et al. 1999);
// compare it with the energy potential in presets/mountaincar-shaping.json.
export default function reward(ctx: RewardContext): number {
  const v = ctx.nextObs[1];
  return v > 0 ? 10 * v : 0;
}
