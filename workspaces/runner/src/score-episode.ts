// Re-scores a recorded episode with a draft reward: the "try on a recorded episode" panel.
// Pure pipeline work; runs inside the scoring worker (see score-service.ts), never in the host thread;
// the draft itself runs in its own isolate (see @creditlab/rewards/sandbox).
import { RewardError } from '@creditlab/rewards';
import { createSandboxedRewardPipeline, compileRewardModule, RewardWatchdog } from '@creditlab/rewards/sandbox';
import type { EpisodeRecord, EpisodeScore, RewardDraft } from '@creditlab/api';

export function scoreEpisode(draft: RewardDraft, episode: EpisodeRecord, watchdogBuffer?: SharedArrayBuffer): EpisodeScore {
  const t0 = performance.now();
  const cfg = { ...draft, shaping: draft.shaping ?? [], transforms: draft.transforms ?? [] };
  const steps: Record<string, number>[] = [];
  let at: number | null = null;
  try {
    const watchdog = watchdogBuffer ? new RewardWatchdog(watchdogBuffer) : undefined;
    const compiled = draft.code ? compileRewardModule({ filename: draft.filename ?? 'reward.ts', code: draft.code }, { timeoutMs: draft.timeoutMs ?? 50, memoryLimitMb: draft.memoryLimitMb, watchdog }) : undefined;
    try {
      const pipe = createSandboxedRewardPipeline(cfg as never, { envId: episode.env, compiled, copy: 0, shared: new Map() });
      const first = episode.steps[0];
      if (first) pipe.startEpisode(Float64Array.from(first.obs), episode.resetInfo);
      episode.steps.forEach((s, i) => {
        at = i;
        pipe.step({
          obs: Float64Array.from(s.obs),
          action: typeof s.action === 'number' ? s.action : Float64Array.from(s.action),
          nextObs: Float64Array.from(s.nextObs),
          envReward: s.envReward,
          terminated: s.terminated,
          truncated: s.truncated,
          info: s.info,
          t: i,
        });
        steps.push(pipe.lastStep());
      });
      at = null;
      const totals = pipe.endEpisode();
      return { steps, totals, error: null, elapsedMs: performance.now() - t0 };
    } finally {
      compiled?.dispose();
    }
  } catch (e) {
    const err = e as RewardError;
    return {
      steps,
      totals: {},
      error: { message: err.message ?? String(e), line: err.line ?? null, column: err.column ?? null, step: at },
      elapsedMs: performance.now() - t0,
    };
  }
}
