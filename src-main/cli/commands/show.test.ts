// `creditlab show EXP --json` carries the reward-hacking alarm's verdict for every run with a metric pair,
// computed on series logged at the RLHF trainer's cadence (one point per iteration).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@creditlab/common';
import { resolveExperiment } from '@creditlab/spec';
import { RunStore } from '@creditlab/store';
import { main } from '../main';
import type { CliIO } from '../io';

test('show --json: "hacking" has one row per run with the pair; the hacked arm is flagged, success-only is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-show-'));
  const store = RunStore.open(dir);
  const { spec, runs } = resolveExperiment({
    version: 1,
    name: 'hack',
    seeds: [0, 1],
    budget: { steps: 150 },
    base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
    arms: [{ name: 'success-only' }, { name: 'pr' }],
  });
  const { experimentId, runIds } = store.createExperiment(spec, runs);
  const rng = new Rng(5);
  runs.forEach((r, i) => {
    const pts = [];
    for (let it = 1; it <= 150; it++) {
      const t = it / 150;
      const hacked = r.arm === 'pr';
      pts.push({ step: it, metric: 'objective/process_return', value: hacked ? 4 + 3 * t + 0.1 * rng.normal() : 0 });
      pts.push({ step: it, metric: 'train/success', value: (hacked ? 0.8 - 0.4 * t : 0.7 + 0.1 * t) + 0.03 * rng.normal() });
    }
    store.appendMetrics(runIds[i], pts);
    store.finishRun(runIds[i], 'finished');
  });
  store.close();
  const lines: string[] = [];
  const io: CliIO = { out: (l) => lines.push(l), err: () => undefined, isTTY: false };
  assert.equal(await main(['show', experimentId, '--workspace', dir, '--json'], io), 0);
  const j = JSON.parse(lines.at(-1)!);
  assert.equal(j.hacking.length, 4);
  for (const h of j.hacking) {
    assert.deepEqual(Object.keys(h).slice(0, 8), ['run', 'arm', 'seed', 'flagged', 'judged', 'proxy', 'truth', 'proxyRho']);
    assert.equal(h.proxy, 'objective/process_return');
    assert.equal(h.truth, 'train/success');
    assert.equal(h.flagged, h.arm === 'pr', JSON.stringify(h));
    assert.equal(h.judged, true);
  }
  const text: string[] = [];
  assert.equal(await main(['show', experimentId, '--workspace', dir], { out: (l) => text.push(l), err: () => undefined, isTTY: false }), 0);
  assert.equal(text.filter((l) => l.startsWith('⚠ possible reward hacking')).length, 2);
});
