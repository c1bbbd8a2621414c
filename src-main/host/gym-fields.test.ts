// The host refuses a spec whose shaping reads an info field a Gymnasium env lacks, when the spec is
// validated in the editor and when an experiment is started, before any run exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '@creditlab/api';
import { resolvePython } from '@creditlab/gym';
import { Host } from './host';

const PY = resolvePython().python;
const noGym = spawnSync(PY, ['-c', 'import gymnasium'], { stdio: 'ignore' }).status === 0 ? false : `skipped: ${PY} cannot import gymnasium (set CREDITLAB_PYTHON, or run creditlab env setup-python)`;

const spec = (field: string) => ({
  version: 1,
  name: 'gym-fields',
  seeds: [0],
  budget: { steps: 64 },
  base: { kind: 'rl', env: { id: 'gymnasium:MountainCar-v0' }, algo: { name: 'ppo', numEnvs: 1, numSteps: 32 }, reward: { shaping: [{ type: 'potential', terms: [{ field }] }] } },
  arms: [{ name: 'a' }],
});

test('host: validateSpec and startExperiment refuse a Gymnasium env without the field a potential reads', { skip: noGym }, async () => {
  const host = new Host({ workspace: mkdtempSync(join(tmpdir(), 'creditlab-gymfields-host-')), workers: 1 });
  try {
    const v = await host.validateSpec(spec('height'));
    assert.deepEqual(v, {
      ok: false,
      errors: [{ path: 'base.reward.shaping[0].terms[0].field', message: 'potential shaping "potential" reads info field "height", which env "gymnasium:MountainCar-v0" does not provide (its info after reset: no numeric fields)' }],
    });
    const e = await host.startExperiment(spec('height')).then(
      () => assert.fail('started'),
      (x: unknown) => x,
    );
    assert.ok(e instanceof ApiError);
    assert.match(JSON.stringify(e.errors), /reads info field \\"height\\"/);
    assert.equal(host.store.listExperiments().length, 0, 'nothing stored');
    assert.deepEqual(await host.validateSpec(spec('obs[1]')), { ok: true, runs: 1, arms: ['a'] });
  } finally {
    await host.close();
  }
});
