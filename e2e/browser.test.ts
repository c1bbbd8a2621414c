// The e2e browser search: its order, and that a missing browser is reported rather than thrown.
// Needs no browser itself (every outside fact is injected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchBrowser, systemBrowserPaths, type Browser, type SearchDeps } from './browser';

const bundledBrowser: Browser = { executablePath: '/tmp/x/chromium', source: '@sparticuz/chromium', args: ['--headless=shell'], env: {} };

function deps(over: Partial<SearchDeps> & { present?: string[] } = {}): SearchDeps & { unpacked: () => number } {
  let unpacked = 0;
  const present = new Set(over.present ?? []);
  return {
    env: {},
    exists: (p) => present.has(p),
    playwrightPath: () => '/pw/chrome',
    systemPaths: ['/usr/bin/chromium', '/usr/bin/google-chrome'],
    bundled: async () => {
      unpacked++;
      return bundledBrowser;
    },
    ...over,
    unpacked: () => unpacked,
  };
}

const pick = async (d: SearchDeps) => {
  const r = await searchBrowser(d);
  return 'browser' in r ? `${r.browser.source} ${r.browser.executablePath}` : `missing: ${r.missing}`;
};

test('CREDITLAB_CHROMIUM wins over everything, and a wrong path is named', async () => {
  const all = ['/opt/mine', '/pw/chrome', '/usr/bin/chromium'];
  assert.equal(await pick(deps({ env: { CREDITLAB_CHROMIUM: '/opt/mine' }, present: all })), 'CREDITLAB_CHROMIUM /opt/mine');
  assert.match(await pick(deps({ env: { CREDITLAB_CHROMIUM: '/opt/nope' }, present: all })), /^missing: CREDITLAB_CHROMIUM=\/opt\/nope does not exist/);
});

test("then Playwright's browser, then a system one, then the npm-packaged Chromium (unpacked only when reached)", async () => {
  const d1 = deps({ present: ['/pw/chrome', '/usr/bin/chromium'] });
  assert.equal(await pick(d1), 'playwright /pw/chrome');
  const d2 = deps({ present: ['/usr/bin/google-chrome'] });
  assert.equal(await pick(d2), 'system /usr/bin/google-chrome');
  assert.equal(d1.unpacked() + d2.unpacked(), 0);
  const d3 = deps({ present: [], playwrightPath: () => null });
  assert.equal(await pick(d3), '@sparticuz/chromium /tmp/x/chromium');
  assert.equal(d3.unpacked(), 1);
});

test('CREDITLAB_CHROMIUM=bundled goes straight to the npm-packaged Chromium', async () => {
  assert.equal(await pick(deps({ env: { CREDITLAB_CHROMIUM: 'bundled' }, present: ['/pw/chrome', '/usr/bin/chromium'] })), '@sparticuz/chromium /tmp/x/chromium');
});

test('nothing anywhere: one reason that says how to get a browser', async () => {
  const r = await pick(deps({ bundled: async () => null }));
  assert.match(r, /^missing: no Chromium-family browser found \(.*playwright install chromium.*CREDITLAB_CHROMIUM/);
});

test('system paths cover Linux, macOS and Windows', () => {
  assert.ok(systemBrowserPaths('linux').includes('/usr/bin/chromium'));
  assert.ok(systemBrowserPaths('darwin', { HOME: '/Users/u' }).some((p) => p.endsWith('Google Chrome.app/Contents/MacOS/Google Chrome')));
  assert.ok(systemBrowserPaths('win32', { PROGRAMFILES: 'C:\\Program Files' }).some((p) => p.endsWith('msedge.exe')));
});
