import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWorkspaceConfig } from './workspace-config';
import { SpecValidationError } from '@creditlab/spec';

test('the workspace config sets executor defaults and names its bad fields', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-wscfg-'));
  assert.deepEqual(readWorkspaceConfig(dir), {});
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ executor: { type: 'slurm', slurm: { partition: 'gpu', account: 'lab' } } }));
  assert.deepEqual(readWorkspaceConfig(dir).executor, { type: 'slurm', slurm: { partition: 'gpu', account: 'lab' } });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ executor: { type: 'kubernetes' } }));
  assert.throws(() => readWorkspaceConfig(dir), (e: unknown) => e instanceof SpecValidationError && /config\.json: executor\.type: expected one of "local", "slurm"/.test(e.message));
  writeFileSync(join(dir, 'config.json'), '{ nope');
  assert.throws(() => readWorkspaceConfig(dir), /not valid JSON/);
});
