// The security policy of the Electron window, as data, so the test suite can assert it.
import { existsSync, statSync } from 'node:fs';
import { join, normalize, relative, isAbsolute } from 'node:path';

/** The app's own origin: the renderer is served by a privileged custom protocol, never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'creditlab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  // A middle click would open links in a new window, around setWindowOpenHandler's intent.
  disableBlinkFeatures: 'Auxclick',
} as const;

/**
 * The web host's policy (src-main/host/web-host.ts) with one difference: the desktop renderer talks
 * to the host over IPC, so it needs no WebSocket and connect-src is narrowed to the app itself.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "worker-src 'self' blob:",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * DevTools and reload exist only in a development checkout. A packaged app ignores every environment
 * switch (CREDITLAB_DEV included): anyone who can set a variable for the user could otherwise open a
 * console inside the app's renderer.
 */
export function devToolsEnabled(app: { isPackaged: boolean }): boolean {
  return !app.isPackaged;
}

/** Links that may go to the system browser, and only after a user click (see main.ts). */
export function isExternalLink(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Maps an app:// URL onto a file of the built renderer; unknown paths fall back to index.html (client routing). */
export function resolveAppFile(rendererDir: string, url: string): string | null {
  if (!isAppUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const rel = normalize(pathname).replace(/^[/\\]+/, '') || 'index.html';
  const file = join(rendererDir, rel);
  const r = relative(rendererDir, file);
  if (r.startsWith('..') || isAbsolute(r)) return null;
  if (existsSync(file) && statSync(file).isFile()) return file;
  return join(rendererDir, 'index.html');
}

export { MIME } from '../host/mime';
