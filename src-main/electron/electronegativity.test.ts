// Electronegativity (Doyensec's Electron security linter) over the Electron shell: no high-severity finding.
// Its Electron-releases check needs the network, so the version is given and that one check skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('../..', import.meta.url).pathname;

test('Electronegativity finds nothing of high severity in src-main/electron', () => {
  const bin = join(root, 'node_modules/.bin/electronegativity');
  const electronVersion = (require('electron/package.json') as { version: string }).version;
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-eneg-'));
  const out = join(dir, 'findings.csv');
  const r = spawnSync(bin, ['-i', join(root, 'src-main/electron'), '-e', electronVersion, '-x', 'AvailableSecurityFixesGlobalCheck', '-o', out], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1);
  assert.ok(rows.length > 0, 'the checker ran and reported its (non-high) findings');
  const high = rows.filter((l) => l.split(',')[1] === '"HIGH"' && !l.includes('.test.ts'));
  assert.deepEqual(high, [], `high-severity findings:\n${high.join('\n')}`);
});
