// `npm run bench [-- --json] [-- --only NAME]`: each benchmark prints our figure, a reference figure
// measured in the same invocation, and their ratio. Long runs live here, never in the unit tests.
// See bench/README.md for what each benchmark measures and the figures measured on the dev machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Host } from '../src-main/host/host';
import { initBackend } from '@creditlab/rl';
import { LocalPool } from '@creditlab/runner';
import type { InProcessResult } from './lib/ppo-inprocess';
import { ensureTorch, PYTHON } from './lib/torch';
import { METRICS_PER_STEP } from './lib/metrics-trainer';
import { RLHF_BENCH, rlhfBenchPrompts, type RlhfBenchResult } from './lib/rlhf-inprocess';
import { DEFAULT_TASK, TOK, VOCAB_SIZE } from '@creditlab/rlhf';
import { machineInfo, ppoCompute, rlhfCompute } from './lib/machine';

export interface BenchResult {
  name: string;
  ours: number;
  reference: number | null;
  ratio: number | null;
  unit: string;
  backend: string;
  note?: string;
}

/** Which code did our side's arithmetic, per benchmark (children inherit this process's environment). */
const COMPUTE: Record<string, (backend: string) => string> = {
  'rl-ppo-cartpole': ppoCompute,
  'gym-bridge-cartpole': ppoCompute,
  'reward-sandbox': ppoCompute,
  'ppo-cartpole-1-worker': ppoCompute,
  'worker-startup': ppoCompute,
  'run-process-start': () => 'none (module loading and tfjs start-up)',
  scaling: ppoCompute,
  store: () => 'none (a trainer that only logs metrics; host and SQLite)',
  'ui-plot': () => 'Chromium (statistics in a Web Worker, Plotly)',
  'import-tb': () => 'none (file reading, protobuf decoding, SQLite)',
  'rlhf-ppo-tiny-lm': rlhfCompute,
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const steps = Number(process.env.BENCH_STEPS ?? 32768);
// Scaling needs runs long enough that a worker's start-up (tsx, tfjs wasm init: ~1 s) does not dominate:
// with 2-second runs the start-up and the second core's warm-up cap the ratio well below 2.
const scalingSteps = Number(process.env.BENCH_SCALING_STEPS ?? 131072);
/** rl-ppo-cartpole: env steps per training run (floored to whole 512-step iterations by both sides). */
const ppoSteps = Number(process.env.BENCH_PPO_STEPS ?? 50000);
/** rl-ppo-cartpole: ours and the reference alternate this many times; medians are compared. */
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const storeSteps = Number(process.env.BENCH_STORE_STEPS ?? 100000);

const log = (m: string) => process.stderr.write(m + '\n');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cartpoleSpec(seeds: number[], budgetSteps = steps) {
  return {
    version: 1,
    name: 'bench-cartpole-ppo',
    seeds,
    budget: { steps: budgetSteps },
    base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
    arms: [{ name: 'ppo' }],
  };
}

/** Runs an experiment through the real host + worker pool; returns total env steps per wall second. */
async function experimentSps(seeds: number[], workers: number): Promise<number> {
  return (await experiment(seeds, workers)).sps;
}

/** Also returns each run's own wall time (worker start to finish), to tell start-up from training. */
async function experiment(seeds: number[], workers: number, budgetSteps = steps): Promise<{ sps: number; runSeconds: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-bench-'));
  const host = new Host({ workspace: dir, workers });
  try {
    const t0 = performance.now();
    const { done, runIds } = host.launch(cartpoleSpec(seeds, budgetSteps));
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const runSeconds: number[] = [];
    for (const id of runIds) {
      const r = host.store.getRunSummary(id);
      if (r.status !== 'finished') throw new Error(`bench run ${id} ${r.status}: ${r.error}`);
      if (r.startedAt && r.endedAt) runSeconds.push((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000);
    }
    return { sps: (budgetSteps * seeds.length) / seconds, runSeconds };
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How much parallel CPU this machine gives us right now: the throughput of n threads spinning on pure
 * arithmetic relative to one. On a shared box this, not the workbench, caps the scaling ratio.
 */
async function cpuHeadroom(n: number): Promise<number> {
  const spin = (threads: number) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      let left = threads;
      for (let i = 0; i < threads; i++) {
        const w = new Worker('let x = 0; for (let i = 0; i < 3e8; i++) x += i % 7; require("node:worker_threads").parentPort.postMessage(x);', { eval: true });
        w.once('message', () => void w.terminate().then(() => --left === 0 && resolve(performance.now() - t0)));
        w.once('error', reject);
      }
    });
  const one = await spin(1);
  const many = await spin(n);
  return (n * one) / many;
}

interface PyResult {
  steps: number;
  seconds: number;
  sps: number;
  mean_return_last20: number | null;
  torch: string;
  threads: number;
}

/**
 * Our trainer in a fresh Node process per round, like the reference's fresh Python process: each side pays
 * its own JIT/library warm-up inside the timed region once per round, and neither inherits a warm heap.
 */
function runOursFresh(seed: number, envId = 'CartPole-v1', mode?: 'glue' | 'sandbox' | 'sandbox-quickjs', budgetSteps = ppoSteps): InProcessResult {
  const script = new URL('./lib/ppo-inprocess.ts', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, String(budgetSteps), String(seed), envId, ...(mode ? [mode] : [])], { encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`bench/lib/ppo-inprocess.ts failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as InProcessResult;
}

function runTorchReference(seed: number, gymSitePackages?: string): PyResult {
  const script = new URL('./reference/ppo_cartpole.py', import.meta.url).pathname;
  const gym = gymSitePackages ? ['--gym', '--extra-path', gymSitePackages] : [];
  const r = spawnSync(PYTHON, [script, '--steps', String(ppoSteps), '--seed', String(seed), ...gym], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reference ppo_cartpole.py failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as PyResult;
}

interface PyRlhfResult {
  tokens: number;
  seconds: number;
  tokens_per_second: number;
  tokens_per_cpu_second: number;
  sample_fraction: number;
  mean_length: number;
  torch: string;
  threads: number;
}

/** rlhf-ppo-tiny-lm: timed iterations (each 32×8 responses + one update) and untimed warm-up iterations. */
const rlhfIters = Number(process.env.BENCH_RLHF_ITERS ?? 6);
const rlhfWarmup = 2;
/** BENCH_RLHF_PACKED=1: the reference also skips finished rows (sampling and a packed-sequence update), as ours does. */
const rlhfPacked = process.env.BENCH_RLHF_PACKED === '1';

function runRlhfOursFresh(seed: number): RlhfBenchResult {
  const script = new URL('./lib/rlhf-inprocess.ts', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, String(rlhfIters), String(rlhfWarmup), String(seed)], { encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`bench/lib/rlhf-inprocess.ts failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as RlhfBenchResult;
}

/** The same prompt batches as ours (same seed), fed on stdin. */
function runRlhfReference(seed: number): PyRlhfResult {
  const script = new URL('./reference/rlhf_gru.py', import.meta.url).pathname;
  const { hidden, embedding, samples, lr } = RLHF_BENCH;
  const argv = [script, '--vocab', String(VOCAB_SIZE), '--hidden', String(hidden), '--embedding', String(embedding), '--max-tokens', String(DEFAULT_TASK.maxResponseTokens),
    '--end-token', String(TOK.END), '--samples', String(samples), '--iterations', String(rlhfIters), '--warmup', String(rlhfWarmup), '--lr', String(lr), '--seed', String(seed),
    ...(rlhfPacked ? ['--packed'] : [])];
  const r = spawnSync(PYTHON, argv, { encoding: 'utf8', input: JSON.stringify(rlhfBenchPrompts(rlhfWarmup + rlhfIters, seed)) });
  if (r.status !== 0) throw new Error(`reference rlhf_gru.py failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as PyRlhfResult;
}

const BENCHES: Record<string, (backend: string) => Promise<BenchResult>> = {
  async 'rl-ppo-cartpole'(backend) {
    const missing = ensureTorch(log);
    const ours: number[] = [];
    const ref: number[] = [];
    const oursReturn: number[] = [];
    const refReturn: number[] = [];
    let torchVersion = '';
    // Alternating the two, round by round, spreads the shared machine's load changes over both sides.
    for (let i = 0; i < rounds; i++) {
      const o = runOursFresh(i);
      ours.push(o.sps);
      oursReturn.push(o.meanReturnLast20);
      log(`rl-ppo-cartpole round ${i + 1}/${rounds}: ours ${o.sps.toFixed(0)} env-steps/s (load ${load()})`);
      if (!missing) {
        const p = runTorchReference(i);
        ref.push(p.sps);
        refReturn.push(p.mean_return_last20 ?? NaN);
        torchVersion = `torch ${p.torch}, ${p.threads} thread`;
        log(`rl-ppo-cartpole round ${i + 1}/${rounds}: pytorch ${p.sps.toFixed(0)} env-steps/s (load ${load()})`);
      }
    }
    const o = median(ours);
    const r = missing ? null : median(ref);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    const note = missing
      ? `reference not run: ${missing}; ours per round ${fmt(ours)}; load ${load()}`
      : `${ppoSteps} steps, CleanRL CartPole hyperparameters, medians of ${rounds} alternating rounds (ours ${fmt(ours)}, pytorch ${fmt(ref)}; ` +
        `return last 20 ours ${fmt(oursReturn)} vs ${fmt(refReturn)}); ${torchVersion}; ours = the worker's trainer (ALGORITHMS.ppo) in a fresh node process per round, timed around the training call like the reference; load ${load()}`;
    return { name: 'rl-ppo-cartpole', ours: o, reference: r, ratio: r === null ? null : o / r, unit: 'env-steps/s', backend, note };
  },
  async 'gym-bridge-cartpole'(backend) {
    // Ours through the bridge vs the same trainer on the TypeScript port, and the PyTorch reference on
    // Gymnasium's CartPole in its own process (Debian's torch; gymnasium from the bridge's interpreter,
    // appended to its path). Also the bridge's own cost per vector step.
    const { resolvePython } = await import('@creditlab/gym');
    const { probePython } = await import('@creditlab/gym/python');
    const probe = probePython();
    if (!probe.ok) {
      return { name: 'gym-bridge-cartpole', ours: NaN, reference: null, ratio: null, unit: 'env-steps/s', backend, note: `not run: ${probe.python} (${probe.source}): ${probe.error}` };
    }
    const site = spawnSync(resolvePython().python, ['-c', 'import gymnasium, os; print(os.path.dirname(os.path.dirname(gymnasium.__file__)))'], { encoding: 'utf8' }).stdout.trim();
    const missing = ensureTorch(log);
    const bridged: number[] = [];
    const native: number[] = [];
    const ref: number[] = [];
    // CPU seconds per env step, both processes of the bridged side: less at the mercy of other load than wall time.
    const bridgedCpu: number[] = [];
    const nativeCpu: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const b = runOursFresh(i, 'gymnasium:CartPole-v1');
      const n = runOursFresh(i);
      bridged.push(b.sps);
      native.push(n.sps);
      if (b.bridgeCpuSeconds !== undefined) bridgedCpu.push((b.cpuSeconds + b.bridgeCpuSeconds) / b.steps);
      nativeCpu.push(n.cpuSeconds / n.steps);
      if (!missing) ref.push(runTorchReference(i, site).sps);
      log(`gym-bridge-cartpole round ${i + 1}/${rounds}: bridge ${bridged[i].toFixed(0)}, native ${native[i].toFixed(0)}${missing ? '' : `, pytorch+gymnasium ${ref[i].toFixed(0)}`} env-steps/s (load ${load()})`);
    }
    const { bridgeStepCost } = await import('./lib/bridge-step');
    const cost = bridgeStepCost(5000);
    const o = median(bridged);
    const r = missing ? null : median(ref);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    const note =
      `${ppoSteps} steps, medians of ${rounds} rounds (bridge ${fmt(bridged)}, native ${fmt(native)}${missing ? `; reference not run: ${missing}` : `, pytorch ${fmt(ref)}`}); ` +
      `native/bridge wall-time ratio ${(median(native) / o).toFixed(2)} (goal ≤ 2); ` +
      (bridgedCpu.length === rounds ? `CPU time per env step, bridged (Node + Python) / native ${(median(bridgedCpu) / median(nativeCpu)).toFixed(2)}; ` : '') +
      `vector step (4 copies) ${cost.bridgeUsPerStep.toFixed(0)} µs through the bridge vs ${cost.pythonUsPerStep.toFixed(0)} µs inside Python (overhead ${cost.overheadUsPerStep.toFixed(0)} µs); ` +
      `Python ${probe.version}, gymnasium ${probe.gymnasium}; load ${load()}`;
    return { name: 'gym-bridge-cartpole', ours: o, reference: r, ratio: r === null ? null : o / r, unit: 'env-steps/s', backend, note };
  },
  async 'reward-sandbox'(backend) {
    // Both sides train through the worker's reward seam; ours adds a user reward run in its isolate (the
    // rollout scored in calls of 20). The reward returns 0, so both learn identically (the returns must match).
    // A third side, for the record: the same reward in the QuickJS (WebAssembly) engine, used where
    // isolated-vm does not load; its ratio goes in the note, not in the headline figure.
    const ours: InProcessResult[] = [];
    const ref: InProcessResult[] = [];
    const qjs: InProcessResult[] = [];
    for (let i = 0; i < rounds; i++) {
      const o = runOursFresh(i, 'CartPole-v1', 'sandbox');
      ours.push(o);
      log(`reward-sandbox round ${i + 1}/${rounds}: sandboxed user reward ${o.sps.toFixed(0)} env-steps/s (load ${load()})`);
      const r = runOursFresh(i, 'CartPole-v1', 'glue');
      ref.push(r);
      log(`reward-sandbox round ${i + 1}/${rounds}: no user reward ${r.sps.toFixed(0)} env-steps/s (load ${load()})`);
      const q = runOursFresh(i, 'CartPole-v1', 'sandbox-quickjs');
      qjs.push(q);
      log(`reward-sandbox round ${i + 1}/${rounds}: user reward in QuickJS ${q.sps.toFixed(0)} env-steps/s (load ${load()})`);
      for (const x of [o, q]) if (x.meanReturnLast20 !== r.meanReturnLast20) throw new Error(`reward-sandbox: the sides learned differently (${x.meanReturnLast20} vs ${r.meanReturnLast20})`);
    }
    const o = median(ours.map((x) => x.sps));
    const r = median(ref.map((x) => x.sps));
    const q = median(qjs.map((x) => x.sps));
    const fmt = (xs: InProcessResult[]) => xs.map((x) => x.sps.toFixed(0)).join('/');
    return {
      name: 'reward-sandbox',
      ours: o,
      reference: r,
      ratio: o / r,
      unit: 'env-steps/s',
      backend,
      note:
        `PPO CartPole ${ppoSteps} steps (4 envs), both through the reward seam (rlTrainOptions); ours with a user reward in its isolated-vm isolate, scored per rollout (calls of 20 transitions); ` +
        `medians of ${rounds} alternating rounds (ours ${fmt(ours)}, no user reward ${fmt(ref)}); identical returns on both sides; ` +
        `the same reward in the QuickJS engine (CREDITLAB_SANDBOX=quickjs): ${q.toFixed(0)} env-steps/s (${fmt(qjs)}), ratio ${(q / r).toFixed(2)} to no user reward; load ${load()}`,
    };
  },
  async 'worker-startup'(backend) {
    // Ours: one run through the real Host and LocalPool, timed from launch until the host has stored the
    // run's end, on a pool whose worker was started and warmed beforehand (as the app and `serve` do).
    // Each round gets a fresh Host, so its first run is also its worker's first run; a second run on
    // the same, now reused, worker is timed too. Reference: the same trainer in a fresh process, timed
    // around the training call. Same seed on both sides, so both do the same work (returns compared).
    const first: number[] = [];
    const again: number[] = [];
    const ref: number[] = [];
    const meanLast20 = (xs: number[]) => xs.slice(-20).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(20, xs.length));
    for (let i = 0; i < rounds; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'creditlab-bench-warm-'));
      const pool = new LocalPool({ workers: 1 });
      const host = new Host({ workspace: dir, workers: 1, executor: pool });
      try {
        await pool.prewarm();
        const viaHost = async () => {
          const t0 = performance.now();
          const { done, runIds, experimentId } = host.launch(cartpoleSpec([i]));
          await done;
          const seconds = (performance.now() - t0) / 1000;
          const r = host.store.getRunSummary(runIds[0]);
          if (r.status !== 'finished') throw new Error(`bench run ${runIds[0]} ${r.status}: ${r.error}`);
          return { sps: steps / seconds, meanReturn: meanLast20(host.store.series(experimentId, 'charts/episodic_return')[0].values) };
        };
        const h = await viaHost();
        first.push(h.sps);
        const o = runOursFresh(i, 'CartPole-v1', undefined, steps);
        ref.push(o.sps);
        if (Math.abs(h.meanReturn - o.meanReturnLast20) > 1e-9) throw new Error(`worker-startup: the worker's run and the in-process run learned differently (${h.meanReturn} vs ${o.meanReturnLast20})`);
        again.push((await viaHost()).sps);
      } finally {
        await host.close();
        rmSync(dir, { recursive: true, force: true });
      }
      log(`worker-startup round ${i + 1}/${rounds}: through the host ${first[i].toFixed(0)} (reused worker ${again[i].toFixed(0)}), in-process ${ref[i].toFixed(0)} env-steps/s (load ${load()})`);
    }
    const cold = await experimentSps([0], 1);
    const o = median(first);
    const r = median(ref);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    return {
      name: 'worker-startup',
      ours: o,
      reference: r,
      ratio: o / r,
      unit: 'env-steps/s',
      backend,
      note:
        `${steps}-step PPO CartPole run through Host + LocalPool (1 prewarmed worker, launch to stored end) vs the same trainer in a fresh process (timed around training); ` +
        `medians of ${rounds} alternating rounds (host ${fmt(first)}, in-process ${fmt(ref)}; same seeds, same returns); ` +
        `second run on the reused worker ${fmt(again)} (ratio ${(median(again) / r).toFixed(2)}); cold (fresh Host, no prewarm, start-up included) ${cold.toFixed(0)}; load ${load()}`,
    };
  },
  async 'run-process-start'(backend) {
    // A run process of the CLI and `serve` from fork until its worker is warm: from the bundles (ours)
    // vs the TypeScript through tsx (reference), alternating fresh processes, medians.
    const script = new URL('./lib/run-process-start.ts', import.meta.url).pathname;
    const once = (runtime: 'bundle' | 'tsx') => {
      const env = { ...process.env };
      if (runtime === 'tsx') env.CREDITLAB_WORKER_RUNTIME = 'tsx';
      else delete env.CREDITLAB_WORKER_RUNTIME;
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', env });
      if (r.status !== 0) throw new Error(`bench/lib/run-process-start.ts failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; cpu: number | null };
    };
    once('bundle'); // builds the bundles if the sources changed, outside the timing
    const ours: { seconds: number; cpu: number | null }[] = [];
    const ref: { seconds: number; cpu: number | null }[] = [];
    const before = load();
    for (let i = 0; i < Math.max(3, rounds); i++) {
      ours.push(once('bundle'));
      ref.push(once('tsx'));
    }
    const med = (xs: { seconds: number; cpu: number | null }[], k: 'seconds' | 'cpu') => (xs.every((x) => x[k] !== null) ? median(xs.map((x) => x[k] as number)) : null);
    const o = med(ours, 'seconds')!;
    const r = med(ref, 'seconds')!;
    const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
    return {
      name: 'run-process-start',
      ours: o,
      reference: r,
      ratio: r / o,
      unit: 's',
      backend,
      note:
        `fork to a warm worker, ${ours.length} alternating rounds, medians; child CPU seconds bundle ${f(med(ours, 'cpu'))} vs tsx ${f(med(ref, 'cpu'))}; ` +
        `per round bundle ${ours.map((x) => x.seconds.toFixed(2)).join('/')} s, tsx ${ref.map((x) => x.seconds.toFixed(2)).join('/')} s; load before ${before}, after ${load()}`,
    };
  },
  async 'ppo-cartpole-1-worker'(backend) {
    const sps = await experimentSps([0], 1);
    return { name: 'ppo-cartpole-1-worker', ours: sps, reference: null, ratio: null, unit: 'env-steps/s', backend, note: `${steps} steps, CleanRL hyperparameters, incl. worker start-up; load ${load()}` };
  },
  async scaling(backend) {
    const n = availableParallelism();
    const seeds = [0, 1, 2, 3];
    const before = load();
    const headBefore = await cpuHeadroom(n);
    const one = await experiment(seeds, 1, scalingSteps);
    const many = await experiment(seeds, n, scalingSteps);
    const headAfter = await cpuHeadroom(n);
    const secs = (xs: number[]) => xs.map((x) => x.toFixed(1)).join('/');
    return {
      name: 'scaling',
      ours: many.sps,
      reference: one.sps,
      ratio: many.sps / one.sps,
      unit: 'env-steps/s',
      backend,
      note:
        `4 runs × ${scalingSteps} steps: ${n} workers vs 1 worker (ideal ratio ${n}); per-run seconds 1 worker ${secs(one.runSeconds)}, ` +
        `${n} workers ${secs(many.runSeconds)}; CPU headroom (${n} spinning threads vs 1, the ceiling on this ratio right now) ` +
        `${headBefore.toFixed(2)} before, ${headAfter.toFixed(2)} after; load before ${before}, after ${load()}`,
    };
  },
  async store(backend) {
    // Ours: a fake trainer in a real worker logs METRICS_PER_STEP metrics per step; timed from launch until
    // the host has committed the last point (the run's `done` event is ordered after its final metrics batch).
    const dir = mkdtempSync(join(tmpdir(), 'creditlab-bench-store-'));
    const trainerModule = new URL('./lib/metrics-trainer.ts', import.meta.url).href;
    const pool = new LocalPool({ workers: 1, trainerModule });
    const host = new Host({ workspace: dir, workers: 1, executor: pool });
    const points = storeSteps * METRICS_PER_STEP;
    let ours: number;
    let schema: string[];
    try {
      // The worker is started beforehand, as the app's pool has it: its start-up is worker-startup's subject.
      await pool.prewarm();
      const t0 = performance.now();
      const { done, runIds } = host.launch({ ...cartpoleSpec([0]), name: 'bench-store', budget: { steps: storeSteps } });
      await done;
      ours = points / ((performance.now() - t0) / 1000);
      const stored = (host.store.db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
      if (stored !== points) throw new Error(`store bench: ${stored} of ${points} points stored (${host.store.getRunSummary(runIds[0]).status})`);
      schema = (host.store.db.prepare(`SELECT sql FROM sqlite_master WHERE tbl_name='metrics' AND sql IS NOT NULL`).all() as { sql: string }[]).map((r) => r.sql);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // Reference: the same table and index, same pragmas, raw prepared single-row inserts of the same rows
    // (run, metric, step, value, and the batch's wall time as ours stores it), one transaction per 2000
    // points (the worker's flush size), no IPC or bookkeeping: the plain way to write these rows. The same
    // without the wall column (how this reference was defined before) is measured too, for the note.
    const raw = (withWall: boolean): number => {
      const refDir = mkdtempSync(join(tmpdir(), 'creditlab-bench-sqlite-'));
      try {
        const db = new Database(join(refDir, 'ref.sqlite'));
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        for (const sql of schema) db.exec(sql);
        const ins = withWall ? db.prepare('INSERT INTO metrics (rid, mid, step, value, wall) VALUES (?, ?, ?, ?, ?)') : db.prepare('INSERT INTO metrics (rid, mid, step, value) VALUES (?, ?, ?, ?)');
        const batch = db.transaction((from: number, to: number) => {
          const wall = Date.now() / 1000;
          if (withWall) for (let p = from; p < to; p++) ins.run(1, p % METRICS_PER_STEP, Math.floor(p / METRICS_PER_STEP) + 1, Math.sin(p * 0.001), wall);
          else for (let p = from; p < to; p++) ins.run(1, p % METRICS_PER_STEP, Math.floor(p / METRICS_PER_STEP) + 1, Math.sin(p * 0.001));
        });
        const t0 = performance.now();
        for (let p = 0; p < points; p += 2000) batch(p, Math.min(points, p + 2000));
        const rate = points / ((performance.now() - t0) / 1000);
        db.close();
        return rate;
      } finally {
        rmSync(refDir, { recursive: true, force: true });
      }
    };
    const reference = raw(true);
    const withoutWall = raw(false);
    return {
      name: 'store',
      ours,
      reference,
      ratio: ours / reference,
      unit: 'points/s',
      backend,
      note: `${points} points (${storeSteps} steps × ${METRICS_PER_STEP} metrics) worker (prewarmed) → host → SQLite vs raw better-sqlite3 single-row inserts of the same rows, 2000/transaction; the same raw inserts without the wall column ${withoutWall.toFixed(0)} points/s (ours / that ${(ours / withoutWall).toFixed(2)}); load ${load()}`,
    };
  },
  async 'ui-plot'() {
    const { measureUiPlot } = await import('./ui-plot/run');
    const { worker: m, sync: ref, all } = await measureUiPlot(3);
    const ms = (x: number) => x.toFixed(0);
    const per = (mode: string, f: (a: (typeof all)[number]) => number) => all.filter((a) => a.mode === mode).map((a) => ms(f(a))).join('/');
    return {
      name: 'ui-plot',
      ours: m.blockingMs,
      reference: ref.blockingMs,
      ratio: ref.blockingMs / m.blockingMs,
      unit: 'ms',
      backend: 'chromium',
      note:
        `longest main-thread block while rendering 40 runs × 10,000 points (4 arms × 10 seeds) with the statistics in the worker (goal < 50 ms: ${m.blockingMs < 50 ? 'met' : 'not met'} at this load); ` +
        `reference = the same with the statistics computed on the page's thread, ratio = reference/ours; ` +
        `worker path: painted figure after ${ms(m.totalMs)} ms (empty figure ${ms(m.emptyMs)} ms, request ${ms(m.requestMs)} ms, worker result at ${ms(m.statsMs)} ms, figure drawn in pieces + paint ${ms(m.plotMs)} ms; Plotly.react calls ${m.reactMs.map(ms).join('/')} ms), ` +
        `long tasks >= 50 ms ${m.longTasks.length ? m.longTasks.map(ms).join('/') : 'none'}, longest task in the trace ${ms(m.longestTask.wallMs)} ms of which ${ms(m.longestTask.cpuMs)} ms thread CPU ` +
        `(per page ${per('worker', (a) => a.longestTask.cpuMs)} ms CPU vs reference ${per('sync', (a) => a.longestTask.cpuMs)}), result identical to the page-thread computation: ${all.every((a) => a.identical)}; ` +
        `reference path: painted after ${ms(ref.totalMs)} ms; ` +
        `not in the render: JSON.parse of these series as getSeries returns them ${ms(m.parseMs)} ms; ` +
        `medians by block of ${all.length / 2} alternating pages each (block ${per('worker', (a) => a.blockingMs)} vs ${per('sync', (a) => a.blockingMs)}; painted ${per('worker', (a) => a.totalMs)} vs ${per('sync', (a) => a.totalMs)}); load ${load()}`,
    };
  },
  async 'import-tb'(backend) {
    const { measureImportTb, IMPORT_TB } = await import('./lib/import-tb');
    const m = await measureImportTb();
    const ours = m.points / m.oursSeconds;
    const reference = m.refSeconds === null ? null : m.points / m.refSeconds;
    return {
      name: 'import-tb',
      ours,
      reference,
      ratio: reference === null ? null : ours / reference,
      unit: 'points/s',
      backend,
      note:
        `${IMPORT_TB.runs} runs × ${IMPORT_TB.tags} tags × ${IMPORT_TB.points} points: ours ${m.oursSeconds.toFixed(1)} s (read, CRC-32C, decode, write to SQLite; goal < 10 s)` +
        `${m.refSeconds === null ? '' : `, reference ${m.refSeconds.toFixed(1)} s`}; ${m.refNote}; load ${load()}`,
    };
  },
  async 'rlhf-ppo-tiny-lm'(backend) {
    const missing = ensureTorch(log);
    const ours: RlhfBenchResult[] = [];
    const ref: PyRlhfResult[] = [];
    for (let i = 0; i < rounds; i++) {
      const o = runRlhfOursFresh(i);
      ours.push(o);
      log(`rlhf-ppo-tiny-lm round ${i + 1}/${rounds}: ours ${o.tokensPerSecond.toFixed(0)} tokens/s (load ${load()})`);
      if (!missing) {
        const p = runRlhfReference(i);
        ref.push(p);
        log(`rlhf-ppo-tiny-lm round ${i + 1}/${rounds}: pytorch ${p.tokens_per_second.toFixed(0)} tokens/s (load ${load()})`);
      }
    }
    const o = median(ours.map((x) => x.tokensPerSecond));
    const r = missing ? null : median(ref.map((x) => x.tokens_per_second));
    const fmt = (xs: number[], d = 0) => xs.map((x) => x.toFixed(d)).join('/');
    const { prompts, samples, hidden, embedding } = RLHF_BENCH;
    const setup =
      `${prompts} prompts × ${samples} samples, max ${DEFAULT_TASK.maxResponseTokens} response tokens, GRU hidden ${hidden} embedding ${embedding} vocab ${VOCAB_SIZE}, ` +
      `${rlhfIters} timed iterations after ${rlhfWarmup} warm-up, each = token-by-token sampling (hidden state carried) + one RLOO policy-gradient update (Adam, grad-clip 1) on the whole batch; ` +
      `both sides from random weights (no SFT), 1 thread (tfjs wasm without multithreading vs torch.set_num_threads(1)); tokens = generated response tokens (rows stop at '.')`;
    const note = missing
      ? `reference not run: ${missing}; ${setup}; ours per round ${fmt(ours.map((x) => x.tokensPerSecond))}; load ${load()}`
      : `${setup}; medians of ${rounds} alternating rounds (ours ${fmt(ours.map((x) => x.tokensPerSecond))}, pytorch ${fmt(ref.map((x) => x.tokens_per_second))}; ` +
        `per CPU-second of each process, less sensitive to other tenants: ours ${fmt(ours.map((x) => x.tokensPerCpuSecond))} vs ${fmt(ref.map((x) => x.tokens_per_cpu_second))}, ` +
        `ratio of medians ${(median(ours.map((x) => x.tokensPerCpuSecond)) / median(ref.map((x) => x.tokens_per_cpu_second))).toFixed(2)}; ` +
        `mean response length ours ${fmt(ours.map((x) => x.meanLength), 1)} vs ${fmt(ref.map((x) => x.mean_length), 1)}; sampling share of the time ours ${fmt(ours.map((x) => x.sampleFraction), 2)} vs ${fmt(ref.map((x) => x.sample_fraction), 2)}); ` +
        `torch ${ref[0].torch}, ${ref[0].threads} thread; reference ${rlhfPacked ? 'packed (skips finished rows, BENCH_RLHF_PACKED=1)' : 'padded (steps every row to the longest, as nn.GRU on the padded batch does)'}; ` +
        `ours = GruModel.sample + PolicyGradientStep from @creditlab/rlhf (${ours[0].compute} path; the fused path skips finished rows) in a fresh node process per round; load ${load()}`;
    return { name: 'rlhf-ppo-tiny-lm', ours: o, reference: r, ratio: r === null ? null : o / r, unit: 'tokens/s', backend, note };
  },
};

const { backend } = await initBackend(process.env.CREDITLAB_BACKEND);
if (only && !(only in BENCHES)) throw new Error(`unknown benchmark "${only}"; one of ${Object.keys(BENCHES).join(', ')}`);
const results: BenchResult[] = [];
for (const [name, fn] of Object.entries(BENCHES)) {
  if (only && name !== only) continue;
  const r = await fn(backend);
  results.push(r);
  // Every line says what it ran on, so figures from different machines are never mixed up.
  const where = { compute: COMPUTE[name]?.(backend) ?? 'unknown', ...machineInfo() };
  if (json) console.log(JSON.stringify({ ...r, ...where }));
  else {
    const f = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(3));
    console.log(
      `${r.name.padEnd(24)} ours ${f(r.ours).padStart(8)}  reference ${f(r.reference).padStart(8)}  ratio ${f(r.ratio).padStart(6)}  ${r.unit}  [${r.backend}; ${where.compute}; ${where.cpu} × ${where.cores}, Node ${where.node}, V8 ${where.v8}, tfjs ${where.tfjs}]  ${r.note ?? ''}`,
    );
  }
}
