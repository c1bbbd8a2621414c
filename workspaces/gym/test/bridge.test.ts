// The Gymnasium bridge: the protocol against a pure-Python fake vector env (needs python3 with numpy,
// no Gymnasium), then real Gymnasium envs where the configured interpreter can import gymnasium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { registerBatchEnvProvider } from '@creditlab/envs';
import { VectorEnv } from '@creditlab/rl';
import { EnvStopped, GymBatchEnv, probeGymFields, registerGymnasium, resolvePython } from '../src/index';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PY = resolvePython().python;
const can = (python: string, code: string) => spawnSync(python, ['-c', code], { stdio: 'ignore' }).status === 0;
const hasNumpy = can(PY, 'import numpy');
const hasGym = hasNumpy && can(PY, 'import gymnasium');
const noNumpy = hasNumpy ? false : `skipped: ${PY} cannot import numpy (the bridge needs it)`;
const noGym = hasGym ? false : `skipped: ${PY} cannot import gymnasium (set CREDITLAB_PYTHON, or run creditlab env setup-python)`;

const fake = (num: number, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, log?: (l: string) => void, transport?: 'fifo' | 'relay', stop?: SharedArrayBuffer) =>
  new GymBatchEnv({ id: 'fake', params, ...extra }, num, { factory: { name: 'fake_vec_env:make', path: HERE }, log, transport, stop });
// Both transports (channel.ts): FIFOs where the OS has them (the default here), the relay elsewhere.
const TRANSPORTS = process.platform === 'win32' ? (['relay'] as const) : (['fifo', 'relay'] as const);

// Another thread, for while this one is blocked in a step: sets the stop word once the env has written
// `file` from inside its hung step.
const STOP_WHEN_FILE = `
const { existsSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const nap = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(workerData.file)) Atomics.wait(nap, 0, 0, 20);
Atomics.store(new Int32Array(workerData.stop), 0, 1);
`;

/** Whether `pid` still runs (an exited but unreaped child, a zombie, does not). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** Polls until `pid` no longer runs (the condition, not a fixed sleep, decides). */
async function waitGone(pid: number, limitMs = 30000): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (!running(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

for (const transport of TRANSPORTS) {
  test(`protocol (${transport}): spaces, seeded reset, discrete start offset, same-step autoreset with final obs and infos`, { skip: noNumpy }, () => {
    const b = fake(2, {}, {}, undefined, transport);
    try {
      assert.deepEqual(b.observationSpace, { type: 'box', shape: [2], low: [-Infinity, -Infinity], high: [Infinity, Infinity] });
      assert.deepEqual(b.actionSpace, { type: 'discrete', n: 3 });
      const r = b.reset([10, 20]);
      assert.deepEqual(r.obs.map((o) => Array.from(o)), [[10, 0], [20, 0]]);
      assert.deepEqual(r.info, [{ started: 1, t: 0 }, { started: 1, t: 0 }]);
      for (let t = 1; t <= 2; t++) {
        const s = b.step([0, 2]);
        // Discrete(3, start=1): index 0 is action 1, index 2 is action 3; reward = action + 0.5 * copy.
        assert.deepEqual(Array.from(s.reward), [1, 3.5]);
        assert.deepEqual(s.obs.map((o) => Array.from(o)), [[10, t], [20, t]]);
        assert.deepEqual(s.info, [{ t, even: t % 2 === 0 }, { t, even: t % 2 === 0 }]);
        assert.deepEqual(s.finalObs, [null, null]);
      }
      const s = b.step([1, 1]);
      assert.deepEqual(Array.from(s.terminated), [1, 0]);
      assert.deepEqual(Array.from(s.truncated), [0, 1]);
      assert.deepEqual(s.finalObs.map((o) => o && Array.from(o)), [[10, 3], [20, 3]], 'the true last observations');
      assert.deepEqual(s.obs.map((o) => Array.from(o)), [[11, 0], [21, 0]], 'already the next episode (unseeded reset continues)');
      assert.deepEqual(s.info, [{ t: 3, even: false }, { t: 3, even: false }], "the step's own info, from final_info");
      assert.deepEqual(s.resetInfo, [{ t: 0, even: true, started: 1 }, { t: 0, even: true, started: 1 }]);
    } finally {
      b.close();
    }
  });
}

for (const transport of TRANSPORTS) {
  test(`protocol (${transport}): box actions are clipped to their bounds; what an env prints reaches the log, not the protocol`, { skip: noNumpy }, () => {
    const lines: string[] = [];
    const b = fake(2, { box_actions: true, print_at: 1 }, {}, (l) => lines.push(l), transport);
    try {
      assert.deepEqual(b.actionSpace, { type: 'box', shape: [2], low: [-1, -1], high: [1, 1] });
      b.reset([0, 0]);
      const s = b.step([[5, -0.25], [-9, -9]]);
      assert.deepEqual(Array.from(s.reward), [1 - 0.25, -2 + 0.5]);
      b.step([[0, 0], [0, 0]]);
      assert.ok(lines.some((l) => l.includes('python: a line an env printed')), lines.join('\n'));
      assert.ok(lines[0].includes('2 env copies'), lines[0]);
    } finally {
      b.close();
    }
  });
}

test("rl's VectorEnv over the bridge: episodes, returns and final observations as for native envs", { skip: noNumpy }, () => {
  registerBatchEnvProvider('fake:', (env, num, opts) => new GymBatchEnv(env, num, { ...opts, factory: { name: 'fake_vec_env:make', path: HERE } }));
  const vec = new VectorEnv({ id: 'fake:x', params: { episode_length: 2 } }, 3, 7);
  try {
    const seeds = Array.from({ length: 3 }, (_, i) => vec.obs(i)[0]);
    assert.equal(new Set(seeds).size, 3, 'each copy gets its own seed from the run seed');
    vec.stepAll([0, 0, 0]);
    const steps = vec.stepAll([2, 2, 2]);
    steps.forEach((r, i) => {
      assert.ok(r);
      assert.deepEqual(r.episode, { return: 1 + 0.5 * i + 3 + 0.5 * i, length: 2 });
      assert.deepEqual(Array.from(r.nextObs), [seeds[i], 2]);
      assert.deepEqual(Array.from(vec.obs(i)), [seeds[i] + 1, 0]);
      assert.equal(r.episodeStep, 1);
    });
    const again = new VectorEnv({ id: 'fake:x', params: { episode_length: 2 } }, 3, 7);
    assert.deepEqual(Array.from(again.obsBatch), Array.from(new VectorEnv({ id: 'fake:x', params: { episode_length: 2 } }, 3, 7).obsBatch));
    again.close();
  } finally {
    vec.close();
  }
});

for (const transport of TRANSPORTS) {
  test(`a Python exception in step fails with its message and traceback; the process is gone (${transport})`, { skip: noNumpy }, async () => {
    const b = fake(1, { fail_at: 2 }, {}, undefined, transport);
    const pid = b.hello.pid;
    b.reset([0]);
    b.step([0]);
    assert.throws(
      () => b.step([0]),
      (e: Error) => /Python raised in step: RuntimeError: fake env failed on purpose at call 2/.test(e.message) && /Traceback[\s\S]*fake_vec_env\.py/.test(e.message),
    );
    b.close();
    assert.ok(await waitGone(pid), 'python exited after close');
  });

  test(`a hung env fails at the step time limit and its process is killed (${transport})`, { skip: noNumpy, timeout: 120_000 }, async () => {
    const hangFile = join(mkdtempSync(join(tmpdir(), 'creditlab-hang-')), 'pid');
    // The limit also bounds reset, so it is not so short that a loaded machine's reset would reach it.
    const b = fake(1, { hang_at: 1, hang_file: hangFile }, { stepTimeoutSeconds: 3 }, undefined, transport);
    const pid = b.hello.pid;
    b.reset([0]);
    assert.throws(() => b.step([0]), /fake: step took longer than 3 s \(env.stepTimeoutSeconds\); the Python process was stopped/);
    // What hit the limit is the step that hangs: Python was inside it, and that is the process killed.
    assert.equal(Number(readFileSync(hangFile, 'utf8')), pid, 'the step that timed out is the hung one');
    assert.ok(await waitGone(pid), 'the hung python was killed');
    assert.throws(() => b.step([0]), /the env was closed/);
  });

  test(`a run's stop word kills the Python of an env hung in step at once, and the blocked step throws EnvStopped (${transport})`, { skip: noNumpy }, async () => {
    const stop = new SharedArrayBuffer(4);
    const hangFile = join(mkdtempSync(join(tmpdir(), 'creditlab-hang-')), 'pid');
    // A step time limit far past any wait here: only the stop can end this step.
    const b = fake(1, { hang_at: 1, hang_file: hangFile }, { stepTimeoutSeconds: 600 }, undefined, transport, stop);
    const pid = b.hello.pid;
    b.reset([0]);
    const setter = new Worker(STOP_WHEN_FILE, { eval: true, workerData: { stop, file: hangFile } });
    try {
      assert.throws(
        () => b.step([0]),
        (e: Error) => e instanceof EnvStopped && e.envStopped && /^fake: the run was stopped during step; its Python process was ended$/.test(e.message),
      );
      assert.equal(Number(readFileSync(hangFile, 'utf8')), pid, 'the step that was stopped is the hung one');
      assert.ok(await waitGone(pid), 'the hung python was killed');
      assert.throws(() => b.step([0]), /the env was closed/);
      b.close();
    } finally {
      await setter.terminate();
    }
  });

  test(`a run's stop word set between steps ends the Python at once; the next call throws EnvStopped (${transport})`, { skip: noNumpy }, async () => {
    const stop = new SharedArrayBuffer(4);
    const b = fake(1, {}, { stepTimeoutSeconds: 600 }, undefined, transport, stop);
    const pid = b.hello.pid;
    b.reset([0]);
    b.step([0]);
    Atomics.store(new Int32Array(stop), 0, 1);
    assert.ok(await waitGone(pid), 'python was killed without a request in flight');
    assert.throws(() => b.step([0]), (e: Error) => e instanceof EnvStopped && /fake: the run was stopped during step/.test(e.message));
    b.close();
  });
}

test('a missing interpreter fails with a message naming it and where it came from', () => {
  assert.throws(
    () => new GymBatchEnv({ id: 'gymnasium:CartPole-v1', python: '/nonexistent/bin/python3' }, 1),
    /gymnasium:CartPole-v1: Python interpreter "\/nonexistent\/bin\/python3" not found \(from env\.python\)/,
  );
});

test('an interpreter without gymnasium says so', { skip: !can('python3', 'import numpy') || can('python3', 'import gymnasium') ? 'skipped: needs a python3 with numpy and without gymnasium' : false }, () => {
  assert.throws(() => new GymBatchEnv({ id: 'gymnasium:CartPole-v1', python: 'python3' }, 1), /gymnasium is not installed for .*creditlab env setup-python/);
});

test('the bridge exits when its lifeline closes, with the host process still alive', { skip: noNumpy }, async () => {
  // The lifeline is held by the channel's helper thread: dropping that thread closes it. (Over FIFOs the
  // child's stdin never reaches end-of-file, so the lifeline is what tells it.)
  const b = fake(1);
  const pid = b.hello.pid;
  (b as unknown as { channel: { dispose(): void } }).channel.dispose();
  assert.ok(await waitGone(pid), 'python exited when its lifeline closed');
});

for (const transport of TRANSPORTS) {
  test(`kill -9 of the host leaves no Python behind (${transport})`, { skip: noNumpy }, async () => {
    const host = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'killed-host.ts'), transport], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      host.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      host.on('exit', (code) => reject(new Error(`the host exited (${code}) before printing the bridge's pid`)));
    });
    assert.ok(pid > 0 && running(pid), 'the bridge runs');
    host.kill('SIGKILL');
    assert.ok(await waitGone(pid), 'python exited after its host was killed');
  });
}

test('probeGymFields: the info of a seeded reset and of one step, as the bridge sends them, without blocking', { skip: noNumpy }, async () => {
  const fields = await probeGymFields({ id: 'fake', params: { episode_length: 5 } }, { factory: { name: 'fake_vec_env:make', path: HERE } });
  assert.deepEqual(fields, { obsWidth: 2, resetInfo: { started: 1, t: 0 }, stepInfo: { t: 1, even: false } });
  // A first step that terminates the episode: its info is not what later steps give.
  const short = await probeGymFields({ id: 'fake', params: { episode_length: 1 } }, { factory: { name: 'fake_vec_env:make', path: HERE } });
  assert.equal(short.stepInfo, null);
  await assert.rejects(probeGymFields({ id: 'gymnasium:CartPole-v1', python: '/nonexistent/bin/python3' }), /gymnasium:CartPole-v1: Python interpreter "\/nonexistent\/bin\/python3" not found \(from env\.python\)/);
  await assert.rejects(probeGymFields({ id: 'fake', params: { fail_at: 1 } }, { factory: { name: 'fake_vec_env:make', path: HERE } }), /fake: RuntimeError: fake env failed on purpose at call 1/);
});

test('gymnasium: probeGymFields on CartPole-v1 (no info fields) and an unknown id', { skip: noGym }, async () => {
  assert.deepEqual(await probeGymFields({ id: 'gymnasium:CartPole-v1' }), { obsWidth: 4, resetInfo: {}, stepInfo: {} });
  await assert.rejects(probeGymFields({ id: 'gymnasium:CartPole-v9' }), /unknown Gymnasium id "CartPole-v9"/);
});

test('gymnasium: an unknown id names it and suggests registered ones', { skip: noGym }, () => {
  assert.throws(() => new GymBatchEnv({ id: 'gymnasium:CartPole-v9' }, 1), /unknown Gymnasium id "CartPole-v9".*close registered ids: .*CartPole-v1/s);
  assert.throws(() => new GymBatchEnv({ id: 'gymnasium:CartPol-v1' }, 1), /close registered ids: CartPole-v1/);
});

test('gymnasium: CartPole-v1 with a time limit from gym.make kwargs truncates with its final observation; seeds reproduce', { skip: noGym }, () => {
  registerGymnasium();
  const logs: string[] = [];
  const vec = new VectorEnv({ id: 'gymnasium:CartPole-v1', params: { max_episode_steps: 5 } }, 2, 3, { log: (l) => logs.push(l) });
  const twin = new VectorEnv({ id: 'gymnasium:CartPole-v1', params: { max_episode_steps: 5 } }, 2, 3);
  try {
    assert.ok(logs.some((l) => /gymnasium \d+\.\d+/.test(l) && /numpy/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('"max_episode_steps":500')), 'gym.spec is recorded');
    assert.deepEqual(Array.from(vec.obsBatch), Array.from(twin.obsBatch));
    let ended = 0;
    for (let t = 0; t < 5; t++) {
      const before = vec.obs(0);
      const r = vec.stepAll([t % 2, t % 2])[0]!;
      twin.stepAll([t % 2, t % 2]);
      assert.equal(r.reward, 1);
      if (r.truncated || r.terminated) {
        ended++;
        assert.equal(r.episode!.length, t + 1);
        assert.notDeepEqual(Array.from(vec.obs(0)), Array.from(r.nextObs));
        assert.ok(r.finalInput);
      } else assert.notDeepEqual(Array.from(before), Array.from(r.nextObs));
    }
    assert.equal(ended, 1);
    assert.deepEqual(Array.from(vec.obsBatch), Array.from(twin.obsBatch));
  } finally {
    vec.close();
    twin.close();
  }
});

test('gymnasium: the sync vector env stepped copy by copy gives what Gymnasium\'s own batching gives (async), infos and episode ends included', { skip: noGym }, () => {
  process.env.PYTHONPATH = [HERE, process.env.PYTHONPATH].filter(Boolean).join(':');
  const make = (vector: 'sync' | 'async', log?: (l: string) => void) =>
    new GymBatchEnv({ id: 'gymnasium:CartPole-v1', params: { max_episode_steps: 7 }, wrappers: [{ name: 'info_wrapper.Infos' }], vector }, 3, { log });
  const logs: string[] = [];
  const sync = make('sync', (l) => logs.push(l));
  const batched = make('async');
  try {
    assert.equal(sync.hello.stepping, 'copies');
    assert.equal(batched.hello.stepping, 'vector');
    assert.deepEqual(sync.reset([4, 5, 6]), batched.reset([4, 5, 6]));
    let ends = 0;
    for (let t = 0; t < 60; t++) {
      const actions = [0, 1, 2].map((i) => (t * 5 + i * 3 + (t >> 2)) % 2);
      const a = sync.step(actions);
      const b = batched.step(actions);
      assert.deepEqual(a, b, `step ${t}`);
      ends += a.finalObs.filter(Boolean).length;
    }
    assert.ok(ends >= 10, `${ends} episode ends`);
    const s = sync.step([0, 0, 0]);
    assert.equal(typeof s.info[0].t, 'number');
    assert.equal(typeof s.info[0].even, 'boolean');
    assert.equal(typeof (s.info[0].where as { x: number }).x, 'number');
    assert.ok(logs.some((l) => /info entries not sent \(not one number per env\): label, pair/.test(l)), logs.join('\n'));
  } finally {
    sync.close();
    batched.close();
  }
});

test('gymnasium: a Dict observation is flattened in order and its Text part dropped with a warning', { skip: noGym }, () => {
  process.env.PYTHONPATH = [HERE, process.env.PYTHONPATH].filter(Boolean).join(':');
  const logs: string[] = [];
  const b = new GymBatchEnv({ id: 'gymnasium:CartPole-v1', wrappers: [{ name: 'dict_obs_wrapper.DictObs' }] }, 1, { log: (l) => logs.push(l) });
  try {
    assert.equal(b.observationSpace.type, 'box');
    assert.deepEqual(b.observationSpace.type === 'box' && b.observationSpace.shape, [5]);
    assert.ok(logs.some((l) => l.includes('warning: observation parts dropped (not numeric): label (Text)')), logs.join('\n'));
    const o = Array.from(b.reset([1]).obs[0]);
    const side = Math.sign(o[0]);
    assert.deepEqual(o.slice(2), [side === -1 ? 1 : 0, side === 0 ? 1 : 0, side === 1 ? 1 : 0], 'pos (2), then side one-hot');
  } finally {
    b.close();
  }
});
