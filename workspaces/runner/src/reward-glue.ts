// Plugs the reward pipeline (user code → shaping → transforms) into an RL trainer's reward seam,
// one pipeline per env copy, and logs what a comparison needs at each episode end: the per-stage
// returns (`reward/*`), `charts/shaped_return`, and for goal-reaching envs `charts/success_rate`
// plus the first step at which it reached 0.9 (`charts/steps_to_success_0.9`).
import type { ResolvedRun, RunContext } from '@creditlab/spec';
import type { TrainOptions, Transition } from '@creditlab/rl';
import { stepPipelines, type RewardPipeline, type UserRewardInput } from '@creditlab/rewards';
import type { EpisodeRecord } from '@creditlab/api';
import { fromSnapshot, restoreInto, snapshot, type Snapshot } from '@creditlab/common/snapshot';
import { compileRewardModule, createSandboxedRewardPipeline, RewardWatchdog, type CompiledReward } from '@creditlab/rewards/sandbox';

/** Success-rate window (episodes), as in Stable-Baselines3's ep_info_buffer. */
const SUCCESS_WINDOW = 100;
const SUCCESS_THRESHOLD = 0.9;
/** Episodes recorded per run for re-scoring ("try on a recorded episode"), spread over the budget. */
const RECORDINGS = 10;
/** Longer episodes are not recorded whole (Pendulum's 200 and CartPole's 500 steps fit). */
const MAX_RECORDED_STEPS = 2000;

/** Whether a finished episode reached the task's goal; null for envs without one. */
function succeeded(envId: string, t: Transition): boolean | null {
  const events = t.info.events ?? [];
  if (events.includes('goal_reached') || events.includes('chain_solved')) return true;
  if (typeof t.info.success === 'boolean') return t.info.success;
  switch (envId) {
    case 'KeyDoor':
    case 'DelayedChain':
      return false;
    case 'MountainCar-v0':
    case 'Acrobot-v1':
      return t.terminated;
    default:
      return null;
  }
}

export function rlTrainOptions(run: ResolvedRun, ctx: RunContext, watchdogBuffer?: SharedArrayBuffer): TrainOptions & { dispose(): void } {
  const cfg = run.config;
  if (cfg.kind !== 'rl') throw new Error('rlTrainOptions: not an RL run');
  const reward = cfg.reward;
  const compiled: CompiledReward | undefined = reward?.source
    ? compileRewardModule(reward.source, {
        timeoutMs: reward.timeoutMs,
        memoryLimitMb: reward.memoryLimitMb,
        seed: run.seed,
        watchdog: watchdogBuffer ? new RewardWatchdog(watchdogBuffer) : undefined,
      })
    : undefined;
  const gamma = 'gamma' in cfg.algo && typeof cfg.algo.gamma === 'number' ? cfg.algo.gamma : 0.99;
  const shared = new Map<string, unknown>();
  const pipes: RewardPipeline[] = [];
  const recent: number[] = [];
  let reachedAt: number | null = null;
  // Env copy 0 records the first episode that starts after each 1/RECORDINGS of the budget.
  let recording: EpisodeRecord | null = null;
  let recorded = 0;
  const nextRecordingAt = () => (recorded * run.budget.steps) / RECORDINGS;
  const toJson = (info: object) => JSON.parse(JSON.stringify(info)) as Record<string, unknown>;
  const pipeFor = (copy: number) => (pipes[copy] ??= createSandboxedRewardPipeline(reward, { envId: cfg.env.id, gamma, compiled, copy, shared }));

  /** Before the reward: opens the pipeline's episode and records the transition when it is being recorded. */
  const before = (t: Transition, p: RewardPipeline) => {
    if (t.episodeStep === 0) {
      p.startEpisode(t.obs, t.resetInfo ?? {});
      if (t.envIndex === 0 && recording === null && recorded < RECORDINGS && t.globalStep >= nextRecordingAt()) {
        recording = { env: cfg.env.id, envParams: cfg.env.params, steps: [], resetInfo: toJson(t.resetInfo ?? {}), envReturn: 0 };
      }
    }
    if (recording && t.envIndex === 0) {
      if (recording.steps.length < MAX_RECORDED_STEPS) {
        recording.steps.push({
          obs: Array.from(t.obs),
          action: typeof t.action === 'number' ? t.action : Array.from(t.action),
          nextObs: Array.from(t.nextObs),
          envReward: t.reward,
          terminated: t.terminated,
          truncated: t.truncated,
          info: toJson(t.info),
        });
      }
      recording.envReturn += t.reward;
      if (t.terminated || t.truncated) {
        if (recording.steps.length < MAX_RECORDED_STEPS) ctx.sample(t.globalStep + 1, 'episode', recording);
        recording = null;
        recorded++;
      }
    }
  };
  const transition = (t: Transition) => ({ obs: t.obs, action: t.action, nextObs: t.nextObs, envReward: t.reward, terminated: t.terminated, truncated: t.truncated, info: t.info, t: t.episodeStep });
  /** After the reward: logs the episode's per-stage sums when it ended. */
  const after = (t: Transition, p: RewardPipeline) => {
    if (t.terminated || t.truncated) {
      const sums = p.endEpisode();
      const metrics: Record<string, number> = { 'charts/shaped_return': sums['reward/total'] };
      if (reward) Object.assign(metrics, sums);
      const ok = succeeded(cfg.env.id, t);
      if (ok !== null) {
        recent.push(ok ? 1 : 0);
        if (recent.length > SUCCESS_WINDOW) recent.shift();
        const rate = recent.reduce((a, b) => a + b, 0) / recent.length;
        metrics['charts/success_rate'] = rate;
        // Needs a full-ish window so that one lucky early episode does not count as "solved".
        if (reachedAt === null && recent.length >= Math.min(20, SUCCESS_WINDOW) && rate >= SUCCESS_THRESHOLD) {
          reachedAt = t.globalStep + 1;
          metrics[`charts/steps_to_success_${SUCCESS_THRESHOLD}`] = reachedAt;
        }
      }
      ctx.log(t.globalStep + 1, metrics);
    }
  };

  const batchPipes: RewardPipeline[] = [];
  const batchTrs: ReturnType<typeof transition>[] = [];
  let batchOut = new Float64Array(0);
  /**
   * A whole rollout: the user inputs are computed ahead (each pipeline's lookahead), scored in a few
   * calls into the sandbox, then every transition goes through before/step/after in order as the
   * per-step path does, so metrics, recordings and the user code's calls are the same. On a failure,
   * the transitions before it are stepped (their episode metrics logged) and the error thrown.
   */
  const shapeRollout = (ts: readonly Transition[]): Float64Array => {
    const n = ts.length;
    const out = new Float64Array(n);
    const ahead = new Map<number, ReturnType<RewardPipeline['lookahead']>>();
    const inputs: UserRewardInput[] = new Array(n);
    const trs: ReturnType<typeof transition>[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = ts[i];
      let next = ahead.get(t.envIndex);
      if (!next) ahead.set(t.envIndex, (next = pipeFor(t.envIndex).lookahead()));
      trs[i] = transition(t);
      inputs[i] = next(trs[i], t.episodeStep === 0);
    }
    const { values, scored, error } = compiled!.rewardRollout!(inputs, pipeFor(0).rolloutCombine!);
    for (let i = 0; i < scored; i++) {
      const p = pipeFor(ts[i].envIndex);
      before(ts[i], p);
      out[i] = p.step(trs[i], values[i]);
      after(ts[i], p);
    }
    if (error) throw error;
    if (scored < n) throw new Error(`internal: the rollout's reward stopped at transition ${scored} without an error`);
    return out;
  };
  const rolloutOk = !!compiled?.rewardRollout && pipeFor(0).rolloutCombine !== null;
  return {
    ...(rolloutOk ? { shapeRollout } : {}),
    rewardState: {
      // User reward code is a function of its transition (the reward API's contract), so only the
      // pipeline's own state, the shared counts and this glue's episode bookkeeping need saving.
      save: () =>
        snapshot({
          shared,
          pipes: Array.from({ length: pipes.length }, (_, i) => pipes[i]?.saveState() ?? null),
          recent,
          reachedAt,
          recording,
          recorded,
        }),
      load(state) {
        const s = state as Record<string, Snapshot>;
        restoreInto(shared, s.shared);
        (s.pipes as Snapshot[]).forEach((p, i) => {
          if (p !== null) pipeFor(i).loadState(fromSnapshot(p));
        });
        recent.splice(0, recent.length, ...(fromSnapshot(s.recent) as number[]));
        reachedAt = fromSnapshot(s.reachedAt) as number | null;
        recording = fromSnapshot(s.recording) as EpisodeRecord | null;
        recorded = fromSnapshot(s.recorded) as number;
      },
    },
    shapeReward(t) {
      const p = pipeFor(t.envIndex);
      before(t, p);
      const out = p.step(transition(t));
      after(t, p);
      return out;
    },
    shapeRewards(ts) {
      const n = ts.length;
      if (batchOut.length !== n) batchOut = new Float64Array(n);
      batchPipes.length = n;
      batchTrs.length = n;
      for (let i = 0; i < n; i++) {
        batchPipes[i] = pipeFor(ts[i].envIndex);
        before(ts[i], batchPipes[i]);
        batchTrs[i] = transition(ts[i]);
      }
      stepPipelines(batchPipes, batchTrs, compiled, batchOut);
      for (let i = 0; i < n; i++) after(ts[i], batchPipes[i]);
      return batchOut;
    },
    dispose() {
      compiled?.dispose();
    },
  };
}
