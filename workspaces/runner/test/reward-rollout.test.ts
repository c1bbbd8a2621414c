// Scoring a user reward once per rollout (PPO, A2C) against once per vector step: same seed, same
// metrics, bit for bit. The reward below keeps a module-level call counter and reads the episode return
// (which the sandbox carries inside a rollout), so any change in the order or number of calls, or in the
// returns they see, changes the rewards and with them every later metric.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExperiment, type ResolvedRun, type RunContext } from '@creditlab/spec';
import { ALGORITHMS } from '@creditlab/rl';
import type { TrainOptions } from '@creditlab/rl';
import { rlTrainOptions } from '../src/reward-glue';

const STATEFUL = `
let calls = 0;
export default (ctx) => {
  calls++;
  ctx.state.n = (ctx.state.n ?? 0) + 1;
  return 0.01 * (calls % 7) - 0.001 * ctx.episode.return + 0.002 * ctx.state.n + 0.0001 * ctx.episode.envReturn;
};`;

interface Logged {
  step: number;
  key: string;
  value: number;
}

function resolved(algo: Record<string, unknown>, reward: Record<string, unknown>, steps = 1024, extra: Record<string, unknown> = {}): ResolvedRun {
  const { runs } = resolveExperiment({
    version: 1,
    name: 'rollout',
    seeds: [5],
    budget: { steps },
    base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo, reward, ...extra },
    arms: [{ name: 'a' }],
  });
  return runs[0];
}

type Mode = 'per-step' | 'per-rollout' | 'per-rollout-copy-major';

async function train(run: ResolvedRun, mode: Mode): Promise<{ logs: Logged[]; error: string | null; usedRollout: boolean }> {
  const logs: Logged[] = [];
  const ctx: RunContext = {
    run,
    runDir: null,
    backend: 'cpu',
    log: (step, metrics) => {
      for (const [key, value] of Object.entries(metrics)) if (key !== 'charts/SPS') logs.push({ step, key, value });
    },
    progress: () => {},
    cancelled: () => false,
    info: () => {},
    sample: () => {},
    checkpoint: () => {},
  };
  const glue = rlTrainOptions(run, ctx);
  const usedRollout = !!glue.shapeRollout;
  const opts: TrainOptions = { ...glue };
  if (mode === 'per-step') delete opts.shapeRollout;
  if (mode === 'per-rollout-copy-major') {
    // The same transitions, each copy's in order, but the copies one after another: a wrong order.
    const inner = glue.shapeRollout!;
    opts.shapeRollout = (ts) => {
      const order = ts.map((_, i) => i).sort((a, b) => ts[a].envIndex - ts[b].envIndex || a - b);
      const shaped = inner(order.map((i) => ts[i]));
      const out = new Float64Array(ts.length);
      order.forEach((i, k) => (out[i] = shaped[k]));
      return out;
    };
  }
  let error: string | null = null;
  try {
    await (ALGORITHMS as Record<string, (c: RunContext, o: TrainOptions) => Promise<void>>)[(run.config as { algo: { name: string } }).algo.name](ctx, opts);
  } catch (e) {
    error = (e as Error).message;
  } finally {
    glue.dispose();
  }
  return { logs, error, usedRollout };
}

/** Each metric's sequence of (step, value), in the order it was logged (metrics of one step may interleave differently). */
function byKey(logs: Logged[], keep: (key: string) => boolean = () => true): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const l of logs) if (keep(l.key)) (out[l.key] ??= []).push([l.step, l.value]);
  return out;
}

const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['ppo, combine add', { name: 'ppo', numEnvs: 4, numSteps: 64, numMinibatches: 4, updateEpochs: 2 }, { code: STATEFUL }],
  ['ppo, combine replace, tfjs path', { name: 'ppo', numEnvs: 3, numSteps: 50, numMinibatches: 2, updateEpochs: 1 }, { code: STATEFUL, combine: 'replace' }],
  ['a2c', { name: 'a2c', numEnvs: 4, numSteps: 5 }, { code: STATEFUL }],
];

for (const [name, algo, reward] of cases) {
  test(`per-rollout scoring gives the per-step metrics exactly: ${name}`, async () => {
    const run = resolved(algo, reward, 1024, name.includes('tfjs') ? { compute: 'tfjs' } : {});
    const step = await train(run, 'per-step');
    const rollout = await train(run, 'per-rollout');
    assert.equal(step.error, null);
    assert.equal(rollout.error, null);
    assert.ok(rollout.usedRollout, 'the glue offered no rollout shaper for a user reward without shaping or transforms');
    const a = byKey(step.logs);
    assert.ok((a['reward/user']?.length ?? 0) > 5, 'too few episodes to compare');
    assert.ok(a['losses/value_loss']?.length, 'no training metrics');
    assert.deepEqual(byKey(rollout.logs), a);
  });
}

test('the comparison notices a change in call order (copies scored one after another)', async () => {
  const run = resolved(cases[0][1], cases[0][2], 512);
  const step = await train(run, 'per-step');
  const wrong = await train(run, 'per-rollout-copy-major');
  assert.equal(wrong.error, null);
  assert.notDeepEqual(byKey(wrong.logs), byKey(step.logs));
});

test('a pipeline with shaping or transforms keeps scoring per vector step', async () => {
  for (const extra of [{ transforms: [{ type: 'scale', factor: 2 }] }, { shaping: [{ type: 'potential', terms: [{ field: 'obs[0]', weight: 1 }] }] }]) {
    const r = await train(resolved(cases[0][1], { code: STATEFUL, ...extra }, 256), 'per-rollout');
    assert.equal(r.error, null);
    assert.equal(r.usedRollout, false, JSON.stringify(extra));
  }
});

const failing: [string, string, RegExp][] = [
  ['a throw', 'let calls = 0;\nexport default (ctx) => {\n  if (++calls === 150) throw new Error("boom at " + ctx.t);\n  return 0.5;\n};', /reward\.ts:3:\d+: the reward function threw Error: boom at \d+ \(episode \d+, step \d+\)/],
  ['NaN', 'let calls = 0;\nexport default (ctx) => (++calls === 150 ? NaN : 0.5);', /returned NaN, expected a finite number \(episode \d+, step \d+\)/],
  ['an endless loop', 'let calls = 0;\nexport default (ctx) => {\n  if (++calls === 150) for (;;) {}\n  return 0.5;\n};', /the reward function exceeded its time limit: more than 100 ms of CPU time \(used [\d.]+ ms of CPU time in [\d.]+ ms on the wall clock; an endless loop\?\) \(episode \d+, step \d+\)/],
];

for (const [what, code, expected] of failing) {
  test(`a failure in the rollout batch names the same transition as per-step scoring: ${what}`, async () => {
    const run = resolved(cases[0][1], { code, timeoutMs: 100 });
    const step = await train(run, 'per-step');
    const rollout = await train(run, 'per-rollout');
    assert.match(step.error ?? '', expected);
    // A timeout's CPU and wall-clock times are the clocks'; the rest of the message must match.
    const stable = (m: string | null) => (m ?? '').replace(/used [\d.]+ ms of CPU time in [\d.]+ ms/, 'used … ms of CPU time in … ms');
    assert.equal(stable(rollout.error), stable(step.error));
    // The reward pipeline's episode metrics up to the failure are the same.
    const glueKeys = (k: string) => k.startsWith('reward/') || k === 'charts/shaped_return';
    assert.deepEqual(byKey(rollout.logs, glueKeys), byKey(step.logs, glueKeys));
  });
}
