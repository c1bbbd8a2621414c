// Trains one seed of a preset in this process with a console RunContext (a manual check, not a test).
//   node --import tsx workspaces/rl/test/run-local.ts [presets/cartpole-ppo.json] [--seed 0] [--steps N]
//        [--arm NAME] [--backend wasm|cpu|tensorflow] [--quiet]
// Prints a progress line every ~10% of the budget, then the final episodic return, env-steps/s and the
// tfjs tensor count before and after (it should not grow).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveExperiment, type RunContext } from '@creditlab/spec';
import { ALGORITHMS, initBackend } from '../src/index';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--') && argv[i - 1] !== '--quiet'));
const presetPath = resolve(positional[0] ?? 'presets/cartpole-ppo.json');
const spec = JSON.parse(readFileSync(presetPath, 'utf8')) as Record<string, unknown>;
const seed = Number(flag('seed') ?? 0);
spec.seeds = [seed];
if (flag('steps')) spec.budget = { ...(spec.budget as object), steps: Number(flag('steps')) };
const { runs } = resolveExperiment(spec);
const run = runs.find((r) => r.arm === (flag('arm') ?? r.arm))!;
if (run.config.kind !== 'rl') throw new Error('run-local trains RL runs only');

const { backend, tried } = await initBackend(flag('backend'));
console.log(`backend ${backend} (tried ${tried.map((t) => t.name + (t.error ? ` ✗ ${t.error}` : ' ✓')).join(', ')})`);
console.log(`${run.experiment}/${run.arm} seed ${run.seed}: ${run.config.algo.name} on ${run.config.env.id}, ${run.budget.steps} steps`);

const returns: number[] = [];
let lastMetrics: Record<string, number> = {};
let nextReport = 0;
const quiet = argv.includes('--quiet');
const tensorsBefore = tf.memory().numTensors;
const ctx: RunContext = {
  run,
  runDir: null,
  backend,
  log(step, metrics) {
    if ('charts/episodic_return' in metrics) returns.push(metrics['charts/episodic_return']);
    else lastMetrics = { step, ...metrics };
  },
  progress(step) {
    if (step < nextReport) return;
    nextReport += run.budget.steps / 10;
    const recent = returns.slice(-20);
    const mean = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
    if (!quiet) {
      console.log(
        `step ${step}: return(last 20) ${mean.toFixed(1)}, SPS ${lastMetrics['charts/SPS']?.toFixed(0)}, ` +
          `tensors ${tf.memory().numTensors}, ${Object.entries(lastMetrics)
            .filter(([k]) => k.startsWith('losses/'))
            .map(([k, v]) => `${k.slice(7)} ${v.toPrecision(3)}`)
            .join(', ')}`,
      );
    }
  },
  cancelled: () => false,
  info: (m) => console.log(m),
  sample: () => {},
  checkpoint: () => {},
};

const t0 = performance.now();
await ALGORITHMS[run.config.algo.name](ctx);
const seconds = (performance.now() - t0) / 1000;
const last20 = returns.slice(-20);
console.log(
  JSON.stringify({
    algo: run.config.algo.name,
    env: run.config.env.id,
    seed: run.seed,
    backend,
    steps: lastMetrics.step,
    seconds: Number(seconds.toFixed(1)),
    stepsPerSecond: Math.round(lastMetrics.step / seconds),
    episodes: returns.length,
    finalEpisodicReturn: returns.at(-1),
    meanReturnLast20: Number((last20.reduce((a, b) => a + b, 0) / Math.max(1, last20.length)).toFixed(1)),
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
  }),
);
