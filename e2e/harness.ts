// Shared e2e setup: the real web host (`creditlab serve`) on a temporary workspace, a Chromium-family
// browser (see browser.ts for where it comes from) driven by playwright-core, and guards that collect console errors, CSP violations and any request
// that leaves 127.0.0.1.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../src-main/host/web-host';
import { findBrowser, launchOptions } from './browser';

const search = await findBrowser().catch((e: Error) => ({ missing: e.message }));
/**
 * Why the e2e suites cannot run here (no browser to be had), or false. Each suite passes it as its `skip`
 * option, so a machine without a browser gets one line per suite saying so, not a wall of failures.
 */
export const NO_BROWSER: string | false = 'missing' in search ? `e2e skipped: ${search.missing}` : false;
export const SCREENSHOTS = fileURLToPath(new URL('screenshots', import.meta.url));

// Limits sized for a loaded 2-core machine, where a page action can take many times its idle duration.
// They only bound a wait on a condition: a passing test never sits them out.
/** Default limit of every Playwright wait (locators, navigation, events). */
export const WAIT = 3 * 60_000;
/** Limit of a whole describe() suite. */
export const SUITE_TIMEOUT = 20 * 60_000;
/** Limit for runs started by a test to finish. */
export const RUN_WAIT = 10 * 60_000;

/** Polls `cond` until it holds; fails naming `what` after `limit` ms. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, limit = WAIT): Promise<void> {
  const deadline = Date.now() + limit;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limit / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Session {
  host: WebHost;
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  cspViolations: string[];
  externalRequests: string[];
  close(): Promise<void>;
}

export async function openSession(opts: { workers?: number } = {}): Promise<Session> {
  const workspace = mkdtempSync(join(tmpdir(), 'creditlab-e2e-ws-'));
  const profile = mkdtempSync(join(tmpdir(), 'creditlab-e2e-profile-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  const host = await startWebHost({ port: 0, workspace, workers: opts.workers ?? 2 });
  if (!('browser' in search)) throw new Error(search.missing);
  const context = await chromium.launchPersistentContext(profile, {
    ...launchOptions(search.browser),
    acceptDownloads: true,
    viewport: { width: 1440, height: 900 },
    colorScheme: 'light',
  });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  const consoleErrors: string[] = [];
  const cspViolations: string[] = [];
  const externalRequests: string[] = [];
  const local = (url: string) => {
    const u = new URL(url);
    return u.protocol === 'data:' || u.protocol === 'blob:' || u.hostname === '127.0.0.1';
  };
  context.on('request', (r) => {
    if (!local(r.url())) externalRequests.push(r.url());
  });
  // Violations are reported to the page as events; forward them to the test through the console.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/Content Security Policy|CSP violation/i.test(text)) cspViolations.push(text);
    else consoleErrors.push(text);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('websocket', (ws) => {
    if (!local(ws.url().replace(/^ws/, 'http'))) externalRequests.push(ws.url());
  });
  return {
    host,
    context,
    page,
    consoleErrors,
    cspViolations,
    externalRequests,
    async close() {
      await context.close().catch(() => undefined);
      await host.close();
      rmSync(profile, { recursive: true, force: true });
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/**
 * Replaces the whole text of a builder editor through a paste event, as a user pasting would: typed text
 * would go through auto-closing brackets and auto-indent and come out different.
 */
export async function setEditorText(page: Page, name: 'spec' | 'reward', text: string): Promise<void> {
  const view = page.locator(`[data-editor="${name}"] .view-lines`);
  await view.click();
  await page.keyboard.press('ControlOrMeta+A');
  await pasteText(page, text);
  // The editor applies a paste and React re-renders from it on their own schedule, which a loaded machine
  // stretches: wait until the text shows (its last distinctive line, where the cursor now is) before the
  // test reads anything derived from it, such as the arms offered under "Reward applies to".
  const mark = text.split('\n').map((l) => l.trim()).filter((l) => l.length >= 8).at(-1);
  if (mark) await view.filter({ hasText: mark }).waitFor();
}

export async function pasteText(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    const target = document.activeElement ?? document.body;
    target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

export async function shot(page: Page, name: string): Promise<string> {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
