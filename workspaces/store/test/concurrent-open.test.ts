import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, RunStore } from '../src/index';

test('processes opening a new workspace at the same moment all succeed, and each migration runs once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-race-'));
  const root = join(dir, 'ws');
  const go = join(dir, 'go');
  const n = 4;
  const children = Array.from({ length: n }, () =>
    fork(new URL('./fixtures/opener.ts', import.meta.url).pathname, [root, go], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }),
  );
  const results = children.map(
    (c) =>
      new Promise<{ code: number | null; version: unknown; stderr: string }>((resolve) => {
        let stderr = '';
        let version: unknown = null;
        c.stderr!.on('data', (d) => (stderr += d));
        c.on('message', (m) => {
          if (m !== 'ready') version = m;
        });
        c.on('exit', (code) => resolve({ code, version, stderr }));
      }),
  );
  await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  writeFileSync(go, '');
  const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
  for (const r of await Promise.all(results)) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.version, latest);
  }
  const store = RunStore.open(root);
  assert.equal(store.schemaVersion, latest);
  store.close();
});
