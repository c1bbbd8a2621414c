// "Import runs…" in Chromium against the real web host: a TensorBoard folder written by tensorboardX is
// previewed (arms, seeds, metrics and the truncated file that will be left out) before anything is
// written, then imported and compared like a native experiment, without a Re-run button.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { openSession, shot, type Session } from './harness';

const LOGS = fileURLToPath(new URL('../workspaces/importers/test/fixtures/tb', import.meta.url));
let s: Session;

before(async () => {
  s = await openSession({ workers: 1 });
});
after(async () => {
  await s?.close();
});

test('import a TensorBoard folder: preview first, then a read-only experiment with its comparison', async () => {
  const { page } = s;
  await page.goto(s.host.url + '#/');
  await page.getByRole('button', { name: 'Import runs…' }).click();
  const dialog = page.getByTestId('import-dialog');
  await dialog.getByLabel('Path').fill(LOGS);
  await dialog.getByLabel('Experiment name').fill('tensorboardx-logs');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const preview = dialog.getByTestId('import-preview');
  await preview.waitFor();
  await assert.doesNotReject(preview.getByText('10 run(s)', { exact: false }).waitFor());
  assert.deepEqual((await preview.locator('tbody tr td:first-child').allTextContents()).sort(), ['ppo', 'ppo-clip']);
  assert.match(await preview.innerText(), /left out: broken\/run_0\/events\.out\.tfevents/);
  assert.equal((await s.host.host.listExperiments()).length, 0, 'the preview wrote nothing');
  await shot(page, 'import-preview');
  await dialog.getByRole('button', { name: /^Import 10 runs$/ }).click();
  await page.getByTestId('imported-badge').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Re-run' }).count(), 0);
  const [exp] = await s.host.host.listExperiments();
  assert.equal(exp.name, 'tensorboardx-logs');
  assert.equal(exp.source?.kind, 'tensorboard');
  await page.goto(s.host.url + `#/exp/${exp.id}/compare`);
  await page.locator('.js-plotly-plot .scatterlayer .trace').first().waitFor();
  await shot(page, 'import-compare');
  assert.deepEqual(s.consoleErrors, []);
  assert.deepEqual(s.externalRequests, []);
});
