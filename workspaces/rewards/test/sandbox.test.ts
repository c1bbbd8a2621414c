import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { compileRewardModule, createSandboxedRewardPipeline, DEFAULT_MEMORY_LIMIT_MB, RewardWatchdog, timeoutError, REWARD_API_DTS, SANDBOX_NAMES, prepareSandbox, ENGINE_GRACE_MS, WALL_GRACE_MS, type SandboxName } from '../src/sandbox';
import { openThreadCpuClock } from '../src/sandbox-engine';
import { createRewardPipeline, RewardError, stepPipelines, type UserRewardInput } from '../src/index';

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
const fails = (f: () => unknown, check: (e: RewardError) => void) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof RewardError, String(e));
    check(e);
    return true;
  });

type WorkerEnd = { sum: number } | string;
/**
 * Runs reward code in a worker (stamping the watchdog, which nobody watches here); resolves with how it
 * ended once the worker has exited by itself (terminating a thread that holds an isolated-vm isolate can
 * abort the process).
 */
function runWorker(sandbox: SandboxName, code: string, steps: number, wd = new RewardWatchdog(), timeoutMs = 50, batch = false): Promise<WorkerEnd> {
  const worker = new Worker(new URL('./fixtures/reward-worker-boot.mjs', import.meta.url), {
    workerData: { buffer: wd.buffer, code, steps, timeoutMs, sandbox, batch },
    resourceLimits: { maxOldGenerationSizeMb: 48 },
  });
  let end: WorkerEnd = 'the worker exited without an answer';
  worker.on('message', (m: { sum: number } | { error: string }) => (end = 'error' in m ? m.error : m));
  worker.on('error', (e: Error & { code?: string }) => (end = e.code ?? e.message));
  return new Promise((resolve) => worker.on('exit', () => resolve(end)));
}

// Every test below runs against each engine: isolated-vm and QuickJS (WebAssembly).
for (const sandbox of SANDBOX_NAMES) {
  // A per-call limit far above any honest call, so a loaded machine never trips it; the timeout tests pass their own.
  const compile = (code: string, timeoutMs = 2000) => compileRewardModule({ filename: 'arm.reward.ts', code }, { timeoutMs, sandbox });
  test(`the ${sandbox} engine loads`, async () => {
    await prepareSandbox(sandbox);
  });

  test(`the context the code sees: every documented field, fresh arrays, per-episode state [${sandbox}]`, () => {
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

  test(`Math.random is seeded by the run's seed: the same draws in every run of a seed, others across seeds [${sandbox}]`, () => {
    const code = 'const first = Math.random();\nexport default () => Math.random() + first * 0;\nexport function potential() { return first; }';
    const draws = (seed?: number) => {
      const m = compileRewardModule({ filename: 'r.ts', code }, { seed, sandbox });
      const xs = [m.potential([0], {}, { copy: 0, episode: 0, step: 0 }), ...Array.from({ length: 50 }, () => m.reward(input()))];
      m.dispose();
      return xs;
    };
    const a = draws(7);
    assert.deepEqual(draws(7), a, 'the same seed, the same draws (top-level code included)');
    assert.notDeepEqual(draws(8), a);
    assert.deepEqual(draws(), draws(0));
    assert.equal(new Set(a).size, a.length);
    assert.ok(a.every((x) => x >= 0 && x < 1));
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    assert.ok(Math.abs(mean - 0.5) < 0.2, `mean ${mean}`);
  });

  test(`a compile error names line:column [${sandbox}]`, () => {
    fails(() => compile('const a = 1;\nconst b: number = ;\nexport default () => b;'), (e) => {
      assert.equal(e.kind, 'compile');
      assert.equal(e.line, 2);
      assert.equal(e.column, 19);
      assert.match(e.message, /^arm\.reward\.ts:2:19: syntax error/);
    });
  });

  test(`code nested too deeply for the engine's parser is a compile error that says so [${sandbox}]`, async () => {
    const n = 100_000;
    fails(() => compile(`export default () => ${'['.repeat(n)}${']'.repeat(n)}.length;`), (e) => {
      assert.equal(e.kind, 'compile');
      assert.match(e.message, /^arm\.reward\.ts: the module is nested too deeply to compile \((Maximum call stack size exceeded|InternalError: stack overflow)\)$/);
    });
    // A QuickJS instance whose WebAssembly frames ran out of host stack is dropped; the next
    // prepareSandbox (each run and re-scoring calls it) loads a fresh one.
    await prepareSandbox(sandbox);
    assert.equal(compile('export default () => 1;').reward(input()), 1);
  });

  test(`a throw names the user line and column, and the episode/step [${sandbox}]`, () => {
    const m = compile(`const limit = 3;\n\nexport default (ctx: { t: number }) => {\n  if (ctx.t > limit) throw new RangeError('too late');\n  return 0;\n};`);
    fails(() => m.reward(input()), (e) => {
      assert.equal(e.kind, 'throw');
      // V8 places the error at `new`, QuickJS at the constructor's name.
      const column = sandbox === 'isolated-vm' ? 28 : 32;
      assert.deepEqual([e.line, e.column, e.episode, e.step], [4, column, 2, 4]);
      assert.equal(e.message, `arm.reward.ts:4:${column}: the reward function threw RangeError: too late (episode 2, step 4)`);
    });
  });

  test(`error text from user code is capped, kept on one line and shown with its control characters escaped [${sandbox}]`, () => {
    // A 32 MB message with terminal escapes (clear screen, set the clipboard), a carriage return and a
    // forged stack frame on a line of its own; a stack of 64 MB; a thrown string with a C1 escape.
    const m = compile(`export default (ctx: { t: number }) => {
    if (ctx.t === 4) {
      Error.prepareStackTrace = () => 'y'.repeat(2 ** 26);
      throw new Error('\\x1b[2J\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\rrun r1: done\\n    at arm.reward.ts:99:1' + 'x'.repeat(2 ** 25));
    }
    throw '\\u009b31m';
  };`);
    fails(() => m.reward(input()), (e) => {
      assert.ok(e.message.length < 2200, `${e.message.length} characters`);
      assert.doesNotMatch(e.message, /[\u0000-\u001f\u007f-\u009f]/);
      assert.match(e.message, /threw Error: \\u001b\[2J\\u001b\]52;c;ZWNobyBwd25lZA==\\u0007\\rrun r1: done\\n    at arm\.reward\.ts:99:1xxx/);
      assert.notEqual(e.line, 99, 'a frame forged in the message is not taken for the location');
    });
    fails(() => m.reward(input({ t: 5 })), (e) => assert.match(e.message, /threw a string "\\u009b31m"/));
  });

  test(`NaN, Infinity and non-numbers are rejected, naming the value [${sandbox}]`, () => {
    fails(() => compile('export default () => NaN').reward(input()), (e) => assert.ok(e.kind === 'non-finite' && /returned NaN/.test(e.message)));
    fails(() => compile('export default () => 1 / 0').reward(input()), (e) => assert.match(e.message, /returned Infinity/));
    fails(() => compile('export default () => "1"').reward(input()), (e) => assert.ok(e.kind === 'wrong-type' && /a string "1"/.test(e.message)));
    fails(() => compile('export default () => undefined').reward(input()), (e) => assert.match(e.message, /returned undefined/));
    fails(() => compile('export default async () => 1').reward(input()), (e) => assert.match(e.message, /promises and async functions are not available/));
    fails(() => compile('export default 3'), (e) => assert.match(e.message, /default export is a number 3/));
  });

  test(`an endless loop is stopped by the time limit, on CPU time, within the wall-clock backstop [${sandbox}]`, () => {
    const loop = compile('export default () => { while (true) {} }', 20);
    const t0 = performance.now();
    fails(() => loop.reward(input()), (e) => {
      assert.ok(e.kind === 'timeout' && e.step === 4 && e.episode === 2, e.message);
      assert.match(e.message, /^arm\.reward\.ts: the reward function exceeded its time limit: more than 20 ms of CPU time \(used [\d.]+ ms of CPU time in [\d.]+ ms on the wall clock; an endless loop\?\)/);
    });
    // QuickJS stops it at its CPU limit; isolated-vm can stop a call only by the wall clock, at the backstop.
    assert.ok(performance.now() - t0 < 20 + ENGINE_GRACE_MS + WALL_GRACE_MS + 1000, `stopped after ${performance.now() - t0} ms`);
    fails(() => compileRewardModule({ filename: 'top.ts', code: 'while (true) {}\nexport default () => 1;' }, { timeoutMs: 10, initTimeoutMs: 20, sandbox }), (e) =>
      assert.match(e.message, /top-level code exceeded its time limit: more than 20 ms of CPU time/),
    );
  });

  // A thread the machine keeps off the CPU mid-call: wall-clock time passes, CPU time does not. The reward
  // below spends its time waiting on the wall clock; with a CPU clock that stands still, that is exactly
  // what a descheduled call looks like to the limits.
  const waits = (ms: number) => `const wait = () => { const t0 = Date.now(); while (Date.now() - t0 < ${ms}) {} };
    export default (ctx: any) => { wait(); return ctx.t + ctx.obs[0]; };
    export function potential(obs: Float64Array) { wait(); return obs[0]; }`;
  const offCpu = () => 0;
  test(`an honest reward is not failed while its thread is kept off the CPU [${sandbox}]`, () => {
    // Each call waits past its limit and grace, so each is judged by CPU time.
    const kept = compileRewardModule({ filename: 'arm.reward.ts', code: waits(ENGINE_GRACE_MS + 20) }, { timeoutMs: 5, sandbox, cpuClock: offCpu });
    const free = compile(waits(0));
    const xs = [0, 1, 2].map((copy) => input({ copy, t: copy + 4 }));
    assert.deepEqual([...kept.rewardBatch!(xs)], [...free.rewardBatch!(xs)]);
    assert.equal(kept.potential!([0.25], {}, { copy: 0, episode: 0, step: 0 }), 0.25);
    // A rollout carries each copy's return from one call to the next, also across the calls a slow transition ends.
    const rollout = xs.map((x) => ({ ...x, episode: { index: 1, return: NaN, envReturn: 0 } }));
    const a = kept.rewardRollout!(rollout, 'add');
    const b = free.rewardRollout!(rollout, 'add');
    assert.equal(a.error, null);
    assert.deepEqual([a.scored, ...a.values], [b.scored, ...b.values]);
    // The same call, on a thread that ran all along (CPU time keeps pace with the wall clock), is over its limit.
    const ran = compileRewardModule({ filename: 'arm.reward.ts', code: waits(ENGINE_GRACE_MS + 40) }, { timeoutMs: 5, sandbox, cpuClock: () => performance.now() });
    fails(() => ran.reward(input()), (e) => assert.ok(e.kind === 'timeout' && e.step === 4 && /more than 5 ms of CPU time/.test(e.message), e.message));
  });

  test(`a call stuck without using CPU time is stopped by the wall-clock backstop, which the error names [${sandbox}]`, () => {
    const stuck = compileRewardModule({ filename: 'arm.reward.ts', code: 'export default () => { for (;;) {} }' }, { timeoutMs: 5, sandbox, cpuClock: offCpu });
    const t0 = performance.now();
    fails(() => stuck.reward(input()), (e) => {
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, new RegExp(`the reward function exceeded its time limit: more than ${5 + ENGINE_GRACE_MS + WALL_GRACE_MS} ms on the wall clock, the backstop to its 5 ms of CPU time \\(stopped after \\d+ ms, having used 0\\.0 ms of CPU time; .*\\(episode 2, step 4\\)$`));
    });
    assert.ok(performance.now() - t0 >= 5 + ENGINE_GRACE_MS + WALL_GRACE_MS - 1);
  });

  test(`no process, require, imports, timers, eval; host objects are unreachable through constructors and stacks [${sandbox}]`, () => {
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

  test(`the sandboxed pipeline compiles the spec source once and feeds the user reward into the pipeline [${sandbox}]`, () => {
    const p = createSandboxedRewardPipeline(
      { source: { filename: 'a.ts', code: 'export default (c: any) => c.events.length * 0.5' }, shaping: [{ type: 'subgoal', bonus: 1 }] },
      { envId: 'x', sandbox },
    );
    assert.equal(p.step({ ...input(), t: 0 }), 1.5);
  });

  test(`promises, async code, finalizers and weak references are not available: nothing runs outside a timed call [${sandbox}]`, () => {
    const cases = [
      "export default () => {\n  Promise.reject(new Error('nope'));\n  return 1;\n};",
      'export default () => { (async () => { throw new Error("later"); })(); return 1; }',
      'export default () => { new FinalizationRegistry(() => { for (;;) {} }).register({}, 1); return 1; }',
      'export default () => { new WeakRef({}); return 1; }',
      'export default () => { (async function* () {})().next(); return 1; }',
    ];
    const messages = cases.map((code) => {
      let message = '';
      fails(() => compile(code).reward(input()), (e) => void (message = e.message));
      return message;
    });
    assert.match(messages[0], /^arm\.reward\.ts:2:\d+: the reward function threw Error: promises and async functions are not available/);
    assert.match(messages[1], /promises and async functions are not available/);
    // QuickJS quotes the name.
    assert.match(messages[2], /'?FinalizationRegistry'? is not defined/);
    assert.match(messages[3], /'?WeakRef'? is not defined/);
    assert.match(messages[4], /promises and async functions are not available|is not defined/);
  });

  test(`host objects are unreachable: error stacks and prepareStackTrace stay inside the isolate [${sandbox}]`, () => {
    const m = compile(`export default (ctx: any) => {
      let host = 'none';
      (Error as any).prepareStackTrace = (_e: any, trace: any[]) => {
        try { host = typeof trace.constructor.constructor('return process')(); } catch (e) { host = 'blocked: ' + (e as Error).name; }
        return 'formatted';
      };
      const s = new Error('x').stack;
      // V8 calls prepareStackTrace (and the host must stay out of reach); QuickJS never does.
      return s === 'formatted' ? (host.startsWith('blocked') ? 1 : 0) : host === 'none' ? 2 : 0;
    }`);
    assert.equal(m.reward(input()), sandbox === 'isolated-vm' ? 1 : 2);
  });

  test(`batched calls: the same values as one call per input, in order, and a failure names its own input [${sandbox}]`, () => {
    const code = `let calls = 0;
  export default (ctx: any) => { calls++; ctx.state.k = (ctx.state.k ?? 0) + 1; if (ctx.t === 99) throw new Error('at 99'); return calls * 10 + ctx.state.k; };`;
    const xs = [0, 1, 2].map((copy) => input({ copy }));
    const one = compile(code);
    const singly = [...xs, ...xs].map((x) => one.reward(x));
    const batched = compile(code);
    assert.deepEqual([...batched.rewardBatch!(xs), ...batched.rewardBatch!(xs)], singly);
    fails(() => batched.rewardBatch!([input({ copy: 0 }), input({ copy: 1, t: 99, episode: { index: 7, return: 0, envReturn: 0 } })]), (e) => {
      assert.deepEqual([e.line, e.episode, e.step], [2, 7, 99]);
    });
    // A call that never returns is stopped under the batch's limit, and the error names the transition it was in.
    const loops = compile('export default (ctx: any) => { if (ctx.t === 5) for (;;) {} return 0; }', 20);
    fails(() => loops.rewardBatch!([input({ copy: 0 }), input({ copy: 1 }), input({ copy: 2, t: 5, episode: { index: 9, return: 0, envReturn: 0 } })]), (e) => {
      assert.equal(e.kind, 'timeout');
      assert.deepEqual([e.episode, e.step], [9, 5]);
      assert.match(e.message, /exceeded its time limit: more than 20 ms of CPU time/);
    });
    // episode.return is each copy's own running total (env reward + user reward so far).
    const user = compile('export default (ctx: any) => ctx.episode.return + 1');
    const a = [0, 1].map((copy) => createRewardPipeline({ code: 'x' }, { envId: 'x', copy, user }));
    const out = new Float64Array(2);
    const trs = [0, 1].map((envReward) => ({ ...input(), t: 0, envReward }));
    stepPipelines(a, trs, user, out);
    assert.deepEqual([...out], [1, 2]);
    stepPipelines(a, trs, user, out);
    assert.deepEqual([...out], [2, 4]);
  });

  test(`memory: typed arrays count against the limit, which defaults to 512 MB and is settable [${sandbox}]`, () => {
    assert.equal(DEFAULT_MEMORY_LIMIT_MB, 512);
    const bomb = 'const keep: Float64Array[] = [];\nexport default () => { for (;;) keep.push(new Float64Array(12_500_000)); };';
    // A generous time limit: on a loaded machine zero-filling the arrays alone can take longer than 50 ms.
    fails(() => compileRewardModule({ filename: 'bomb.ts', code: bomb }, { memoryLimitMb: 64, timeoutMs: 20_000, sandbox }).reward(input()), (e) => {
      assert.equal(e.kind, 'memory');
      assert.match(e.message, /^bomb\.ts: the reward code used more than its memory limit of 64 MB \(reward\.memoryLimitMb\) \(episode 2, step 4\)$/);
    });
    // 5 GB of Float64Array under the default limit.
    fails(() => compileRewardModule({ filename: 'bomb.ts', code: bomb }, { timeoutMs: 20_000, sandbox }).reward(input()), (e) => assert.match(e.message, /memory limit of 512 MB/));
    // A module that stays under its limit keeps working.
    const ok = compileRewardModule({ filename: 'ok.ts', code: 'const a = new Float64Array(1e6);\nexport default () => a.length;' }, { memoryLimitMb: 64, sandbox });
    assert.equal(ok.reward(input()), 1e6);
  });

  test(`memory: every byte of an array buffer counts, and a resizable buffer cannot grow past the limit [${sandbox}]`, async () => {
    // 96 MB held under a 64 MB limit, after which the call returns normally: QuickJS's own allocation
    // count took each 16 MB buffer for a few bytes, so only the WebAssembly memory's cap stops this.
    const hold = 'const keep: ArrayBuffer[] = [];\nexport default () => { while (keep.length < 6) keep.push(new ArrayBuffer(1 << 24)); return keep.length; };';
    const opts = { memoryLimitMb: 64, timeoutMs: 20_000, sandbox };
    // On QuickJS the limit holds for a module in the instance prepareSandbox made for it, as runs and
    // re-scoring do before each compile (the shared instance's memory can only be watched for growth).
    for (let i = 0; i < 2; i++) {
      await prepareSandbox(sandbox, { memoryLimitMb: 64 });
      fails(() => compileRewardModule({ filename: 'hold.ts', code: hold }, opts).reward(input()), (e) => assert.equal(e.kind, 'memory', e.message));
    }
    // Small allocations up to the cap: closures, whose allocation QuickJS does not always check (it may trap
    // at the cap rather than throw; seen in a fresh process, not reliably here).
    const closures = 'const keep: (() => number[])[] = [];\nexport default () => { for (;;) { const a = new Array(1000).fill(0); keep.push(() => a); } };';
    await prepareSandbox(sandbox, { memoryLimitMb: 128 });
    fails(() => compileRewardModule({ filename: 'closures.ts', code: closures }, { ...opts, memoryLimitMb: 128 }).reward(input()), (e) => assert.equal(e.kind, 'memory', e.message));
    const under = compileRewardModule({ filename: 'hold.ts', code: hold.replace('< 6', '< 2') }, opts);
    assert.equal(under.reward(input()), 2);
    under.dispose();
    // V8 keeps a resizable buffer's reservation outside the counted allocator: none can be made.
    for (const code of [
      'export default () => { const b = new ArrayBuffer(1, { maxByteLength: 2 ** 31 }); (b as any).resize(2 ** 30); return b.byteLength; };',
      'export default () => { const C: any = new Uint8Array(1).buffer.constructor; return new C(1, { maxByteLength: 2 ** 31 }).byteLength; };',
    ]) {
      fails(() => compileRewardModule({ filename: 'grow.ts', code }, opts).reward(input()), (e) => assert.match(e.message, /resizable array buffers \(maxByteLength\) are not available/));
    }
    const plain = compile('class B extends ArrayBuffer {}\nexport default () => { const b = new B(8); return b instanceof ArrayBuffer && b.slice(0, 4) instanceof ArrayBuffer && ArrayBuffer.isView(new Uint8Array(b)) ? b.byteLength : -1; };');
    assert.equal(plain.reward(input()), 8);
  });

  test(`in a worker: a hung call is stopped by the isolate with its step; the memory limit holds under a small worker heap [${sandbox}]`, async () => {
    const [hang, oom, ok] = await Promise.all([
      runWorker(sandbox, 'export default (ctx: any) => { if (ctx.episode.index === 3 && ctx.t === 7) { while (true) {} } return 1; }', 1000),
      runWorker(sandbox, 'const keep: number[][] = [];\nexport default () => { for (;;) keep.push(new Array(1e6).fill(1)); };', 1, undefined, 10_000),
      runWorker(sandbox, 'export default () => 1;', 300),
    ]);
    assert.match(String(hang), /^w\.reward\.ts: the reward function exceeded its time limit: more than 50 ms of CPU time .*\(episode 3, step 7\)$/);
    assert.match(String(oom), /memory limit of 64 MB/);
    assert.deepEqual(ok, { sum: 300 });
  });

  test(`in a worker: a batch hung in one transition is stamped at that transition for the host's backstop, or by its span where the engine cannot say [${sandbox}]`, async () => {
    // 20 transitions of episode 0 go into the engine in one call (50 ms each: 1000 / 50 per call);
    // the code hangs at step 13. The host's watchdog reads the stamp while the call hangs, before the
    // engine stops it; check(MAX_VALUE) reads it as if the backstop were due.
    const wd = new RewardWatchdog();
    let running = true;
    const ended = runWorker(sandbox, 'export default (ctx: any) => { if (ctx.t === 13) { while (true) {} } return 1; }', 20, wd, 50, true).finally(() => (running = false));
    let seen: ReturnType<RewardWatchdog['check']> = null;
    const hung = (t: typeof seen) => t !== null && t.phase === 'reward' && (sandbox === 'isolated-vm' ? t.step === 13 : t.batch !== undefined);
    while (running && !hung(seen)) {
      seen = wd.check(Number.MAX_VALUE);
      await new Promise((r) => setTimeout(r, 2));
    }
    // The engine itself stops the call and names the step either way.
    assert.match(String(await ended), /^w\.reward\.ts: the reward function exceeded its time limit: more than (50 ms of CPU time|\d+ ms on the wall clock).*\(episode 0, step 13\)$/);
    assert.ok(seen && hung(seen), `the stamp while the batch hung: ${JSON.stringify(seen)}`);
    const backstop = timeoutError(seen, 'w.reward.ts');
    if (sandbox === 'isolated-vm') {
      // The driver writes each transition it starts into the shared stamp.
      assert.equal(seen.batch, undefined);
      assert.match(backstop.message, /exceeded its time limit: .*\(episode 0, step 13\)$/);
    } else {
      // QuickJS shares no memory with the host: the stamp stays at the batch's first transition, so the
      // backstop names the span rather than a step that returned.
      assert.deepEqual([seen.step, seen.batch], [0, { n: 20, lastEpisode: 0, lastStep: 19 }]);
      assert.match(backstop.message, /in one of 20 transitions scored in one call, from episode 0, step 0 to episode 0, step 19 \(this engine cannot report which\)$/);
      assert.equal(backstop.step, undefined);
    }
  });
}

test('the watchdog reports an overdue stamp to the host', () => {
  const wd = new RewardWatchdog();
  wd.begin(2050, 'reward', 1, 3, 7, undefined, 50);
  const t = wd.check(performance.timeOrigin + performance.now() + 1e6)!;
  assert.deepEqual([t.phase, t.copy, t.episode, t.step, t.limitMs, t.cpuLimitMs], ['reward', 1, 3, 7, 2050, 50]);
  assert.match(timeoutError(t, 'w.reward.ts').message, /^w\.reward\.ts: the reward function exceeded its time limit: more than 2050 ms on the wall clock, the backstop to its 50 ms of CPU time \(stopped after \d+ ms; .*\(episode 3, step 7\)$/);
  wd.end();
  assert.equal(wd.check(Number.MAX_VALUE), null);
});

test("the thread CPU clock counts this thread's CPU time only", async (t) => {
  const clock = openThreadCpuClock();
  if (!clock) return t.skip('no per-thread CPU clock here (only the wall-clock limit holds)');
  try {
    // Spinning: CPU time advances, and never faster than the wall clock.
    const c0 = clock.read();
    const w0 = performance.now();
    while (clock.read() - c0 < 20);
    assert.ok(performance.now() - w0 >= clock.read() - c0 - 1);
    // Blocked while another thread spins: this thread's clock barely moves.
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const spin = 'const { workerData: f } = require("node:worker_threads"); const t0 = Date.now(); while (Date.now() - t0 < 100); Atomics.store(f, 0, 1); Atomics.notify(f, 0);';
    const worker = new Worker(spin, { eval: true, workerData: flag });
    const c1 = clock.read();
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0);
    const blocked = clock.read() - c1;
    await new Promise((resolve) => worker.on('exit', resolve));
    assert.ok(blocked < 50, `${blocked} ms of CPU time while blocked`);
  } finally {
    clock.close();
  }
});
