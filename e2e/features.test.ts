// Workbench features beyond the first slice, in Chromium against the real web host: reward versions with a
// diff, re-scoring a recorded episode as the reward is edited, tags/notes/config diff in the run manager,
// the wall-clock axis and incremental series refresh, the reward-hacking alarm, the token-level credit
// view, and the Electron-only native dialogs (through a stub of window.creditlabDesktop).
//
// Two things are fabricated here, in the test only: the series the hacking alarm reads (real responses
// reshaped so the proxy rises while the true return falls; a 4k-step CartPole run cannot be made to hack on
// cue) and one hand-made "generation" sample with a known first wrong step and three credit series. Both are
// injected at the HTTP boundary with page.route, so the production code path is the one a real host drives.
// The credit view is also checked on a real RLHF run's samples, without any injection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationSample, RpcRequest, RpcResponse, Series } from '@creditlab/api';
import type { Page, Route } from 'playwright-core';
import { NO_BROWSER, RUN_WAIT, SUITE_TIMEOUT, until, openSession, setEditorText, shot, type Session } from './harness';

let s: Session;
let expId = '';
let runIds: string[] = [];

const SHAPED = `// Potential-based shaping for CartPole (Ng et al. 1999).
const GAMMA = 0.99;
function phi(obs: Float64Array): number {
  return -Math.abs(obs[2]) - 0.1 * Math.abs(obs[0]);
}
export default function reward(ctx: RewardContext): number {
  const next = ctx.terminated ? 0 : phi(ctx.nextObs);
  return GAMMA * next - phi(ctx.obs);
}
`;

const SPEC = {
  version: 1,
  name: 'features',
  seeds: [0, 1],
  budget: { steps: 4096 },
  base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
  arms: [{ name: 'baseline' }, { name: 'shaped', reward: { code: SHAPED } }],
};

const V1 = `// v1: a flat bonus
export default function reward(ctx: RewardContext): number {
  return 0.01;
}
`;
const V2 = `// v2: keep the pole upright
export default function reward(ctx: RewardContext): number {
  const upright = 1 - Math.abs(ctx.nextObs[2]);
  return 0.05 * upright;
}
`;
const THROWS = `export default function reward(ctx: RewardContext): number {
  if (ctx.t === 3) throw new Error('boom at step three');
  return 0;
}
`;

const GENERATION: GenerationSample = {
  prompt: '17 + 25 * 2 = ?',
  response: '25 * 2 = 50\n17 + 50 = 68\nanswer: 68',
  tokens: [...'25 * 2 = 50\n17 + 50 = 68\nanswer: 68'],
  credits: {},
  stepEnds: [11, 24, 34],
  stepCorrect: [true, false, false],
  correct: false,
  reward: 0.62,
};
{
  const n = GENERATION.tokens.length;
  // Shapes that make the view's job visible: a PRM that keeps paying after the wrong step, a clipped
  // variant, and an implicit reward that turns negative there.
  GENERATION.credits.reward = Array.from({ length: n }, (_, i) => (i <= 11 ? 0.4 : 0.3) + 0.1 * Math.sin(i));
  GENERATION.credits.clip = GENERATION.credits.reward.map((v, i) => Math.min(0, v - (i <= 11 ? 0.35 : 0.6)));
  GENERATION.credits.dpo_implicit = Array.from({ length: n }, (_, i) => (i <= 11 ? 0.2 : -0.5) * (1 + 0.3 * Math.cos(i)));
}

// A real RLHF experiment small enough for a test: 30 SFT iterations, 2 RLOO iterations, evaluation on 16
// held-out problems after each iteration, with Clip-Delta process rewards so the credit series are non-trivial.
const RLHF_SPEC = {
  version: 1,
  name: 'rlhf-credit',
  seeds: [0],
  budget: { steps: 2 },
  base: {
    kind: 'rlhf',
    task: { type: 'repeated-addition' },
    sft: { iterations: 30, batchSize: 32, lr: 0.005, restateRate: 0.3, wrongRate: 0.1 },
    rewardModel: { type: 'oracle' },
    algo: { type: 'rloo', promptsPerBatch: 4, samplesPerPrompt: 2 },
    reward: { type: 'clip-delta', placement: 'own-step' },
    evaluation: { every: 1, samples: 2, problems: 16 },
  },
  arms: [{ name: 'pr-clip-delta' }],
};

async function rpcOf(route: Route): Promise<RpcRequest | null> {
  try {
    return JSON.parse(route.request().postData() ?? '') as RpcRequest;
  } catch {
    return null;
  }
}

async function waitForExperiment(id: string): Promise<void> {
  const deadline = Date.now() + RUN_WAIT;
  for (;;) {
    const e = await s.host.host.getExperiment(id);
    if (e.runs.every((r) => r.status !== 'queued' && r.status !== 'running')) {
      assert.ok(e.runs.every((r) => r.status === 'finished'), e.runs.map((r) => `${r.id} ${r.status} ${r.error ?? ''}`).join('; '));
      return;
    }
    if (Date.now() > deadline) throw new Error(`runs did not finish in ${RUN_WAIT / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function editorText(page: Page, name: string): Promise<string> {
  // Monaco renders spaces as U+00A0.
  return (await page.locator(`[data-editor="${name}"] .view-lines`).innerText()).replace(/\u00a0/g, ' ');
}

describe('workbench features', { skip: NO_BROWSER, timeout: SUITE_TIMEOUT }, () => {
  before(async () => {
    s = await openSession();
    const r = await s.host.host.startExperiment(SPEC);
    expId = r.experimentId;
    runIds = r.runIds;
  });
  after(async () => {
    await s?.close();
  });

  test('reward versions: save, diff two versions, restore', async () => {
    const { page } = s;
    await page.goto(s.host.url + '#/new');
    await page.locator('[data-editor="reward"] .view-lines').waitFor();
    await page.getByRole('tab', { name: 'Versions' }).click();
    const panel = page.getByTestId('reward-versions');
    await panel.waitFor();
    await page.getByLabel('Version name').fill('cartpole-bonus');
    for (const [code, note] of [
      [V1, 'flat bonus'],
      [V2, 'upright bonus'],
    ] as const) {
      await setEditorText(page, 'reward', code);
      await page.getByLabel('Version note').fill(note);
      await page.getByRole('button', { name: 'Save version' }).click();
      await panel.locator('tr.version-row', { hasText: note }).waitFor();
    }
    const rows = panel.locator('tr.version-row[data-version]');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.first().innerText(), /upright bonus/, 'newest first');
    await rows.nth(0).getByRole('checkbox').check();
    await rows.nth(1).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Diff selected' }).click();
    const diff = page.getByTestId('reward-diff');
    await diff.locator('.monaco-diff-editor').waitFor();
    await diff.getByTestId('diff-stats').filter({ hasText: /change/ }).waitFor();
    await diff.locator('.line-insert, .char-insert').first().waitFor();
    await shot(page, '10-reward-diff');
    // The older version is on the left; restoring it puts v1 back in the editor.
    await diff.getByRole('button', { name: 'Restore left version' }).click();
    await diff.waitFor({ state: 'detached' });
    assert.match(await editorText(page, 'reward'), /v1: a flat bonus/);
    await panel.locator('tr.version-row', { hasText: 'upright bonus' }).getByRole('button', { name: 'Diff vs draft' }).click();
    await page.getByTestId('reward-diff').getByTestId('diff-stats').filter({ hasText: /change/ }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('reward-diff').waitFor({ state: 'detached' });
    await shot(page, '11-reward-versions');
  });

  test('try on a recorded episode: totals and per-step stages, live as the reward changes; errors become markers', async () => {
    const { page } = s;
    await waitForExperiment(expId);
    await page.getByRole('tab', { name: 'Try on episode' }).click();
    const panel = page.getByTestId('try-episode');
    await panel.getByLabel('Episode experiment').selectOption(expId);
    await panel.getByLabel('Episode run').selectOption(runIds[2]);
    await panel.getByLabel('Recorded episode').locator('option').first().waitFor({ state: 'attached' });
    await setEditorText(page, 'reward', V2);
    const totals = panel.getByTestId('try-totals');
    await totals.locator('tr', { hasText: 'reward/user' }).waitFor();
    await panel.getByTestId('try-plot').locator('.scatterlayer .trace').nth(2).waitFor();
    const userBefore = await totals.locator('tr', { hasText: 'reward/user' }).locator('td').innerText();
    assert.notEqual(Number(userBefore), 0);
    await shot(page, '12-try-episode');

    // Re-scored as the user types: a zero reward makes the user stage total 0.
    await setEditorText(page, 'reward', 'export default function reward(ctx: RewardContext): number {\n  return 0;\n}\n');
    await totals.locator('tr', { hasText: 'reward/user' }).locator('td', { hasText: /^0$/ }).waitFor();

    await setEditorText(page, 'reward', THROWS);
    const err = panel.getByTestId('try-error');
    await err.waitFor();
    assert.match(await err.innerText(), /boom at step three/);
    assert.match(await err.innerText(), /reward\.ts:2/);
    await page.locator('[data-editor="reward"] .squiggly-error').first().waitFor();
    await shot(page, '13-try-episode-error');
    // A runtime error on one episode is not a type error: Start is not blocked by it.
    assert.equal(await page.getByTestId('problem-count').innerText(), '0');
    await setEditorText(page, 'reward', V2);
    await err.waitFor({ state: 'detached' });
  });

  test('run manager: inline tags and notes persist; config diff of two runs', async () => {
    const { page } = s;
    await page.goto(s.host.url + `#/exp/${expId}`);
    const row = page.locator(`tr.run-row[data-run="${runIds[0]}"]`);
    await row.waitFor();
    await row.hover();
    await page.getByLabel(`Add tag to ${runIds[0]}`).click();
    await page.getByLabel(`New tag for ${runIds[0]}`).fill('promising, lr-check');
    await page.keyboard.press('Enter');
    await row.locator('.tag', { hasText: 'lr-check' }).waitFor();
    await row.hover();
    await page.getByLabel(`Edit notes of ${runIds[0]}`).click();
    await page.getByLabel(`Notes for ${runIds[0]}`).fill('fast start, plateaus at 4k');
    await page.keyboard.press('Enter');
    await page.reload();
    await row.locator('.tag', { hasText: 'promising' }).waitFor();
    assert.match(await row.innerText(), /fast start, plateaus at 4k/);
    const meta = await s.host.host.getRun(runIds[0]);
    assert.deepEqual(meta.tags, ['promising', 'lr-check']);
    await row.locator('.tag', { hasText: 'lr-check' }).getByRole('button').click();
    await row.locator('.tag', { hasText: 'lr-check' }).waitFor({ state: 'detached' });

    await page.getByLabel(`Select ${runIds[0]} for config diff`).check();
    await page.getByLabel(`Select ${runIds[2]} for config diff`).check();
    await shot(page, '14-runs-meta');
    await page.getByRole('button', { name: 'Diff configs' }).click();
    const diff = page.getByTestId('config-diff');
    await diff.getByTestId('diff-stats').filter({ hasText: /change/ }).waitFor();
    assert.match(await diff.locator('.diff-labels').innerText(), /baseline[\s\S]*shaped/);
    await shot(page, '15-config-diff');
    await page.keyboard.press('Escape');
    await diff.waitFor({ state: 'detached' });
  });

  test('comparison: wall-clock x axis; switching metrics refreshes incrementally with sinceStep', async () => {
    const { page } = s;
    await waitForExperiment(expId);
    const calls: unknown[][] = [];
    const onReq = (r: import('playwright-core').Request) => {
      if (!r.url().endsWith('/api/rpc')) return;
      const body = JSON.parse(r.postData() ?? '{}') as RpcRequest;
      if (body.method === 'getSeries') calls.push(body.args);
    };
    await page.goto(s.host.url + `#/exp/${expId}/compare`);
    const plot = page.getByTestId('comparison-plot');
    // Let the in-page navigation settle, then start from a fresh page: its first load must be a full fetch.
    await plot.locator('.scatterlayer .trace').first().waitFor();
    page.on('request', onReq);
    await page.reload();
    await plot.locator('.scatterlayer .trace').first().waitFor();
    await page.getByLabel('X axis').selectOption('time');
    await plot.locator('.xtitle', { hasText: 'wall time' }).waitFor();
    await shot(page, '16-compare-walltime');
    await page.getByLabel('X axis').selectOption('step');
    const metric = page.getByRole('toolbar', { name: 'Plot controls' }).getByLabel('Metric');
    const first = calls.filter((a) => a[1] === 'charts/episodic_return');
    assert.ok(first.length >= 1 && first.every((a) => a.length === 2), `first load is a full fetch: ${JSON.stringify(calls)}`);
    const before = calls.length;
    await metric.selectOption('charts/episodic_length');
    await metric.selectOption('charts/episodic_return');
    await plot.locator('.scatterlayer .trace').first().waitFor();
    await until(() => calls.slice(before).some((a) => a[1] === 'charts/episodic_return'), 'the request for the metric switched back to');
    page.off('request', onReq);
    const back = calls.slice(before).filter((a) => a[1] === 'charts/episodic_return');
    assert.equal(back.length, 1, JSON.stringify(calls));
    assert.equal(typeof back[0][2], 'number', 'coming back to a metric asks only for steps after the cached ones');
  });

  test('comparison: an arm\'s band and unsmoothed curve go with its line: hidden by a legend click, still hidden after a redraw', async () => {
    const { page } = s;
    await page.goto(s.host.url + `#/exp/${expId}/compare`);
    const plot = page.getByTestId('comparison-plot');
    type Drawn = { lines: [string, unknown][]; seeds: [string, unknown][]; shapes: [string, unknown][]; painted: number };
    // What Plotly shows: each arm's line (the legend's traces) and each curve shape, with their visibility,
    // and how many shape paths are on the page.
    const drawn = () =>
      plot.evaluate((el) => {
        const p = el as HTMLElement & { _fullData: { name?: string; uid: string; legendgroup: string; showlegend?: boolean; visible: unknown }[]; _fullLayout: { shapes: { type: string; legendgroup: string; visible: unknown }[] } };
        return {
          lines: p._fullData.filter((d) => d.showlegend !== false).map((d) => [String(d.name).split(' ')[0], d.visible]),
          shapes: p._fullLayout.shapes.filter((x) => x.type === 'path').map((x) => [x.legendgroup, x.visible]),
          seeds: p._fullData.filter((d) => d.uid.startsWith('seed-')).map((d) => [d.legendgroup, d.visible]),
          painted: el.querySelectorAll('.shapelayer path').length,
        };
      }) as Promise<Drawn>;
    // Both arms' bands and unsmoothed curves (IQM with a band and smoothing are the defaults).
    await until(async () => (await drawn()).painted === 4, 'four curve shapes on the page');
    const before = await drawn();
    assert.deepEqual(before.shapes.map(([g]) => g).sort(), ['baseline', 'baseline', 'shaped', 'shaped']);
    await plot.locator('.legend .traces', { hasText: 'baseline' }).click();
    await until(async () => (await drawn()).painted === 2, 'the baseline arm\'s shapes gone from the page');
    const hidden = await drawn();
    assert.deepEqual(hidden.lines, [['baseline', 'legendonly'], ['shaped', true]]);
    assert.deepEqual(hidden.shapes.filter(([g]) => g === 'baseline').map(([, v]) => v), ['legendonly', 'legendonly']);
    await shot(page, '16b-compare-legend-hidden');
    // A new figure for the same metric and axis (seed lines switched on) keeps the arm hidden: its line,
    // its band and unsmoothed curve, and its new seed lines.
    await page.getByRole('checkbox', { name: 'Seeds' }).check();
    await until(async () => {
      const d = await drawn();
      return d.seeds.length === 4 && d.shapes.length === 4 && d.painted === 2;
    }, 'the redrawn figure with seed lines, the baseline arm still hidden');
    const after = await drawn();
    assert.deepEqual(after.lines, [['baseline', 'legendonly'], ['shaped', true]]);
    assert.deepEqual(after.shapes.filter(([g]) => g === 'baseline').map(([, v]) => v), ['legendonly', 'legendonly']);
    assert.deepEqual(after.seeds.map(([g, v]) => `${g}:${v}`).sort(), ['baseline:legendonly', 'baseline:legendonly', 'shaped:true', 'shaped:true']);
    await shot(page, '16c-compare-legend-hidden-seeds');
    await plot.locator('.legend .traces', { hasText: 'baseline' }).click();
    await until(async () => (await drawn()).painted === 4, 'the baseline arm shown again, band and curve too');
    await page.getByRole('checkbox', { name: 'Seeds' }).uncheck();
    assert.deepEqual(s.consoleErrors, [], 'Plotly drew every piece without an error');
  });

  test('reward-hacking alarm: badge, shaded window and explanation when the proxy rises and the true return falls', async () => {
    const { page } = s;
    // Reshape the real series of the "shaped" arm only: the other arm must stay unflagged.
    const shapedRuns = new Set([runIds[2], runIds[3]]);
    const handler = async (route: Route) => {
      const req = await rpcOf(route);
      const metric = req?.method === 'getSeries' ? String(req.args[1]) : '';
      if (metric !== 'charts/shaped_return' && metric !== 'charts/episodic_return') return route.continue();
      const res = await route.fetch();
      const body = (await res.json()) as RpcResponse;
      if (body.ok) {
        for (const ser of body.result as Series[]) {
          if (!shapedRuns.has(ser.run)) continue;
          const n = ser.values.length;
          ser.values = ser.values.map((_, i) => (metric === 'charts/shaped_return' ? 10 + i : 10 + n - i) + (i % 3));
        }
      }
      await route.fulfill({ response: res, json: body });
    };
    await s.context.route('**/api/rpc', handler);
    try {
      await page.reload();
      const alarm = page.getByTestId('hack-alarm');
      await alarm.waitFor();
      assert.match(await alarm.innerText(), /shaped: reward hacking\? \(2\/2\)/);
      assert.doesNotMatch(await alarm.innerText(), /baseline:/);
      assert.match(await alarm.innerText(), /Spearman/);
      // The alarm's shaded window and its note (the other shapes are the curves' bands).
      await page.getByTestId('comparison-plot').locator('.annotation-text', { hasText: 'shaped: proxy' }).waitFor();
      await shot(page, '17-hacking-alarm');
      await page.getByRole('tab', { name: /^Runs/ }).click();
      await page.locator(`tr.run-row[data-run="${runIds[2]}"] [data-testid="hack-flag"]`).waitFor();
      assert.equal(await page.locator(`tr.run-row[data-run="${runIds[0]}"] [data-testid="hack-flag"]`).count(), 0);
      await page.locator(`tr.run-row[data-run="${runIds[2]}"]`).click();
      await page.getByTestId('run-hacking').waitFor();
    } finally {
      await s.context.unroute('**/api/rpc', handler);
    }
  });

  test('token-level credit view: coloured tokens, step marks, hover value, series toggle', async () => {
    const { page } = s;
    const handler = async (route: Route) => {
      const req = await rpcOf(route);
      if (req?.method !== 'getSamples' || req.args[1] !== 'generation') return route.continue();
      const result = req.args[2] === 1 ? [{ run: req.args[0], step: 900, kind: 'generation', data: GENERATION }] : [300, 900].map((step) => ({ run: req.args[0], step, kind: 'generation', data: GENERATION }));
      await route.fulfill({ json: { id: (req as RpcRequest).id, ok: true, result } });
    };
    await s.context.route('**/api/rpc', handler);
    try {
      await page.goto(s.host.url + `#/exp/${expId}/run/${runIds[1]}`);
      const view = page.getByTestId('credit-view');
      await view.locator('.tok').first().waitFor();
      assert.equal(await view.locator('.credit-series').first().locator('.tok').count(), GENERATION.tokens.length);
      assert.match(await view.getByLabel('Generation sample').locator('option').first().innerText(), /step 900/, 'newest first');
      assert.equal(await view.locator('.credit-series').first().locator('.step-end.bad').count(), 2);
      assert.match(await view.innerText(), /first wrong step: 2/);
      await view.locator('.tok[data-token="14"]').first().hover();
      assert.match(await view.getByTestId('credit-readout').innerText(), /token #14 .* reward = [-\d.]+/);
      await view.getByRole('radio', { name: 'dpo_implicit' }).click();
      assert.equal(await view.locator('.credit-series').getAttribute('data-series'), 'dpo_implicit');
      await view.locator('.tok[data-token="14"]').hover();
      assert.match(await view.getByTestId('credit-readout').innerText(), /dpo_implicit = -/);
      await view.scrollIntoViewIfNeeded();
      await shot(page, '18-credit-view');
      await view.getByRole('checkbox', { name: 'all side by side' }).check();
      assert.equal(await view.locator('.credit-series').count(), 3);
      await shot(page, '19-credit-side-by-side');
    } finally {
      await s.context.unroute('**/api/rpc', handler);
    }
  });

  test('token-level credit view on a real RLHF run (tiny SFT + 2 RLOO iterations through the worker pool)', async () => {
    const { page } = s;
    const r = await s.host.host.startExperiment(RLHF_SPEC);
    await waitForExperiment(r.experimentId);
    const [latest] = await s.host.host.getSamples(r.runIds[0], 'generation', 1);
    const g = latest.data as GenerationSample;
    assert.equal(g.tokens.length, g.credits.reward.length, 'one credit per token');
    assert.ok(g.stepEnds && g.stepEnds.length > 0 && g.stepCorrect?.length === g.stepEnds.length, 'the step checker’s verdicts travel with the sample');
    await page.goto(s.host.url + `#/exp/${r.experimentId}/run/${r.runIds[0]}`);
    const view = page.getByTestId('credit-view');
    await view.locator('.tok').first().waitFor();
    const first = view.locator('.credit-series').first();
    assert.equal(await first.locator('.tok').count(), g.tokens.length);
    assert.equal(await first.locator('.step-end').count(), g.stepEnds!.length);
    assert.equal(await first.locator('.step-end.bad').count(), g.stepCorrect!.filter((c) => !c).length);
    assert.match(await view.getByLabel('Generation sample').locator('option').first().innerText(), /step 2/, 'newest evaluation first');
    await view.locator('.tok[data-token="0"]').first().hover();
    assert.match(await view.getByTestId('credit-readout').innerText(), /token #0 .* reward = [-\d.]+/);
    await view.scrollIntoViewIfNeeded();
    await shot(page, '20-credit-view-real-rlhf');
  });

  test('Electron: exports, reward file and run folder go through the native dialogs', async () => {
    const page = await s.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // A string, not a function: tsx would wrap a serialized function's inner functions in its __name helper,
    // which does not exist in the page.
    await page.addInitScript(`
      const calls = [];
      let menu = null;
      window.__desktopCalls = calls;
      window.__menu = (c) => menu && menu(c);
      window.creditlabDesktop = {
        platform: 'linux',
        saveFile: async (req) => (calls.push({ method: 'saveFile', args: [req] }), { path: '/home/u/' + req.defaultName }),
        exportExperimentToFile: async (id, format) => (calls.push({ method: 'exportExperimentToFile', args: [id, format] }), { path: '/home/u/' + id + '.' + format }),
        openRewardFile: async () => (calls.push({ method: 'openRewardFile', args: [] }), { path: '/home/u/opened.ts', filename: 'opened.ts', content: '// opened from disk\\nexport default () => 0;\\n' }),
        revealInFolder: async (p) => void calls.push({ method: 'revealInFolder', args: [p] }),
        onMenuCommand: (l) => ((menu = l), () => (menu = null)),
      };
    `);
    type Call = { method: string; args: { defaultName?: string; encoding?: string; content?: string }[] };
    const calls = () => page.evaluate(() => (window as unknown as { __desktopCalls: unknown[] }).__desktopCalls) as Promise<Call[]>;
    try {
      await page.goto(s.host.url + `#/exp/${expId}/compare`);
      await page.getByTestId('comparison-plot').locator('.scatterlayer .trace').first().waitFor();
      await page.getByRole('button', { name: 'PNG', exact: true }).click();
      await page.getByTestId('export-status').filter({ hasText: 'saved to /home/u/' }).waitFor().catch((e: Error) => {
        throw new Error(`${e.message}\npage errors: ${errors.join('\n')}`);
      });
      const png = (await calls()).find((c) => c.method === 'saveFile')!.args[0];
      assert.equal(png.encoding, 'base64');
      assert.match(png.defaultName!, /\.png$/);
      assert.ok(Buffer.from(png.content!, 'base64').subarray(1, 4).toString() === 'PNG');
      await page.getByRole('button', { name: 'Data CSV' }).click();
      await page.getByTestId('export-status').filter({ hasText: `${expId}.csv` }).waitFor();
      await page.evaluate(() => (window as unknown as { __menu: (c: string) => void }).__menu('export-figure'));
      await page.waitForFunction(() => (window as unknown as { __desktopCalls: { args: { defaultName?: string }[] }[] }).__desktopCalls.some((c) => /\.svg$/.test(c.args[0]?.defaultName ?? '')));

      await page.goto(s.host.url + `#/exp/${expId}/run/${runIds[0]}`);
      await page.getByRole('button', { name: 'Reveal folder' }).click();
      await page.waitForFunction(() => (window as unknown as { __desktopCalls: { method: string }[] }).__desktopCalls.some((c) => c.method === 'revealInFolder'));
      const run = await s.host.host.getRun(runIds[0]);
      assert.deepEqual((await calls()).find((c) => c.method === 'revealInFolder')!.args, [run.runDir]);

      await page.evaluate(() => (window as unknown as { __menu: (c: string) => void }).__menu('open-reward-file'));
      await page.waitForURL(/#\/new$/);
      await page.locator('[data-editor="reward"] .view-lines', { hasText: 'opened from disk' }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
    assert.deepEqual(s.consoleErrors, []);
    assert.deepEqual(s.cspViolations, []);
    assert.deepEqual(s.externalRequests, []);
  });
});
