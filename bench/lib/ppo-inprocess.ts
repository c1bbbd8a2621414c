// PPO on CartPole in this process, through the same trainer the worker runs (ALGORITHMS.ppo with a
// RunContext that only counts), so the figure is the trainer's own speed without worker start-up or IPC.
// The bench runs it as a script (one fresh process per round); also the way to profile:
//   node --cpu-prof --import tsx bench/lib/ppo-inprocess.ts [steps] [seed] [env] [glue|sandbox|sandbox-quickjs]
import { procCpuSeconds } from './machine';
import { resolveExperiment, type RunContext } from '@creditlab/spec';
import { ALGORITHMS, initBackend } from '@creditlab/rl';
import { rlTrainOptions } from '@creditlab/runner/reward-glue';
import { prepareSandbox } from '@creditlab/rewards/sandbox';

export interface InProcessResult {
  steps: number;
  seconds: number;
  sps: number;
  meanReturnLast20: number;
  /** CPU time of this process (all its threads) over the training call. */
  cpuSeconds: number;
  /** gymnasium: ids on Linux: CPU time of the bridge's Python, read at the last metric it logged (the tail after it is not counted). */
  bridgeCpuSeconds?: number;
}

/** reward-sandbox: a user reward that reads the transition and returns 0, so both sides learn identically. */
export const BENCH_USER_REWARD = 'export default (ctx: RewardContext) => {\n  const a = ctx.nextObs[2];\n  return ctx.terminated ? 0 * a : 0 * a * a;\n};';

/**
 * `glue`: train through the worker's reward seam (rlTrainOptions: per-copy pipelines, episode metrics),
 * with the user reward when `userReward` is set; without `glue`, the trainer alone.
 */
export async function ppoCartpoleInProcess(
  steps: number,
  seed = 0,
  envId = 'CartPole-v1',
  opts: { glue?: boolean; userReward?: string } = {},
): Promise<InProcessResult> {
  let bridgePid = 0;
  let bridgeCpu: number | undefined;
  if (envId.startsWith('gymnasium:')) (await import('@creditlab/gym')).registerGymnasium({ onStart: (h) => (bridgePid = h.pid) });
  const { runs } = resolveExperiment({
    version: 1,
    name: 'bench-ppo-inprocess',
    seeds: [seed],
    budget: { steps },
    base: { kind: 'rl', env: { id: envId }, algo: { name: 'ppo' } },
    arms: [{ name: 'ppo', ...(opts.userReward ? { reward: { code: opts.userReward } } : {}) }],
  });
  const { backend } = await initBackend(process.env.CREDITLAB_BACKEND);
  const returns: number[] = [];
  let lastStep = 0;
  const ctx: RunContext = {
    run: runs[0],
    runDir: null,
    backend,
    log(step, m) {
      if ('charts/episodic_return' in m) returns.push(m['charts/episodic_return']);
      lastStep = Math.max(lastStep, step);
      if (bridgePid) bridgeCpu = procCpuSeconds(bridgePid) ?? bridgeCpu;
    },
    progress() {},
    cancelled: () => false,
    info() {},
    sample() {},
    checkpoint() {},
  };
  if (opts.userReward) await prepareSandbox();
  const trainOpts = opts.glue ? rlTrainOptions(runs[0], ctx) : undefined;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    await ALGORITHMS.ppo(ctx, trainOpts);
  } finally {
    trainOpts?.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const last = returns.slice(-20);
  return {
    steps: lastStep,
    seconds,
    sps: lastStep / seconds,
    meanReturnLast20: last.reduce((a, b) => a + b, 0) / Math.max(1, last.length),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...(bridgeCpu !== undefined ? { bridgeCpuSeconds: bridgeCpu } : {}),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // argv[4]: the env id; argv[5]: 'glue' (the reward seam, no user reward), 'sandbox' (the seam with
  // BENCH_USER_REWARD) or 'sandbox-quickjs' (the same, in the QuickJS engine).
  const mode = process.argv[5];
  if (mode === 'sandbox-quickjs') process.env.CREDITLAB_SANDBOX = 'quickjs';
  const r = await ppoCartpoleInProcess(Number(process.argv[2] ?? 32768), Number(process.argv[3] ?? 0), process.argv[4], {
    glue: mode === 'glue' || mode === 'sandbox' || mode === 'sandbox-quickjs',
    userReward: mode === 'sandbox' || mode === 'sandbox-quickjs' ? BENCH_USER_REWARD : undefined,
  });
  console.log(JSON.stringify(r));
}
