// The reward API's .d.ts for the editor, from the reward pipeline package when it provides one.
export async function rewardApiDts(): Promise<string> {
  try {
    const mod = (await import('@creditlab/rewards')) as { REWARD_API_DTS?: string };
    if (mod.REWARD_API_DTS) return mod.REWARD_API_DTS;
  } catch {
    // fall through: the editor still works, without reward API completions
  }
  return 'declare interface RewardContext { [key: string]: unknown }';
}
