import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { claimUnhandledRejection, compileRewardModule, createSandboxedRewardPipeline, RewardWatchdog, timeoutError, REWARD_API_DTS, type WatchdogTimeout } from '../src/sandbox';
import { RewardError, type UserRewardInput } from '../src/index';

const input = (over: Partial<UserRewardInput> = {}): UserRewardInput => ({
  obs: [0.5, 1],
  nextObs: [1, 2],
  action: 1,
  envReward: 0,
  terminated: false,
  truncated: false,
  info: { events: ['key_picked'], distance: 3, pos: new Float64Array([1, 2]) },
  t: 4,
  envId: 'KeyDoor-v0',
  events: ['key_picked'],
  copy: 0,
  episode: { index: 2, return: 1.5, envReturn: 1 },
  ...over,
});
// A per-call limit far above any honest call, so a loaded machine never trips it; the timeout tests pass their own.
const compile = (code: string, timeoutMs = 2000) => compileRewardModule({ filename: 'arm.reward.ts', code }, { timeoutMs });
const fails = (f: () => unknown, check: (e: RewardError) => void) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof RewardError, String(e));
    check(e);
    return true;
  });

test('the context the code sees: every documented field, fresh arrays, per-episode state', () => {
  const m = compile(`
    export default function (ctx: any): number {
      ctx.state.n = ((ctx.state.n as number) ?? 0) + 1;
      const ok = ctx.env === 'KeyDoor-v0' && ctx.t === 4 && ctx.obs instanceof Float64Array && ctx.obs[0] === 0.5 && ctx.nextObs[1] === 2
        && ctx.action === 1 && ctx.envReward === 0 && !ctx.terminated && !ctx.truncated && ctx.events[0] === 'key_picked'
        && ctx.info.distance === 3 && ctx.info.pos[1] === 2 && ctx.episode.index === 2 && ctx.episode.return === 1.5 && ctx.episode.envReturn === 1;
      return ok ? ctx.state.n : -1;
    }
    export function potential(obs: Float64Array, info: any) { return obs[0] * 10 + info.distance; }`);
  assert.equal(m.reward(input()), 1);
  assert.equal(m.reward(input()), 2);
  assert.equal(m.reward(input({ episode: { index: 3, return: 0, envReturn: 0 } })), -1, 'new episode: a fresh state object');
  assert.equal(m.reward(input({ action: [0.25, 2], episode: { index: 4, return: 1.5, envReturn: 1 } })), -1);
  assert.equal(m.potential([0.5], { distance: 3 }, { copy: 0, episode: 0, step: 0 }), 8);
  assert.ok(m.hasReward && m.hasPotential);
  assert.match(REWARD_API_DTS, /interface RewardContext[\s\S]*state: Record<string, unknown>/);
});

test('a compile error names line:column', () => {
  fails(() => compile('const a = 1;\nconst b: number = ;\nexport default () => b;'), (e) => {
    assert.equal(e.kind, 'compile');
    assert.equal(e.line, 2);
    assert.equal(e.column, 19);
    assert.match(e.message, /^arm\.reward\.ts:2:19: syntax error/);
  });
});

test('a throw names the user line and column, and the episode/step', () => {
  const m = compile(`const limit = 3;\n\nexport default (ctx: { t: number }) => {\n  if (ctx.t > limit) throw new RangeError('too late');\n  return 0;\n};`);
  fails(() => m.reward(input()), (e) => {
    assert.equal(e.kind, 'throw');
    assert.deepEqual([e.line, e.column, e.episode, e.step], [4, 28, 2, 4]);
    assert.match(e.message, /^arm\.reward\.ts:4:28: the reward function threw RangeError: too late \(episode 2, step 4\)$/);
  });
});

test('NaN, Infinity and non-numbers are rejected, naming the value', () => {
  fails(() => compile('export default () => NaN').reward(input()), (e) => assert.ok(e.kind === 'non-finite' && /returned NaN/.test(e.message)));
  fails(() => compile('export default () => 1 / 0').reward(input()), (e) => assert.match(e.message, /returned Infinity/));
  fails(() => compile('export default () => "1"').reward(input()), (e) => assert.ok(e.kind === 'wrong-type' && /a string "1"/.test(e.message)));
  fails(() => compile('export default () => undefined').reward(input()), (e) => assert.match(e.message, /returned undefined/));
  fails(() => compile('export default async () => 1').reward(input()), (e) => assert.match(e.message, /Promise/));
  fails(() => compile('export default 3'), (e) => assert.match(e.message, /default export is a number 3/));
});

test('an endless loop is stopped by the time limit (vm timeout, in-process)', () => {
  const t0 = performance.now();
  fails(() => compile('export default () => { while (true) {} }', 20).reward(input()), (e) => assert.ok(e.kind === 'timeout' && /20 ms/.test(e.message) && e.step === 4));
  fails(() => compileRewardModule({ filename: 'top.ts', code: 'while (true) {}\nexport default () => 1;' }, { timeoutMs: 10, initTimeoutMs: 20 }), (e) => assert.match(e.message, /top-level code ran longer than 20 ms/));
  assert.ok(performance.now() - t0 < 2000);
});

test('no process, require, imports, timers, eval; host objects are unreachable through constructors and stacks', () => {
  const probe = compile(`export default (ctx: any) => {
    const g: any = globalThis;
    const realm = (function () {}).constructor;
    const sameRealm = [ctx, ctx.obs, ctx.info, ctx.state, ctx.events, g].every((v) => v.constructor.constructor === realm);
    let stackRealm = true;
    (Error as any).prepareStackTrace = (_e: any, frames: any[]) => frames;
    const frames: any = new Error().stack;
    if (Array.isArray(frames)) for (const f of frames) { const fn = f.getFunction?.(); if (fn && fn.constructor !== realm) stackRealm = false; }
    let evalBlocked = false;
    try { realm('return process')(); } catch { evalBlocked = true; }
    const absent = [g.process, g.require, g.module, g.setTimeout, g.setImmediate, g.queueMicrotask, g.console, g.SharedArrayBuffer, g.fetch, g.Buffer].every((x) => x === undefined);
    return sameRealm && stackRealm && evalBlocked && absent ? 1 : 0;
  }`);
  assert.equal(probe.reward(input()), 1);
  fails(() => compile(`import fs from 'node:fs';\nexport default () => 1;`), (e) => assert.ok(e.kind === 'import' && e.line === 1 && /"node:fs"/.test(e.message)));
  fails(() => compile(`export default () => (require as any)('fs').readFileSync('/etc/passwd').length;`).reward(input()), (e) => assert.equal(e.kind, 'import'));
  fails(() => compile(`export default () => (globalThis as any).process.exit(1);`).reward(input()), (e) => assert.match(e.message, /TypeError/));
});

test('the sandboxed pipeline compiles the spec source once and feeds the user reward into the pipeline', () => {
  const p = createSandboxedRewardPipeline(
    { source: { filename: 'a.ts', code: 'export default (c: any) => c.events.length * 0.5' }, shaping: [{ type: 'subgoal', bonus: 1 }] },
    { envId: 'x' },
  );
  assert.equal(p.step({ ...input(), t: 0 }), 1.5);
});

test('a promise rejected and not handled inside reward code is claimed as the run\'s error, and fails the next call', async () => {
  // node:test fails a test on any unhandled rejection, so its listeners step aside while the worker's
  // contract (claimUnhandledRejection in process.on('unhandledRejection')) is exercised here.
  const saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const claimed: (string | null)[] = [];
  process.on('unhandledRejection', (reason, promise) => claimed.push(claimUnhandledRejection(reason, promise)?.message ?? null));
  try {
    const m = compile("export default () => {\n  Promise.reject(new Error('nope'));\n  return 1;\n};");
    assert.equal(m.reward(input()), 1);
    const dyn = compile("export default () => { import('node:fs'); return 1; }");
    assert.equal(dyn.reward(input()), 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(claimed, [
      'arm.reward.ts:2:18: a promise in the reward code was rejected and not handled: Error: nope',
      'arm.reward.ts:1:24: a promise in the reward code was rejected and not handled: imports are not available in reward code (tried to import "node:fs")',
    ]);
    fails(() => m.reward(input()), (e) => assert.match(e.message, /rejected and not handled/));
    m.dispose();
    dyn.dispose();
  } finally {
    process.removeAllListeners('unhandledRejection');
    for (const l of saved) process.on('unhandledRejection', l);
  }
});

type WorkerEnd = WatchdogTimeout | { sum: number } | string;
/** Runs reward code in a worker under the watchdog; resolves with how it ended. */
function runWorker(code: string, steps: number, wd = new RewardWatchdog(), timeoutMs = 50): Promise<WorkerEnd> {
  const worker = new Worker(new URL('./fixtures/reward-worker-boot.mjs', import.meta.url), {
    workerData: { buffer: wd.buffer, code, steps, timeoutMs },
    resourceLimits: { maxOldGenerationSizeMb: 48 },
  });
  return new Promise((resolve) => {
    const finish = (end: WorkerEnd) => {
      stop();
      void worker.terminate();
      resolve(end);
    };
    const stop = wd.watch(worker, finish, 5);
    worker.on('message', (m: { sum: number }) => finish(m));
    worker.on('error', (e: Error & { code?: string }) => finish(e.code ?? e.message));
  });
}

test('watchdog in a worker: a hung call, also one in a promise callback, is stopped; memory is capped', async () => {
  const wd = new RewardWatchdog();
  const [hang, microtask, oom] = await Promise.all([
    runWorker('export default (ctx: any) => { if (ctx.episode.index === 3 && ctx.t === 7) { while (true) {} } return 1; }', 1000, wd),
    runWorker('export default (ctx: any) => { if (ctx.episode.index === 1 && ctx.t === 5) Promise.resolve().then(() => { for (;;) {} }); return 1; }', 1000),
    runWorker('const keep: number[][] = [];\nexport default () => { for (;;) keep.push(new Array(1e6).fill(1)); };', 1, undefined, 10_000),
  ]);
  assert.ok(typeof hang === 'object' && 'phase' in hang, `expected a timeout, got ${JSON.stringify(hang)}`);
  assert.deepEqual([hang.phase, hang.episode, hang.step, hang.limitMs], ['reward', 3, 7, 50]);
  assert.match(timeoutError(hang, 'w.reward.ts').message, /^w\.reward\.ts: the reward function ran longer than 50 ms .*\(episode 3, step 7\)$/);
  assert.equal(wd.check(Number.MAX_VALUE)?.step, 7, 'the stamp stays for the host to read');
  // The loop queued at episode 1 runs when the sandbox drains microtasks (every 256 calls), inside a
  // watched call, so it is stopped too instead of hanging the worker between calls.
  assert.ok(typeof microtask === 'object' && 'phase' in microtask, `expected a timeout, got ${JSON.stringify(microtask)}`);
  assert.equal(oom, 'ERR_WORKER_OUT_OF_MEMORY');
});
