// User reward code that throws, loops, returns NaN, returns values too large to train on or reaches for
// the host fails its own run with a message naming the file and line (or the reward's size); the other runs of the experiment finish. Through the executor the CLI
// and `serve` use (a process per run): a worker thread stopped while it holds an isolated-vm isolate can
// abort its process, which must be the run's, not this test's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExperiment } from '@creditlab/spec';
import { ProcessPool, type WorkerEvent } from '../src/index';

const rewards: Record<string, string> = {
  ok: 'export default (ctx) => ctx.envReward * 0.5;',
  throws: 'export default (ctx) => {\n  if (ctx.t > 3) throw new RangeError("too late");\n  return 0;\n};',
  loops: 'export default (ctx) => {\n  if (ctx.t > 3) { while (true) {} }\n  return 0;\n};',
  nan: 'export default (ctx) => {\n  return ctx.t > 3 ? NaN : 0;\n};',
  escapes: 'export default (ctx) => {\n  const p = (ctx as any).constructor.constructor("return process")();\n  p.exit(3);\n  return 0;\n};',
  requires: 'const fs = require("fs");\nexport default () => fs.readFileSync("/etc/passwd").length;',
  // Finite, but infinite once stored as float32 for training: the losses become NaN, which the logs leave out.
  huge: 'export default () => 1e300;',
};

test('reward code failures fail only their own run, naming file and line', async () => {
  const spec = {
    version: 1,
    name: 'reward-isolation',
    seeds: [0],
    budget: { steps: 512 },
    base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 64 } },
    arms: Object.entries(rewards).map(([name, code]) => ({ name, reward: { code, timeoutMs: 200 } })),
  };
  const { runs } = resolveExperiment(spec);
  const pool = new ProcessPool({ workers: 2 });
  const ends = new Map<string, WorkerEvent>();
  pool.submit(
    runs.map((run) => ({ runId: run.arm, run, runDir: '' })),
    (id, e) => {
      if (e.type === 'done' || e.type === 'failed') ends.set(id, e);
    },
  );
  await pool.idle();
  await pool.shutdown();
  const msg = (arm: string) => {
    const e = ends.get(arm);
    assert.equal(e?.type, 'failed', `${arm}: ${JSON.stringify(e)}`);
    return (e as { message: string }).message;
  };
  assert.deepEqual(ends.get('ok'), { type: 'done', cancelled: false });
  assert.match(msg('throws'), /ok|throws\.reward\.ts:2:\d+.*too late/);
  assert.match(msg('throws'), /throws\.reward\.ts:2/);
  // Over its CPU time; on a machine so busy that the loop ran too little to show it, over the wall-clock backstop.
  assert.match(msg('loops'), /exceeded its time limit: more than (200 ms of CPU time|\d+ ms on the wall clock, the backstop to its 200 ms of CPU time)/);
  assert.match(msg('nan'), /NaN/);
  assert.match(msg('nan'), /nan\.reward\.ts/);
  assert.ok(ends.get('escapes')?.type === 'failed', 'escaping to process fails the run instead of exiting the worker');
  assert.match(msg('requires'), /require|import/i);
  assert.match(msg('huge'), /^training diverged at step \d+: the (value|policy) loss is (NaN|Infinity).*largest reward magnitude in this update was Infinity: scale the reward down/);
});
