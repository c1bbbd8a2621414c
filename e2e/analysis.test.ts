// The builder's method templates and the comparison's analysis features, in Chromium against the real
// web host: templates for every reward method of the registry inserted as spec entries; grouping runs by
// a config key; series from several experiments in one comparison; "export all figures".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { RpcRequest } from '@creditlab/api';
import type { Request } from 'playwright-core';
import { NO_BROWSER, RUN_WAIT, SUITE_TIMEOUT, until, openSession, shot, SCREENSHOTS, type Session } from './harness';

let s: Session;
let sweepId = '';
let otherId = '';

const BASE = { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } };
// Two arms share a learning rate, so grouping by it differs from grouping by arm.
const SWEEP = {
  version: 1,
  name: 'lr-sweep',
  seeds: [0],
  budget: { steps: 2048 },
  base: BASE,
  arms: [
    { name: 'low', algo: { name: 'ppo', learningRate: 0.0003 } },
    { name: 'low-ent', algo: { name: 'ppo', learningRate: 0.0003, entCoef: 0.02 } },
    { name: 'high', algo: { name: 'ppo', learningRate: 0.001 } },
  ],
};
const OTHER = { version: 1, name: 'other', seeds: [0], budget: { steps: 2048 }, base: BASE, arms: [{ name: 'baseline' }] };

async function waitForExperiment(id: string): Promise<void> {
  const deadline = Date.now() + RUN_WAIT;
  for (;;) {
    const e = await s.host.host.getExperiment(id);
    if (e.runs.every((r) => r.status === 'finished')) return;
    assert.ok(!e.runs.some((r) => r.status === 'failed'), e.runs.map((r) => `${r.id} ${r.status} ${r.error ?? ''}`).join('; '));
    if (Date.now() > deadline) throw new Error(`runs did not finish in ${RUN_WAIT / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The entries of a stored (uncompressed) zip, checking each CRC as an unzip tool would. */
function readZip(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    assert.equal(buf.readUInt32LE(local), 0x04034b50);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    assert.equal(crc32(data), crc, `CRC of ${name}`);
    out.set(name, data);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

const finalRows = (page: Session['page']) => page.locator('table.scores[aria-label="Final scores"] tbody tr');

describe('templates and comparison analysis', { skip: NO_BROWSER, timeout: SUITE_TIMEOUT }, () => {
  before(async () => {
    s = await openSession();
    sweepId = (await s.host.host.startExperiment(SWEEP)).experimentId;
    otherId = (await s.host.host.startExperiment(OTHER)).experimentId;
  });
  after(async () => {
    await s?.close();
  });

  test('template menu: every registry method, with its paper; a shaping and a transform entry keep the spec valid', async () => {
    const { page } = s;
    const validated: unknown[] = [];
    const onReq = (r: Request) => {
      if (!r.url().endsWith('/api/rpc')) return;
      const body = JSON.parse(r.postData() ?? '{}') as RpcRequest;
      if (body.method === 'validateSpec') validated.push(body.args[0]);
    };
    page.on('request', onReq);
    try {
      await page.goto(s.host.url + '#/new');
      await page.getByTestId('run-summary').waitFor();
      const support = await s.host.host.editorSupport();
      assert.ok(support.methods.length > 0);

      await page.getByRole('button', { name: 'Template ▾' }).click();
      const menu = page.getByTestId('template-menu');
      await menu.waitFor();
      // Every method of the registry is offered in its group, with the paper it cites and its doc on hover.
      for (const m of support.methods) {
        const item = menu.locator(`[data-group="${m.kind === 'shaping' ? 'shaping' : 'transforms'}"] [data-method="${m.type}"]`);
        assert.equal(await item.count(), 1, m.type);
        assert.equal(await item.getAttribute('title'), m.doc);
        assert.equal(await item.locator('.tmenu-paper').innerText(), m.paper);
      }
      // Code templates cite their paper too.
      for (const t of await menu.locator('[data-template]').all()) assert.ok((await t.locator('.tmenu-paper').innerText()).length > 5);
      await shot(page, '20-template-menu');
      // The blank spec's reward targets arm "shaped": the entries go there unless the user picks otherwise.
      assert.equal(await menu.getByLabel('Insert spec entry into').inputValue(), 'arm:shaped');
      await menu.locator('[data-method="count"]').click();
      await menu.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Template ▾' }).click();
      await menu.getByLabel('Insert spec entry into').selectOption('base');
      await menu.locator('[data-method="clip"]').click();

      const clip = support.methods.find((m) => m.type === 'clip')!;
      type Spec = { base: { reward?: { transforms?: { type: string }[] } }; arms: { name: string; reward?: { shaping?: { type: string }[] } }[] };
      let last: Spec | undefined;
      await until(() => {
        last = validated.at(-1) as Spec | undefined;
        return !!last?.base.reward?.transforms?.length;
      }, 'a validation request with the inserted transform');
      assert.ok(last, 'no validation request');
      assert.deepEqual(last.arms.find((a) => a.name === 'shaped')!.reward!.shaping!.map((e) => e.type), ['count']);
      assert.equal(last.base.reward!.transforms![0].type, 'clip');
      assert.ok('min' in last.base.reward!.transforms![0] && 'max' in last.base.reward!.transforms![0], `clip defaults from ${JSON.stringify(clip.params)}`);
      await page.getByTestId('run-summary').waitFor();
      assert.equal(await page.getByTestId('problem-count').innerText(), '0');
      assert.equal((await s.host.host.validateSpec(last)).ok, true);
      await shot(page, '21-template-inserted');
    } finally {
      page.off('request', onReq);
    }
  });

  test('comparison: group runs by a config key that differs between arms', async () => {
    const { page } = s;
    await waitForExperiment(sweepId);
    await page.goto(s.host.url + `#/exp/${sweepId}/compare`);
    await page.getByTestId('comparison-plot').locator('.scatterlayer .trace').first().waitFor();
    await finalRows(page).nth(2).waitFor();
    assert.equal(await finalRows(page).count(), 3, 'one row per arm');
    const groupBy = page.getByLabel('Group by');
    await groupBy.click();
    // The suggestions are the config keys that differ between runs.
    await page.waitForFunction(() => [...document.querySelectorAll('#group-by-keys option')].some((o) => (o as HTMLOptionElement).value === 'algo.learningRate'));
    const keys = await page.$$eval('#group-by-keys option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(keys.includes('algo.entCoef'), keys.join(', '));
    assert.ok(!keys.includes('algo.gamma'), 'a key equal in every run is not suggested');
    await groupBy.fill('algo.learningRate');
    await groupBy.press('Enter');
    await finalRows(page).filter({ hasText: 'algo.learningRate=0.001' }).waitFor();
    const rows = await finalRows(page).allInnerTexts();
    assert.equal(rows.length, 2, rows.join(' | '));
    assert.match(rows[0], /algo\.learningRate=0\.0003\s+2\b/);
    assert.match(rows[1], /algo\.learningRate=0\.001\s+1\b/);
    assert.match(await page.getByTestId('comparison-plot').locator('.legend').textContent() ?? '', /algo\.learningRate=0\.0003 \(n=2, fused\)/, 'the legend names the group and its compute path');
    await shot(page, '22-compare-group-by-key');
    await groupBy.fill('arm');
    await finalRows(page).filter({ hasText: 'low-ent' }).waitFor();
  });

  test('comparison: runs from another experiment join as experiment/arm', async () => {
    const { page } = s;
    await waitForExperiment(otherId);
    await page.getByRole('button', { name: /^Experiments/ }).click();
    await page.getByTestId('experiment-picker').getByLabel(`Compare with other (${otherId})`).check();
    await page.keyboard.press('Escape');
    await finalRows(page).filter({ hasText: 'other/baseline' }).waitFor();
    const rows = await finalRows(page).allInnerTexts();
    assert.deepEqual(
      rows.map((r) => r.split(/\s/)[0]),
      ['lr-sweep/low', 'lr-sweep/low-ent', 'lr-sweep/high', 'other/baseline'],
    );
    assert.match(await page.getByTestId('comparison-plot').locator('.legend').textContent() ?? '', /other\/baseline \(n=1, fused\)/);
    await shot(page, '23-compare-across-experiments');
  });

  test('export all figures: one zip with every metric as PNG, SVG and CSV', async () => {
    const { page } = s;
    const metrics = (await s.host.host.getExperiment(sweepId)).metrics;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'All figures' }).click()]);
    assert.equal(download.suggestedFilename(), 'lr-sweep-figures.zip');
    const path = join(SCREENSHOTS, 'export-all.zip');
    await download.saveAs(path);
    const files = readZip(readFileSync(path));
    const safe = (m: string) => m.replace(/[^\w.-]+/g, '_');
    for (const m of metrics) {
      const base = `lr-sweep-${safe(m)}`;
      const png = files.get(`${base}.png`);
      assert.ok(png, `${base}.png missing from ${[...files.keys()].join(', ')}`);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.length > 10_000, `${base}.png is only ${png.length} bytes`);
      assert.match(files.get(`${base}.svg`)!.toString('utf8'), /^<svg[\s\S]*<path[\s\S]*<\/svg>$/);
      const csv = files.get(`${base}.csv`)!.toString('utf8').trim().split('\n');
      assert.equal(csv[0], 'arm,step,n,estimate,low,high,interval');
      // A point several runs cover says how its interval was made (and why it has zero width, where all
      // runs are equal); a point one run covers has none.
      for (const row of csv.slice(1)) {
        if (/^[^,]+,[^,]+,1,/.test(row)) assert.match(row, /,NaN,NaN,"no interval: one run, n=1"$/);
        else assert.match(row, /,"95% percentile bootstrap \(500 resamples\), n=\d+( \(undercovers at small n\))?(; zero-width band: all \d+ runs have the same value here; [^"]*)?"$/);
      }
      // The other experiment is still in the comparison: its arm is in every metric's data.
      assert.ok(csv.some((l) => l.startsWith('other/baseline,')), `${base}.csv`);
    }
    assert.equal(files.size, 3 * metrics.length);
    await page.getByTestId('export-status').filter({ hasText: 'lr-sweep-figures.zip' }).waitFor();
    assert.deepEqual(s.consoleErrors, []);
    assert.deepEqual(s.cspViolations, []);
    assert.deepEqual(s.externalRequests, []);
  });

  test('export all figures in Electron: one folder dialog, every file written into it', async () => {
    const page = await s.context.newPage();
    await page.addInitScript(`
      const calls = [];
      window.__calls = calls;
      window.creditlabDesktop = {
        platform: 'linux',
        saveFile: async () => { throw new Error('export all must not ask once per file'); },
        saveFiles: async (req) => (calls.push(...req.files), { folder: '/home/u/figs', paths: req.files.map((f) => '/home/u/figs/' + f.name) }),
        exportExperimentToFile: async () => null,
        openRewardFile: async () => null,
        revealInFolder: async () => undefined,
        onMenuCommand: () => () => undefined,
      };
    `);
    try {
      const metrics = (await s.host.host.getExperiment(otherId)).metrics;
      await page.goto(s.host.url + `#/exp/${otherId}/compare`);
      await page.getByTestId('comparison-plot').locator('.scatterlayer .trace').first().waitFor();
      await page.getByRole('button', { name: 'All figures' }).click();
      await page.getByTestId('export-status').filter({ hasText: /saved \d+ files to \/home\/u\/figs/ }).waitFor();
      const calls = (await page.evaluate('window.__calls')) as { name: string; encoding: string; content: string }[];
      assert.equal(calls.length, 3 * metrics.length);
      const png = calls.find((c) => c.name === 'other-charts_episodic_return.png')!;
      assert.equal(png.encoding, 'base64');
      assert.equal(Buffer.from(png.content, 'base64').subarray(1, 4).toString(), 'PNG');
      assert.ok(calls.some((c) => c.name === 'other-charts_episodic_return.svg' && c.content.startsWith('<svg')));
      assert.ok(calls.some((c) => c.name === 'other-charts_episodic_return.csv' && c.content.startsWith('arm,step')));
    } finally {
      await page.close();
    }
  });
});
