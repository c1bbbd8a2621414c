// A corpus of hostile reward modules (test/hostile/*.js), each run as one arm of an experiment next to
// honest siblings in the executor the CLI and the web host use (ProcessPool), and again through episode
// re-scoring (the service the web host runs). A module that aborts V8 may end its own run's process only. Each module must fail its own run with the reason its
// header names, the siblings must finish, and nothing may be written outside the workspace: a module
// that reaches the host writes a marker file, whose absence is checked.
//
// Both engines run the whole corpus: isolated-vm and QuickJS (CREDITLAB_SANDBOX, which the pool's and
// the scoring service's processes inherit).
//
// Header lines of a fixture: `// expect: <regex>` (the run's failure message), `// backend: wasm` (the
// tfjs backend its route needs; default cpu), `// timeoutMs: N` (the reward's time limit; default 250, more
// for the memory bombs, whose allocations alone can take that long on a loaded machine),
// `// memoryLimitMb: N` (the reward's memory limit; default the spec's). `MARKER` in the source becomes
// the marker file's path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExperiment } from '@creditlab/spec';
import type { EpisodeRecord } from '@creditlab/api';
import { ProcessPool, type WorkerEvent } from '../src/index';
import { ScoreService } from '../src/score-service';
import { SANDBOX_ENV, SANDBOX_NAMES, type SandboxName } from '@creditlab/rewards/sandbox';

const dir = new URL('./hostile/', import.meta.url).pathname;
const markers = mkdtempSync(join(tmpdir(), 'creditlab-hostile-'));

interface Fixture {
  name: string;
  code: string;
  expect: RegExp;
  backend: string;
  timeoutMs: number;
  memoryLimitMb?: number;
  marker: string;
}

const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.js'))
  .sort()
  .map((f) => {
    const src = readFileSync(join(dir, f), 'utf8');
    const header = (key: string) => new RegExp(`^// ${key}: (.*)$`, 'm').exec(src)?.[1];
    const name = f.replace(/\.js$/, '');
    const marker = join(markers, `${name}.marker`);
    const expect = header('expect');
    assert.ok(expect, `${f} has no "// expect:" line`);
    return {
      name,
      code: src.replaceAll('MARKER', JSON.stringify(marker)),
      expect: new RegExp(expect, 'i'),
      backend: header('backend') ?? 'cpu',
      timeoutMs: Number(header('timeoutMs') ?? 250),
      memoryLimitMb: header('memoryLimitMb') ? Number(header('memoryLimitMb')) : undefined,
      marker,
    };
  });

const honest = 'export default (ctx) => ctx.envReward * 0.5 + (ctx.terminated ? -1 : 0);';

function escaped(): string[] {
  return fixtures.filter((f) => existsSync(f.marker)).map((f) => `${f.name}: ${readFileSync(f.marker, 'utf8')}`);
}

/** Runs `body` with CREDITLAB_SANDBOX set, for the processes it starts. */
async function withSandbox<T>(sandbox: SandboxName, body: () => Promise<T>): Promise<T> {
  const before = process.env[SANDBOX_ENV];
  process.env[SANDBOX_ENV] = sandbox;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env[SANDBOX_ENV];
    else process.env[SANDBOX_ENV] = before;
  }
}

async function trainAll(backend: string, group: Fixture[], sandboxes = new Map<string, string>()): Promise<Map<string, WorkerEvent>> {
  const spec = {
    version: 1,
    name: `hostile-${backend}`,
    seeds: [0],
    budget: { steps: 256 },
    base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 32, numMinibatches: 2, updateEpochs: 1 } },
    arms: [
      { name: 'honest-first', reward: { code: honest } },
      ...group.map((f) => ({ name: f.name, reward: { code: f.code, timeoutMs: f.timeoutMs, memoryLimitMb: f.memoryLimitMb } })),
      { name: 'honest-last', reward: { code: honest } },
    ],
  };
  const { runs } = resolveExperiment(spec);
  const pool = new ProcessPool({ workers: 2, backend });
  const ends = new Map<string, WorkerEvent>();
  pool.submit(
    runs.map((run) => ({ runId: run.arm, run, runDir: '' })),
    (id, e) => {
      if (e.type === 'done' || e.type === 'failed') ends.set(id, e);
      if (e.type === 'sandbox') sandboxes.set(id, e.sandbox);
    },
  );
  await pool.idle();
  return ends;
}

for (const sandbox of SANDBOX_NAMES) {
  test(`hostile reward code fails only its own training run, and reaches nothing outside the sandbox [${sandbox}]`, () => withSandbox(sandbox, async () => {
    assert.ok(fixtures.length >= 15, `the corpus has ${fixtures.length} modules`);
    const backends = [...new Set(fixtures.map((f) => f.backend))];
    for (const backend of backends) {
      const group = fixtures.filter((f) => f.backend === backend);
      const ran = new Map<string, string>();
      const ends = await trainAll(backend, group, ran);
      assert.deepEqual(new Set(ran.values()), new Set([sandbox]), 'the engine the runs report');
      assert.deepEqual(ends.get('honest-first'), { type: 'done', cancelled: false }, `honest sibling on ${backend}`);
      assert.deepEqual(ends.get('honest-last'), { type: 'done', cancelled: false }, `honest sibling on ${backend}`);
      for (const f of group) {
        const e = ends.get(f.name);
        assert.equal(e?.type, 'failed', `${f.name} should fail its run, got ${JSON.stringify(e)}`);
        assert.match((e as { message: string }).message, f.expect, f.name);
      }
    }
    assert.deepEqual(escaped(), []);
  }));

  test(`hostile reward code fails only its own re-scoring, in the process that serves the UI [${sandbox}]`, () => withSandbox(sandbox, async () => {
    const steps = Array.from({ length: 60 }, (_, i) => ({
      obs: [i * 0.01, 0, 0, 0],
      action: i % 2,
      nextObs: [(i + 1) * 0.01, 0, 0, 0],
      envReward: 1,
      terminated: false,
      truncated: i === 59,
      info: {},
    }));
    const episode: EpisodeRecord = { env: 'CartPole-v1', envParams: {}, steps, resetInfo: {}, envReturn: 60 };
    const service = new ScoreService();
    try {
      // QuickJS has an InternalError global, V8 does not: the service runs drafts in the engine asked for.
      const probe = await service.score({ code: 'export default () => (typeof InternalError === "function" ? 2 : 1);', filename: 'probe.js' }, episode);
      assert.equal(probe.totals['reward/user'], sandbox === 'quickjs' ? 120 : 60, probe.error?.message);
      for (const f of fixtures) {
        const r = await service.score({ code: f.code, filename: `${f.name}.js`, timeoutMs: f.timeoutMs, memoryLimitMb: f.memoryLimitMb }, episode);
        assert.ok(r.error, `${f.name} should fail its re-scoring`);
        assert.match(r.error.message, f.expect, f.name);
        const ok = await service.score({ code: honest, filename: 'honest.js' }, episode);
        assert.equal(ok.error, null, `an honest draft after ${f.name}: ${ok.error?.message}`);
        assert.equal(ok.totals['reward/user'], 30);
      }
    } finally {
      await service.close();
    }
    assert.deepEqual(escaped(), []);
  }));
}

test('the markers folder is removed', () => rmSync(markers, { recursive: true, force: true }));
