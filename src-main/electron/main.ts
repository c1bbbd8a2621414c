// Electron main process: one secure window over the same Host and dispatch() that `creditlab serve`
// uses. Everything that matters lives in the host; this file is glue to Electron's APIs.
import { app, BrowserWindow, Menu, dialog, ipcMain, protocol, screen, session, shell, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Host, REPO_ROOT, VERSION } from '../host/host';
import { MENU_CHANNEL, EVENTS_CHANNEL, type IpcInvokeEventLike, type MenuCommand } from './channels';
import { pumpEvents, registerDesktopHandlers, registerIpcHandlers } from './ipc-bridge';
import { createDesktopService } from './desktop-service';
import { APP_SCHEME, APP_URL, CSP, MIME, WEB_PREFERENCES, devToolsEnabled, isAppUrl, isExternalLink, resolveAppFile } from './security';
import { fitToDisplays, loadWindowState, saveWindowState, type WindowState } from './window-state';

const RENDERER_DIR = join(REPO_ROOT, 'dist', 'renderer');
const PRELOAD = join(__dirname, 'preload.cjs');
const dev = devToolsEnabled(app);

// esbuild (the reward sandbox's transpiler) spawns its binary, which cannot run from inside app.asar;
// electron.config.ts unpacks it and the workers inherit this variable.
if (app.isPackaged && !process.env.ESBUILD_BINARY_PATH) {
  try {
    const exe = process.platform === 'win32' ? 'esbuild.exe' : 'bin/esbuild';
    process.env.ESBUILD_BINARY_PATH = require.resolve(`@esbuild/${process.platform}-${process.arch}/${exe}`).replace(/app\.asar(?=[\\/])/, 'app.asar.unpacked');
  } catch {
    // no platform package: user reward code then fails with esbuild's own message
  }
}

// Must precede `ready`: a standard, secure scheme gets an origin of its own, so CSP 'self', fetch
// and workers behave as on https, while file:// would share one origin with every local file.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);

let win: BrowserWindow | null = null;
let host: Host | null = null;

const trustedSender = (e: IpcInvokeEventLike) => !!e.senderFrame && isAppUrl(e.senderFrame.url);

if (!app.requestSingleInstanceLock()) {
  // Two hosts must never write the same workspace index: the second launch only wakes the first.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  app.whenReady().then(start, (e: unknown) => fatal(e));
}

function fatal(e: unknown): void {
  dialog.showErrorBox('Creditlab could not start', (e as Error)?.stack ?? String(e));
  app.exit(1);
}

async function start(): Promise<void> {
  hardenSessions();
  protocol.handle(APP_SCHEME, serveRenderer);
  try {
    host = new Host({ workspace: process.env.CREDITLAB_WORKSPACE, prewarm: true });
  } catch (e) {
    return fatal(e);
  }
  const h = host;
  registerIpcHandlers(ipcMain, h, { isTrustedSender: trustedSender });
  registerDesktopHandlers(
    ipcMain,
    createDesktopService(
      h,
      {
        showSaveDialog: (o) => (win ? dialog.showSaveDialog(win, o) : dialog.showSaveDialog(o)),
        showOpenDialog: (o) => (win ? dialog.showOpenDialog(win, o) : dialog.showOpenDialog(o)),
        showItemInFolder: (p) => shell.showItemInFolder(p),
        defaultDir: () => app.getPath('documents'),
      },
      h.store.root,
    ),
    { isTrustedSender: trustedSender },
  );
  Menu.setApplicationMenu(buildMenu());
  createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

// Runs cancel cleanly and the index closes before exit; a second quit request while closing is ignored.
let closing = false;
app.on('before-quit', (e) => {
  if (!host || closing) return;
  e.preventDefault();
  closing = true;
  const h = host;
  host = null;
  h.close().finally(() => app.quit());
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

async function serveRenderer(request: Request): Promise<Response> {
  const file = resolveAppFile(RENDERER_DIR, request.url);
  if (!file) return new Response('not found', { status: 404 });
  if (!existsSync(file)) {
    return new Response('The renderer is not built: run `npm run build`, then reload (Ctrl+R).', {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': CSP },
    });
  }
  return new Response(await readFile(file), {
    headers: {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
  });
}

function hardenSessions(): void {
  const ses = session.defaultSession;
  // Responses from any scheme get the policy, including ones protocol.handle does not produce.
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [CSP] } });
  });
  // The UI needs no camera, location, notifications…; only copying to the clipboard from the editor.
  const allowed = new Set(['clipboard-sanitized-write']);
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(allowed.has(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => allowed.has(permission));
}

// Every WebContents, including any a bug might create, is confined to the app's origin.
app.on('web-contents-created', (_e, contents) => {
  let lastUserInput = 0;
  contents.on('input-event', (_ev, input) => {
    if (input.type === 'mouseUp' || input.type === 'keyDown') lastUserInput = Date.now();
  });
  contents.on('will-navigate', (e) => {
    if (!isAppUrl(e.url)) e.preventDefault();
  });
  contents.on('will-redirect', (e) => {
    if (!isAppUrl(e.url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  // No second window ever. An http(s) link the user just clicked (target=_blank) opens in the system
  // browser; script-initiated window.open and every other scheme (file:, smb:, custom handlers) are dropped.
  contents.setWindowOpenHandler(({ url, disposition }) => {
    const clicked = (disposition === 'foreground-tab' || disposition === 'background-tab') && Date.now() - lastUserInput < 1500;
    if (clicked && isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

function createWindow(): void {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  mkdirSync(app.getPath('userData'), { recursive: true });
  const state = fitToDisplays(
    loadWindowState(stateFile),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const w = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Creditlab',
    backgroundColor: '#111418',
    // The security-critical switches are repeated literally so static checkers (Electronegativity) see them.
    webPreferences: { ...WEB_PREFERENCES, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, disableBlinkFeatures: 'Auxclick', preload: PRELOAD, devTools: dev },
  });
  win = w;
  if (state.maximized) w.maximize();
  w.once('ready-to-show', () => w.show());
  trackWindowState(w, stateFile);

  const stopEvents = pumpEvents(host!, (batch) => send(w.webContents, EVENTS_CHANNEL, batch));
  w.on('closed', () => {
    stopEvents();
    if (win === w) win = null;
  });
  void w.loadURL(APP_URL);
}

function send(wc: WebContents, channel: string, payload: unknown): void {
  if (!wc.isDestroyed()) wc.send(channel, payload);
}

function trackWindowState(w: BrowserWindow, file: string): void {
  let normal: WindowState = { ...w.getNormalBounds(), maximized: false };
  let timer: NodeJS.Timeout | null = null;
  const save = () => {
    timer = null;
    try {
      saveWindowState(file, { ...normal, maximized: w.isMaximized() });
    } catch {
      // userData not writable: the next launch uses the default size, nothing else depends on it
    }
  };
  const changed = () => {
    if (w.isDestroyed()) return;
    if (!w.isMaximized() && !w.isMinimized() && !w.isFullScreen()) normal = { ...w.getNormalBounds(), maximized: false };
    timer ??= setTimeout(save, 500);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) w.on(ev as 'resize', changed);
  w.on('close', () => {
    if (timer) clearTimeout(timer);
    changed();
    if (timer) clearTimeout(timer);
    save();
  });
}

function menuCommand(command: MenuCommand) {
  return () => {
    if (win) send(win.webContents, MENU_CHANNEL, command);
  };
}

function buildMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Reward File…', accelerator: 'CmdOrCtrl+O', click: menuCommand('open-reward-file') },
        { type: 'separator' },
        { label: 'Export Data…', accelerator: 'CmdOrCtrl+Shift+E', click: menuCommand('export-data') },
        { label: 'Export Figure…', click: menuCommand('export-figure') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        ...(dev ? [{ role: 'reload' as const }, { role: 'forceReload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'About Creditlab',
          click: () => {
            const detail = `Version ${VERSION}\nElectron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}\nWorkspace: ${host?.store.root ?? '-'}`;
            const opts = { type: 'info' as const, title: 'About Creditlab', message: 'Creditlab', detail, buttons: ['OK'] };
            void (win ? dialog.showMessageBox(win, opts) : dialog.showMessageBox(opts));
          },
        },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
