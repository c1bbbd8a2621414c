// A process writing metric batches is killed with SIGKILL mid-run: every batch it committed
// is intact after reopening, and its run is `interrupted`, never `running` forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RunStore } from '../src/index';

const writer = new URL('./fixtures/writer.ts', import.meta.url).pathname;

test('kill -9 mid-run keeps every committed batch and marks the run interrupted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-kill9-'));
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // Wait until the writer reports committed batches, then kill it without warning.
  const committed = await new Promise<number>((resolve, reject) => {
    const t = setInterval(() => {
      const m = [...out.matchAll(/committed (\d+)/g)];
      if (m.length >= 20) {
        clearInterval(t);
        child.kill('SIGKILL');
        resolve(Number(m[m.length - 1][1]));
      }
    }, 5);
    child.on('exit', () => reject(new Error('writer exited early')));
  });
  await new Promise((r) => child.once('exit', r));
  assert.equal(child.signalCode, 'SIGKILL');
  // Before reopening through the store, the index still says running.
  const raw = new Database(join(dir, 'index.sqlite'), { readonly: true });
  assert.equal((raw.prepare('SELECT status FROM runs').get() as { status: string }).status, 'running');
  raw.close();
  const store = RunStore.open(dir);
  const [exp] = store.listExperiments();
  const [run] = store.listRuns(exp.id);
  assert.equal(run.status, 'interrupted');
  assert.equal(exp.status, 'interrupted');
  const series = store.series(exp.id, 'loss');
  // Every batch reported as committed is there, whole: batch b holds steps b*100 .. b*100+99.
  const n = series[0].steps.length;
  assert.ok(n >= committed * 100, `${n} points < ${committed} committed batches`);
  assert.equal(n % 100, 0, 'no partial batch');
  series[0].steps.forEach((s, i) => assert.equal(s, i));
  store.close();
});
