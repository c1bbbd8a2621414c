// The reward a builder draft would run with, for re-scoring a recorded episode: the editor's code plus the
// shaping and transforms the spec gives the chosen arm (arm fields override base fields, as in resolution).
import type { RewardDraft } from '@creditlab/api';
import type { RewardTarget } from './spec-text';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export function rewardDraft(spec: unknown, code: string, target: RewardTarget, arm: string | null): { draft: RewardDraft; arm: string | null } {
  const base = isObj(spec) && isObj(spec.base) && isObj(spec.base.reward) ? spec.base.reward : {};
  const arms = isObj(spec) && Array.isArray(spec.arms) ? spec.arms.filter(isObj) : [];
  // The arm the editor's code applies to wins; otherwise the recorded run's own arm, when the spec has it.
  const armName = target.kind === 'arm' ? target.name : arm && arms.some((a) => a.name === arm) ? arm : null;
  const armObj = armName ? arms.find((a) => a.name === armName) : undefined;
  const armReward = armObj && isObj(armObj.reward) ? armObj.reward : {};
  const merged: Obj = { ...base, ...armReward };
  const draft: RewardDraft = {
    combine: merged.combine === 'replace' ? 'replace' : 'add',
    shaping: Array.isArray(merged.shaping) ? merged.shaping : [],
    transforms: Array.isArray(merged.transforms) ? merged.transforms : [],
  };
  if (typeof merged.timeoutMs === 'number') draft.timeoutMs = merged.timeoutMs;
  if (typeof merged.memoryLimitMb === 'number') draft.memoryLimitMb = merged.memoryLimitMb;
  const userCode = target.kind !== 'none' ? code : typeof merged.code === 'string' ? merged.code : undefined;
  if (userCode) {
    draft.code = userCode;
    draft.filename = 'reward.ts';
  }
  return { draft, arm: armName };
}
