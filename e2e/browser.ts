// Finds a Chromium-family browser for the e2e tests without downloading anything, in this order:
//   1. CREDITLAB_CHROMIUM: a path to a Chrome/Chromium/Edge executable (or `bundled`: skip to step 4);
//   2. a browser Playwright has installed (`npx playwright install chromium` puts one in its cache);
//   3. a system Chrome, Chromium or Edge at the usual places;
//   4. the Chromium that ships inside the @sparticuz/chromium devDependency (Linux x64 only), unpacked once
//      into a versioned folder under the temp directory.
// Run directly (`node --import tsx e2e/browser.ts`) it prints the choice as one JSON line; scripts/test.mjs
// does that once before the e2e files, so the npm package is unpacked by one process, not by each test file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Browser {
  executablePath: string;
  /** Where it came from, for the log line. */
  source: 'CREDITLAB_CHROMIUM' | 'playwright' | 'system' | '@sparticuz/chromium';
  /** Extra launch arguments the browser needs. */
  args: string[];
  /** Extra environment for the browser process. */
  env: Record<string, string>;
}

export type BrowserSearch = { browser: Browser } | { missing: string };

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

export const NO_BROWSER_HELP =
  'install Chrome or Chromium, or run `npx playwright install chromium`, or set CREDITLAB_CHROMIUM=/path/to/chrome';

/** The usual install locations of Chrome, Chromium and Edge on each platform. */
export function systemBrowserPaths(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === 'darwin') {
    return ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'].flatMap((app) => [
      join('/Applications', app),
      join(env.HOME ?? '/nonexistent', 'Applications', app),
    ]);
  }
  if (platform === 'win32') {
    const bases = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((b): b is string => !!b);
    return bases.flatMap((b) => [join(b, 'Google/Chrome/Application/chrome.exe'), join(b, 'Chromium/Application/chrome.exe'), join(b, 'Microsoft/Edge/Application/msedge.exe')]);
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/usr/bin/microsoft-edge', '/usr/bin/microsoft-edge-stable', '/snap/bin/chromium', '/opt/google/chrome/chrome'];
}

export interface SearchDeps {
  env: NodeJS.ProcessEnv;
  exists: (path: string) => boolean;
  /** Where Playwright's own Chromium would be, or null when playwright-core cannot say. */
  playwrightPath: () => string | null;
  systemPaths: string[];
  /** Unpacks the npm-packaged Chromium; null where the package has no browser for this platform. */
  bundled: () => Promise<Browser | null>;
}

/** The search itself, with every outside fact injected so the order can be tested. */
export async function searchBrowser(deps: SearchDeps): Promise<BrowserSearch> {
  const forced = deps.env.CREDITLAB_CHROMIUM;
  if (forced && forced !== 'bundled') {
    if (!deps.exists(forced)) return { missing: `CREDITLAB_CHROMIUM=${forced} does not exist (point it at a Chrome/Chromium/Edge executable, or unset it)` };
    return { browser: { executablePath: forced, source: 'CREDITLAB_CHROMIUM', args: [], env: {} } };
  }
  if (forced !== 'bundled') {
    const pw = deps.playwrightPath();
    if (pw && deps.exists(pw)) return { browser: { executablePath: pw, source: 'playwright', args: [], env: {} } };
    const sys = deps.systemPaths.find((p) => deps.exists(p));
    if (sys) return { browser: { executablePath: sys, source: 'system', args: [], env: {} } };
  }
  const bundled = await deps.bundled();
  if (bundled) return { browser: bundled };
  return { missing: `no Chromium-family browser found (${NO_BROWSER_HELP})` };
}

function playwrightPath(): string | null {
  try {
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    return chromium.executablePath();
  } catch {
    return null;
  }
}

/**
 * Unpacks @sparticuz/chromium into <tmp>/creditlab-chromium-<version>/. The package always unpacks into
 * os.tmpdir() and reuses whatever `chromium` it finds there, so it runs in a child process whose TMPDIR is a
 * fresh staging folder, which is then renamed into place: a half-written binary is never visible, and two
 * processes racing both end up with one complete copy.
 */
export async function unpackBundledChromium(): Promise<Browser | null> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  let pkgDir: string;
  try {
    pkgDir = join(dirname(require.resolve('@sparticuz/chromium')), '..'); // its exports hide package.json
  } catch {
    return null;
  }
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version as string;
  const dir = join(tmpdir(), `creditlab-chromium-${version}`);
  const exe = join(dir, 'chromium');
  if (!existsSync(exe)) {
    const staging = mkdtempSync(join(tmpdir(), 'creditlab-chromium-staging-'));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "const { default: c } = await import('@sparticuz/chromium'); process.stdout.write(await c.executablePath());"], {
      cwd: root,
      env: { ...process.env, TMPDIR: staging, TMP: staging, TEMP: staging },
      encoding: 'utf8',
      timeout: 10 * 60_000,
    });
    if (r.status !== 0 || !existsSync(join(staging, 'chromium'))) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(`unpacking @sparticuz/chromium failed: ${r.error?.message ?? r.stderr}`);
    }
    // The package's own fonts.conf names /tmp/fonts; ours adds its fonts to the system's.
    writeFileSync(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${dir}/fonts</dir>\n  <cachedir>${dir}/fonts-cache</cachedir>\n</fontconfig>\n`,
    );
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process got there first
      if (!existsSync(exe)) throw new Error(`unpacking @sparticuz/chromium: ${dir} is incomplete`);
    }
  }
  // Its own flag set, less the two that would switch off the same-origin policy and mixed-content blocking
  // the e2e tests rely on; --headless and --no-sandbox are in it.
  const { default: sparticuz } = await import('@sparticuz/chromium');
  const args = sparticuz.args.filter((a) => a !== '--disable-web-security' && a !== '--allow-running-insecure-content');
  return { executablePath: exe, source: '@sparticuz/chromium', args, env: { FONTCONFIG_FILE: join(dir, 'fonts.conf') } };
}

/** playwright-core launch options for a found browser: headless, quiet, and whatever flags it needs. */
export function launchOptions(browser: Browser): { executablePath: string; headless: true; args: string[]; env: Record<string, string> } {
  const quiet = ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  // The npm-packaged Chromium brings its own flags (SwiftShader for WebGL, no sandbox); others need these.
  const own = browser.source === '@sparticuz/chromium' ? browser.args : ['--headless', '--no-sandbox', '--disable-gpu'];
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  return { executablePath: browser.executablePath, headless: true, args: [...own, ...quiet], env: { ...env, ...browser.env } };
}

let found: Promise<BrowserSearch> | undefined;

/** The browser the e2e tests use (searched once per process). */
export function findBrowser(): Promise<BrowserSearch> {
  found ??= searchBrowser({ env: process.env, exists: existsSync, playwrightPath, systemPaths: systemBrowserPaths(), bundled: unpackBundledChromium });
  return found;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await findBrowser().catch((e: Error): BrowserSearch => ({ missing: e.message }));
  process.stdout.write(JSON.stringify('browser' in r ? { path: r.browser.executablePath, source: r.browser.source } : r) + '\n');
}
