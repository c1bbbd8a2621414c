// Resume end to end, in child processes: `creditlab run` is killed with SIGKILL once it has a resume
// checkpoint, `creditlab resume` continues it, and the run ends with exactly the metrics (every series,
// step by step, so nothing is logged twice or lost) of the same run left alone. Deterministic CPU backend.
// Wall-clock speed (charts/SPS, RLHF's perf/*) is the one thing allowed to differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const bin = new URL('../../bin/creditlab.mjs', import.meta.url).pathname;
const env = { ...process.env, CREDITLAB_BACKEND: 'cpu' };

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rlSpec = {
  version: 1,
  name: 'resume-kill9',
  description: 'PPO on CartPole with potential shaping and running reward normalisation, killed and resumed',
  seeds: [7],
  budget: { steps: 16_384 },
  base: {
    kind: 'rl',
    env: { id: 'CartPole-v1' },
    algo: { name: 'ppo', numSteps: 128, numEnvs: 4 },
    reward: { shaping: [{ type: 'potential', terms: [{ field: 'obs[2]', weight: -1 }] }], transforms: [{ type: 'normalize' }] },
    eval: { every: 4096, episodes: 2 },
  },
  arms: [{ name: 'ppo' }],
};

const rlhfSpec = {
  version: 1,
  name: 'resume-kill9-rlhf',
  description: 'RLOO with a noisy step oracle and Clip-Delta process rewards, killed and resumed',
  seeds: [3],
  budget: { steps: 40 },
  base: {
    kind: 'rlhf',
    model: { hidden: 32, embedding: 8 },
    sft: { iterations: 40, batchSize: 16 },
    rewardModel: { type: 'oracle', noise: 0.1 },
    algo: { type: 'rloo', promptsPerBatch: 8, samplesPerPrompt: 4 },
    reward: { type: 'clip-delta' },
    evaluation: { every: 5, problems: 16, samples: 1 },
  },
  arms: [{ name: 'rloo' }],
};

const wallClock = (metric: string) => metric === 'charts/SPS' || metric.startsWith('perf/');

/** Every series of the workspace's only run, as (metric, step, value) rows in order (wall-clock speed left out), then its samples. */
function allSeries(ws: string): string[] {
  const db = new Database(join(ws, 'index.sqlite'), { readonly: true });
  const rows = db
    .prepare(`SELECT n.name AS metric, m.step, m.value FROM metrics m JOIN metric_names n ON n.mid=m.mid ORDER BY n.name, m.step, m.value`)
    .all() as { metric: string; step: number; value: number | null }[];
  // Generated samples (RLHF's greedy solutions with their per-token credit) too.
  const samples = db.prepare(`SELECT step, kind, data_json FROM samples ORDER BY step, kind, data_json`).all() as { step: number; kind: string; data_json: string }[];
  db.close();
  return [...rows.filter((r) => !wallClock(r.metric)).map((r) => `${r.metric} ${r.step} ${r.value}`), ...samples.map((x) => `sample ${x.step} ${x.kind} ${x.data_json}`)];
}

const comparableFinal = (final: Record<string, number>) => Object.fromEntries(Object.entries(final).filter(([k]) => !wallClock(k)));

async function killAndResume(spec: { name: string; budget: { steps: number } }) {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-resume-'));
  const f = join(dir, 'spec.json');
  writeFileSync(f, JSON.stringify(spec));

  const alone = join(dir, 'alone');
  const a = cli(['run', f, '--workspace', alone, '--workers', '1', '--json']);
  assert.equal(a.code, 0, a.stderr);
  const aloneRun = JSON.parse(a.stdout.trim().split('\n').pop()!).runs[0];

  const killed = join(dir, 'killed');
  const child = spawn(process.execPath, [bin, 'run', f, '--workspace', killed, '--workers', '1'], { stdio: 'ignore', env });
  let exited = false;
  child.once('exit', () => (exited = true));
  // Wait for a resume point (the host promotes a checkpoint once the metrics before it are committed).
  let ckpt: string | null = null;
  for (let i = 0; i < 60_000 && !ckpt && !exited; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const runs = existsSync(join(killed, 'runs')) ? readdirSync(join(killed, 'runs')) : [];
    const c = runs.map((r) => join(killed, 'runs', r, 'checkpoints', 'resume.json')).find((p) => existsSync(p));
    if (c) ckpt = c;
  }
  assert.ok(ckpt, `${spec.name}: a resume checkpoint appeared before the run ended`);
  child.kill('SIGKILL');
  await new Promise((r) => (exited ? r(null) : child.once('exit', r)));
  const step = (JSON.parse(readFileSync(ckpt!, 'utf8')) as { step: number }).step;
  assert.ok(step > 0 && step < spec.budget.steps, `${spec.name}: checkpoint at step ${step}`);

  const [exp] = JSON.parse(cli(['list', '--workspace', killed, '--json']).stdout);
  assert.equal(exp.status, 'interrupted', `${spec.name}: the killed run is interrupted, not finished`);

  const r = cli(['resume', exp.id, '--workspace', killed, '--workers', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(out.resumed.length, 1, `${spec.name}: resumed, not restarted: ${JSON.stringify(out.restarted)}`);
  assert.ok(out.resumed[0].fromStep >= step, `resumed after step ${out.resumed[0].fromStep}`);
  const resumedRun = out.runs[0];
  assert.equal(resumedRun.status, 'finished');

  assert.deepEqual(comparableFinal(resumedRun.final), comparableFinal(aloneRun.final));
  assert.deepEqual(allSeries(killed), allSeries(alone), `${spec.name}: every series matches point for point`);
}

test('a run killed with SIGKILL and resumed ends with the same metrics as the run left alone', async () => {
  await killAndResume(rlSpec);
});

test('an RLHF run killed with SIGKILL and resumed ends with the same metrics as the run left alone', async () => {
  await killAndResume(rlhfSpec);
});
