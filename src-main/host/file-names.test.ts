// File names built from user text: exports and figure zips never carry a separator, ".." or a control character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSafeFileName, safeFileName } from '@creditlab/common';
import { resolveExperiment } from '@creditlab/spec';
import { makeZip } from '../../src-renderer/src/lib/zip';
import { Host } from './host';

test('safeFileName flattens any text into a portable name', () => {
  for (const [text, want] of [
    ['cartpole-ppo', 'cartpole-ppo'],
    ['../../etc/passwd', 'etc_passwd'],
    ['..\\..\\x', 'x'],
    ['\u001b[31mred', '31mred'],
    ['.hidden', 'hidden'],
    ['charts/episodic_return', 'charts_episodic_return'],
    ['Ünïcode name', 'Unicode_name'],
    ['dots...', 'dots'],
    ['', 'export'],
    ['////', 'export'],
  ] as const) {
    const got = safeFileName(text);
    assert.equal(got, want, text);
    assert.ok(isSafeFileName(got), got);
  }
  assert.ok(safeFileName('x'.repeat(1000)).length <= 120);
});

test('the figure zip refuses entry names that would leave the folder it is unpacked into', async () => {
  const data = new Uint8Array([1, 2, 3]);
  for (const name of ['../../evil.png', '/abs.png', 'a/b.png', 'a\\b.png', '..', '.hidden', 'x\u0000.png', 'ctl\u001b.png']) {
    assert.throws(() => makeZip([{ name, data }]), /refusing zip entry name/, name);
  }
  const blob = makeZip([{ name: 'exp-charts_episodic_return.png', data }]);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  assert.equal(new TextDecoder().decode(bytes.subarray(30, 30 + 30)), 'exp-charts_episodic_return.png');
});

test('export file names and run folder files are sanitised even for names stored before validation tightened', async () => {
  const host = new Host({ workspace: mkdtempSync(join(tmpdir(), 'creditlab-fnames-')), workers: 1 });
  try {
    const { spec, runs } = resolveExperiment({
      version: 1,
      name: 'ok',
      seeds: [0],
      budget: { steps: 10 },
      base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' }, reward: { code: 'export default () => 0' } },
      arms: [{ name: 'a' }],
    });
    // As an older workspace could hold it: a hostile name and reward file name, written straight to the store.
    const hostile = { ...spec, name: '../../\u001b[2Jevil' };
    const bad = runs.map((r) => ({ ...r, config: { ...r.config, reward: { ...(r.config as { reward: object }).reward, source: { filename: '../../x.ts', code: '0' } } } }));
    const { experimentId, runIds } = host.store.createExperiment(hostile, bad as typeof runs);
    const out = await host.exportExperiment(experimentId, 'csv');
    assert.equal(out.filename, `2Jevil-${experimentId}.csv`);
    assert.ok(readdirSync(host.store.runDir(runIds[0])).includes('x.ts'));
  } finally {
    await host.close();
  }
});
