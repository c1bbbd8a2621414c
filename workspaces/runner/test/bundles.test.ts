// The run processes start from bundles of the sources (bundles.ts): stale bundles are never used, and
// a run gives the same metrics from the bundle as from the TypeScript through tsx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resolveExperiment } from '@creditlab/spec';
import { ProcessPool, type WorkerEvent } from '../src/index';
import { bundleFor, freshDir } from '../src/bundles';

test('bundles count as fresh only while every input keeps its size and modification time', () => {
  const root = mkdtempSync(join(tmpdir(), 'creditlab-bundles-'));
  const cache = join(root, 'cache');
  mkdirSync(join(cache, 'b1'), { recursive: true });
  writeFileSync(join(root, 'a.ts'), 'export const a = 1;\n');
  const then = new Date('2026-01-01T00:00:00Z');
  utimesSync(join(root, 'a.ts'), then, then);
  const s = statSync(join(root, 'a.ts'));
  writeFileSync(join(cache, 'current.json'), JSON.stringify({ id: 'b1' }));
  const manifest = (node: string) => writeFileSync(join(cache, 'b1', 'manifest.json'), JSON.stringify({ node, inputs: { 'a.ts': [s.size, s.mtimeMs] } }));
  manifest(process.version);
  assert.equal(freshDir(root, cache), join(cache, 'b1'));
  utimesSync(join(root, 'a.ts'), then, new Date(then.getTime() + 5000));
  assert.equal(freshDir(root, cache), null, 'a touched input makes the bundles stale');
  utimesSync(join(root, 'a.ts'), then, then);
  writeFileSync(join(root, 'a.ts'), 'export const a = 2;\n');
  utimesSync(join(root, 'a.ts'), then, then);
  assert.equal(freshDir(root, cache), join(cache, 'b1'), 'same size and time: treated as unchanged, as make does');
  writeFileSync(join(root, 'a.ts'), 'export const a = 22;\n');
  utimesSync(join(root, 'a.ts'), then, then);
  assert.equal(freshDir(root, cache), null, 'a changed size makes the bundles stale');
  writeFileSync(join(root, 'a.ts'), 'export const a = 1;\n');
  utimesSync(join(root, 'a.ts'), then, then);
  manifest('v0.0.0');
  assert.equal(freshDir(root, cache), null, 'bundles built by another Node are not used');
  writeFileSync(join(cache, 'current.json'), JSON.stringify({ id: 'gone' }));
  assert.equal(freshDir(root, cache), null);
});

async function metricsOf(runtime: 'bundle' | 'tsx'): Promise<string[]> {
  const before = process.env.CREDITLAB_WORKER_RUNTIME;
  if (runtime === 'tsx') process.env.CREDITLAB_WORKER_RUNTIME = 'tsx';
  else delete process.env.CREDITLAB_WORKER_RUNTIME;
  const pool = new ProcessPool({ workers: 1 });
  try {
    const [run] = resolveExperiment({
      version: 1,
      name: 'bundle-vs-tsx',
      seeds: [3],
      budget: { steps: 1024 },
      base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 64, numMinibatches: 2, updateEpochs: 2 } },
      arms: [{ name: 'a', reward: { code: 'export default (ctx: RewardContext) => ctx.envReward - 0.1 * Math.abs(ctx.nextObs[2]);' } }],
    }).runs;
    const points: string[] = [];
    let end: WorkerEvent | null = null;
    pool.submit([{ runId: 'r', run, runDir: '' }], (_id, e) => {
      if (e.type === 'metrics') for (const p of e.points) if (p.metric !== 'charts/SPS') points.push(`${p.metric}@${p.step}=${p.value}`);
      if (e.type === 'done' || e.type === 'failed') end = e;
    });
    await pool.idle();
    assert.deepEqual(end, { type: 'done', cancelled: false });
    return points;
  } finally {
    await pool.shutdown();
    if (before === undefined) delete process.env.CREDITLAB_WORKER_RUNTIME;
    else process.env.CREDITLAB_WORKER_RUNTIME = before;
  }
}

test('a run started from the bundle gives exactly the metrics of the same run started through tsx', async () => {
  assert.match(bundleFor('run-process') ?? '', /run-process\.cjs$/, 'the bundles build in a checkout');
  const bundled = await metricsOf('bundle');
  const tsx = await metricsOf('tsx');
  assert.ok(bundled.length > 10);
  assert.deepEqual(bundled, tsx);
});

test('the files the bundles open by path (the Gymnasium bridge) are copied beside them and make them stale when edited', async () => {
  const { HELPER_FILES } = (await import('../../../scripts/bundle-config.mjs' as string)) as { HELPER_FILES: Record<string, [string, string, string]> };
  const dir = dirname(bundleFor('run-process') ?? assert.fail('the bundles build in a checkout'));
  const { inputs } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { inputs: Record<string, unknown> };
  const root = join(dir, '../../../..');
  assert.ok(Object.keys(HELPER_FILES).length >= 3);
  for (const [, source, name] of Object.values(HELPER_FILES)) {
    assert.equal(readFileSync(join(dir, name), 'utf8'), readFileSync(join(root, source), 'utf8'), `${name} is a copy of ${source}`);
    assert.ok(source in inputs, `${source} is an input of the bundles`);
  }
});
