import { openSession, shot, setEditorText } from './harness';
const s = await openSession();
await s.page.goto(s.host.url + '#/new');
await s.page.getByTestId('run-summary').waitFor({ timeout: 15_000 });
await setEditorText(s.page, 'spec', `{
  "version": 1,
  "name": "bad-spec",
  "arms": [{ "name": "fast", "algo": { "name": "ppo", "learningRate": "very fast" } }]
}
`);
await new Promise((r) => setTimeout(r, 2000));
await shot(s.page, 'debug');
await setEditorText(s.page, 'reward', 'export default function reward(ctx: RewardContext): number {\n  return ctx.envReward + ctx.nosuch;\n}\n');
await s.page.keyboard.press('ControlOrMeta+End');
await s.page.keyboard.press('Enter');
await s.page.keyboard.insertText('const probe = (c: RewardContext) => c');
await s.page.keyboard.type('.');
await new Promise((r) => setTimeout(r, 3000));
console.log(await s.page.locator('.suggest-widget').first().evaluate((w) => {
  const m = w.querySelector('.main')!; const ic = w.querySelector('.suggest-icon')!;
  const sheets = [...document.styleSheets].map((x) => (x.href ?? 'inline') + ':' + (() => { try { return x.cssRules.length; } catch { return -1; } })());
  const has = [...document.styleSheets].some((x) => { try { return [...x.cssRules].some((r) => r.cssText.includes('.suggest-widget .monaco-list .monaco-list-row > .contents > .main')); } catch { return false; } });
  return [getComputedStyle(m).display, getComputedStyle(ic).display, JSON.stringify(ic.getBoundingClientRect()), has, sheets.join(' ')].join('\n');
}));
console.log('suggest', await s.page.locator('.suggest-widget').count(), await s.page.locator('.suggest-widget').first().evaluate(e => e.outerHTML.slice(0, 400)).catch(e => String(e)));
await s.page.keyboard.press('Control+Space');
await new Promise((r) => setTimeout(r, 3000));
await shot(s.page, 'debug2');
console.log(s.consoleErrors, s.cspViolations, s.externalRequests);
await s.close();
