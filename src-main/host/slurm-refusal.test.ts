// The API (the desktop app, `creditlab serve`) runs experiments on this machine only: a spec that asks
// for Slurm, or a workspace whose config.json does, is refused up front (validation, start, re-run) with
// an error naming the field and the CLI command that does submit, and nothing is stored or run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '@creditlab/api';
import { resolveExperiment } from '@creditlab/spec';
import { RunStore } from '@creditlab/store';
import { Host } from './host';

const spec = (executor?: unknown) => ({
  version: 1,
  name: 'to-the-cluster',
  seeds: [0],
  budget: { steps: 1000 },
  base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
  arms: [{ name: 'a' }],
  ...(executor ? { executor } : {}),
});

test('a spec asking for Slurm is refused by the API with the field and the CLI command that submits it', async () => {
  const host = new Host({ workspace: mkdtempSync(join(tmpdir(), 'creditlab-slurm-refusal-')), workers: 1 });
  try {
    const slurm = spec({ type: 'slurm', slurm: { partition: 'gpu' } });
    const v = await host.validateSpec(slurm);
    assert.equal(v.ok, false);
    assert.equal(v.ok === false && v.errors[0].path, 'executor.type');
    assert.match(v.ok === false ? v.errors[0].message : '', /creditlab run SPEC --executor slurm.*set executor\.type to "local"/);
    await assert.rejects(host.startExperiment(slurm), (e: Error) => e instanceof ApiError && /^Slurm is not available here: "slurm": the desktop app and creditlab serve run experiments on this machine only/.test(e.message) && e.errors?.[0].path === 'executor.type');
    assert.deepEqual(await host.listExperiments(), [], 'nothing was stored');
    // Without executor.type, or with "local", it runs here.
    assert.equal((await host.validateSpec(spec())).ok, true);
    assert.equal((await host.validateSpec(spec({ type: 'local' }))).ok, true);
  } finally {
    await host.close();
  }
});

test("a workspace whose config.json sends experiments to Slurm: the API refuses specs that leave the choice to it, and re-runs of Slurm experiments", async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'creditlab-slurm-refusal-'));
  writeFileSync(join(workspace, 'config.json'), JSON.stringify({ executor: { type: 'slurm', slurm: { partition: 'gpu' } } }));
  const seed = RunStore.open(workspace);
  const { spec: s, runs } = resolveExperiment(spec({ type: 'slurm' }));
  const { experimentId } = seed.createExperiment(s, runs, { executor: 'slurm' });
  seed.close();
  const host = new Host({ workspace, workers: 1 });
  try {
    const v = await host.validateSpec(spec());
    assert.equal(v.ok, false);
    assert.match(v.ok === false ? v.errors[0].message : '', /config\.json.*sends experiments to Slurm.*set executor\.type to "local" in the spec/);
    await assert.rejects(host.startExperiment(spec()), /^ApiError: Slurm is not available here: not set, and this workspace's config\.json/);
    assert.equal((await host.validateSpec(spec({ type: 'local' }))).ok, true, 'the spec overrides the workspace');
    await assert.rejects(host.rerunExperiment(experimentId), /Slurm is not available here/);
    assert.equal((await host.listExperiments()).length, 1, 'nothing new was stored');
  } finally {
    await host.close();
  }
});

test('an experiment whose runs went to Slurm through the CLI flag (no executor in its spec) is not re-run here', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'creditlab-slurm-refusal-'));
  const seed = RunStore.open(workspace);
  // `creditlab run spec.json --executor slurm` stores the spec as written and the runs' executor.
  const { spec: s, runs } = resolveExperiment(spec());
  const { experimentId } = seed.createExperiment(s, runs, { executor: 'slurm' });
  const local = resolveExperiment(spec());
  const { experimentId: localId } = seed.createExperiment(local.spec, local.runs, { executor: 'local' });
  seed.close();
  const host = new Host({ workspace, workers: 1 });
  try {
    await assert.rejects(
      host.rerunExperiment(experimentId),
      (e: Error) =>
        e instanceof ApiError &&
        /^Slurm is not available here: this experiment's runs went to Slurm.*submit its spec again with `creditlab run SPEC --executor slurm`.*Duplicate it and set executor\.type to "local"/.test(e.message),
    );
    assert.equal((await host.listExperiments()).length, 2, 'nothing new was stored');
    // The spec itself is fine to start here (it names no executor): the refusal is about re-running the Slurm runs.
    assert.equal((await host.validateSpec(spec())).ok, true);
    // A local experiment still re-runs.
    const again = await host.rerunExperiment(localId);
    assert.equal(again.runIds.length, 1);
    await host.cancelExperiment(again.experimentId);
  } finally {
    await host.close();
  }
});
