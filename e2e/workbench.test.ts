// The workbench in Chromium against the real web host: load cleanly and offline, validate a spec and a
// reward in the editors, run a preset, watch runs progress, compare and export, inspect a failed run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NO_BROWSER, SUITE_TIMEOUT, openSession, setEditorText, shot, SCREENSHOTS, type Session } from './harness';

let s: Session;

const BAD_SPEC = `{
  "version": 1,
  "name": "bad-spec",
  "seeds": [0, 1],
  "budget": { "steps": 2048 },
  "base": { "kind": "rl", "env": { "id": "CartPole-v1" }, "algo": { "name": "ppo" } },
  "arms": [{ "name": "fast", "algo": { "name": "ppo", "learningRate": "very fast" } }]
}
`;

const FAILING_SPEC = `{
  "version": 1,
  "name": "with-a-failing-arm",
  "seeds": [0],
  "budget": { "steps": 2048 },
  "base": { "kind": "rl", "env": { "id": "CartPole-v1" }, "algo": { "name": "ppo" } },
  "arms": [{ "name": "baseline" }, { "name": "buggy" }]
}
`;

const THROWING_REWARD = `// Fails on purpose once an episode is 20 steps old.
export default function reward(ctx: RewardContext): number {
  if (ctx.t > 20) throw new Error('pole angle ' + ctx.obs[2].toFixed(3));
  return 0;
}
`;

describe('workbench', { skip: NO_BROWSER, timeout: SUITE_TIMEOUT }, () => {
  before(async () => {
    s = await openSession();
  });
  after(async () => {
    await s?.close();
  });

  test('loads offline with no console errors and no CSP violations', async () => {
    const { page } = s;
    await page.goto(s.host.url + '#/new');
    await page.locator('[data-editor="spec"] .view-lines').waitFor();
    await page.locator('[data-editor="reward"] .view-lines').waitFor();
    await page.getByTestId('run-summary').waitFor();
    await shot(page, '01-builder');
    assert.deepEqual(s.consoleErrors, []);
    assert.deepEqual(s.cspViolations, []);
    assert.deepEqual(s.externalRequests, []);
  });

  test('a spec error is shown with its JSON path, in the list and as a marker', async () => {
    const { page } = s;
    await setEditorText(page, 'spec', BAD_SPEC);
    const problem = page.getByTestId('problems').locator('.problem', { hasText: 'arms[0].algo.learningRate' });
    await problem.waitFor();
    assert.match(await problem.innerText(), /expected a number/);
    await page.locator('[data-editor="spec"] .squiggly-error').first().waitFor();
  });

  test('the reward editor knows the reward API: completions and a type error marker', async () => {
    const { page } = s;
    await page.getByLabel('Reward applies to').selectOption('base');
    await setEditorText(page, 'reward', 'export default function reward(ctx: RewardContext): number {\n  return ctx.envReward + ctx.nosuch;\n}\n');
    await page.locator('[data-editor="reward"] .squiggly-error').first().waitFor();
    const problem = page.getByTestId('problems').locator('.problem', { hasText: 'reward.ts' });
    await problem.first().waitFor();
    assert.match(await problem.first().innerText(), /nosuch/);
    // Completions come from the .d.ts loaded as an extra lib.
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.press('Enter');
    await page.keyboard.insertText('const probe = (c: RewardContext) => c');
    await page.keyboard.type('.');
    await page.locator('.suggest-widget .monaco-list-row', { hasText: 'envReward' }).first().waitFor();
    await shot(page, '02-builder-errors');
    await page.keyboard.press('Escape');
  });

  test('a preset starts and its runs progress live in the run table', async () => {
    const { page } = s;
    await page.getByLabel('Preset').selectOption('cartpole-ppo');
    await page.getByLabel('Reward applies to').selectOption('none');
    await page.getByLabel('Seeds').fill('2');
    await page.getByLabel('Steps per run').fill('6144');
    await page.getByTestId('run-summary').filter({ hasText: '2 runs' }).waitFor();
    await page.getByRole('button', { name: /^Start/ }).click();
    await page.waitForURL(/#\/exp\/[\w]+$/);
    const rows = page.locator('tr.run-row');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    // Progress is reported while the run goes: catch a running row with a partly filled bar.
    await page.locator('tr.run-row[data-status="running"] .progress:not([aria-valuenow="0"])').first().waitFor();
    await page.getByTestId('live-plot').locator('.scatterlayer .trace').first().waitFor();
    await shot(page, '03-runs-live');
    await page.locator('tr.run-row[data-status="finished"]').nth(1).waitFor();
    const text = await rows.first().innerText();
    assert.match(text, /6144|6\.1k/);
    await shot(page, '04-runs-finished');
  });

  test('the comparison plot renders and exports PNG, SVG and data', async () => {
    const { page } = s;
    await page.getByRole('tab', { name: 'Compare' }).click();
    const plot = page.getByTestId('comparison-plot');
    await plot.locator('.scatterlayer .trace').first().waitFor();
    await page.locator('table.scores tbody tr td.num').first().waitFor();
    // Every score table, caption included, fits the view: none is pushed wider than it by a long caption.
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll('table.scores')].map((t) => ({ table: t.getAttribute('aria-label'), right: t.getBoundingClientRect().right, view: document.documentElement.clientWidth })).filter((t) => t.right > t.view),
    );
    assert.deepEqual(overflow, []);
    await page.getByRole('checkbox', { name: 'Seeds' }).check();
    await shot(page, '05-compare');

    for (const fmt of ['PNG', 'SVG'] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: fmt, exact: true }).click()]);
      const path = join(SCREENSHOTS, `export.${fmt.toLowerCase()}`);
      await download.saveAs(path);
      const bytes = readFileSync(path);
      if (fmt === 'PNG') {
        assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        assert.ok(statSync(path).size > 20_000, `PNG is only ${statSync(path).size} bytes`);
      } else {
        const svg = bytes.toString('utf8');
        assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
        assert.ok(svg.includes('path'), 'SVG has no paths');
      }
    }
    // Dark mode follows the OS; the plot re-themes without a reload.
    const axisTitle = plot.locator('.xtitle');
    const lightFill = await axisTitle.evaluate((e) => getComputedStyle(e).fill);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.waitForFunction((fill) => {
      const t = document.querySelector('[data-testid="comparison-plot"] .xtitle');
      return !!t && getComputedStyle(t).fill !== fill;
    }, lightFill);
    await shot(page, '07-compare-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Data CSV' }).click()]);
    const csvPath = join(SCREENSHOTS, 'export.csv');
    await csv.saveAs(csvPath);
    assert.ok(readFileSync(csvPath, 'utf8').split('\n').length > 3);
  });

  test('a failed run shows its error, with the reward line when known', async () => {
    const { page } = s;
    await page.goto(s.host.url + '#/new');
    await setEditorText(page, 'spec', FAILING_SPEC);
    // The options come from the arms of the spec just pasted: wait for the one we need, then pick it.
    const appliesTo = page.getByLabel('Reward applies to');
    await appliesTo.locator('option[value="arm:buggy"]').waitFor({ state: 'attached' });
    await appliesTo.selectOption('arm:buggy');
    await setEditorText(page, 'reward', THROWING_REWARD);
    await page.getByTestId('run-summary').filter({ hasText: '2 runs' }).waitFor();
    await page.getByRole('button', { name: /^Start/ }).click();
    await page.waitForURL(/#\/exp\/[\w]+$/);
    const failed = page.locator('tr.run-row[data-status="failed"]');
    await failed.waitFor();
    await failed.click();
    const failure = page.getByTestId('run-failure');
    await failure.waitFor();
    assert.ok((await failure.innerText()).length > 5);
    if (await failure.locator('.code-excerpt .hl').count()) assert.match(await failure.locator('.code-excerpt .hl').innerText(), /throw/);
    await shot(page, '06-run-failed');
    await page.keyboard.press('Escape');
    await failure.waitFor({ state: 'detached' });
    await page.goto(s.host.url + '#/');
    await page.locator('.home table tbody tr').nth(1).waitFor();
    await shot(page, '08-home');
    assert.deepEqual(s.consoleErrors, []);
    assert.deepEqual(s.cspViolations, []);
    assert.deepEqual(s.externalRequests, []);
  });
});
