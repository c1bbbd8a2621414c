// The host's own API methods beyond the contract suite: episode re-scoring, reward versions,
// incremental series with wall-clock times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord } from '@creditlab/api';
import { Host } from './host';

const spec = {
  version: 1,
  name: 'host-test',
  seeds: [0],
  budget: { steps: 2048 },
  base: { kind: 'rl', env: { id: 'KeyDoor', params: { size: 5 } }, algo: { name: 'ppo', numEnvs: 2, numSteps: 64 } },
  arms: [{ name: 'a' }],
};

test('RL runs record episodes that re-score with a draft reward, instantly and safely', async () => {
  const host = new Host({ workspace: mkdtempSync(join(tmpdir(), 'creditlab-host-')), workers: 1 });
  try {
    const { done, runIds } = host.launch(spec);
    await done;
    const samples = await host.getSamples(runIds[0], 'episode');
    assert.ok(samples.length >= 2, `${samples.length} recorded episodes`);
    const ep = samples[0].data as EpisodeRecord;
    assert.equal(ep.env, 'KeyDoor');
    assert.ok(ep.steps.length > 0 && typeof ep.resetInfo.optimalStepsLeft === 'number');

    const draft = { code: 'export default (ctx: RewardContext) => ctx.events.includes("key_picked") ? 0.5 : 0;', shaping: [{ type: 'potential', terms: [{ field: 'optimalStepsLeft', weight: -0.1 }] }] };
    const score = await host.scoreEpisode(draft, ep);
    assert.equal(score.error, null);
    assert.equal(score.steps.length, ep.steps.length);
    const envSum = ep.steps.reduce((a, s) => a + s.envReward, 0);
    assert.ok(Math.abs(score.totals['reward/env'] - envSum) < 1e-9);
    const picked = ep.steps.filter((s) => ((s.info.events as string[]) ?? []).includes('key_picked')).length;
    assert.ok(Math.abs(score.totals['reward/user'] - 0.5 * picked) < 1e-9);

    const bad = await host.scoreEpisode({ code: 'export default (ctx) => {\n  if (ctx.t === 2) throw new Error("nope");\n  return 0;\n}' }, ep);
    assert.match(bad.error?.message ?? '', /nope/);
    assert.equal(bad.error?.line, 2);
    const loop = await host.scoreEpisode({ code: 'export default () => { for (;;) {} }', timeoutMs: 50 }, ep);
    // Over its CPU time; on a machine so busy that the loop ran too little to show it, over the wall-clock backstop.
    assert.match(loop.error?.message ?? '', /exceeded its time limit: more than (50 ms of CPU time|\d+ ms on the wall clock, the backstop to its 50 ms of CPU time)/);
    // The service recovers after terminating a looping worker.
    assert.equal((await host.scoreEpisode(draft, ep)).error, null);

    const series = await host.getSeries((await host.listExperiments())[0].id, 'charts/episodic_return');
    assert.equal(series[0].times.length, series[0].steps.length);
    assert.ok(series[0].times.every((t) => t > 1.7e9));
    const mid = series[0].steps[Math.floor(series[0].steps.length / 2)];
    const later = await host.getSeries(series[0].run.length ? (await host.listExperiments())[0].id : '', 'charts/episodic_return', mid);
    assert.ok(later[0].steps.every((s) => s > mid) && later[0].steps.length < series[0].steps.length);
  } finally {
    await host.close();
  }
});

test('reward versions are kept in the workspace, newest first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-host-'));
  const host = new Host({ workspace: dir, workers: 1 });
  await host.saveRewardVersion('shaping', 'export default () => 1', 'first');
  await new Promise((r) => setTimeout(r, 5));
  await host.saveRewardVersion('shaping', 'export default () => 2');
  await host.saveRewardVersion('other', 'export default () => 3');
  await host.close();
  const again = new Host({ workspace: dir, workers: 1 });
  const vs = await again.listRewardVersions('shaping');
  assert.deepEqual(vs.map((v) => v.code), ['export default () => 2', 'export default () => 1']);
  assert.equal(vs[1].note, 'first');
  assert.equal((await again.listRewardVersions()).length, 3);
  await again.close();
});
