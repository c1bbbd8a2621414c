// Loads the built dist-electron/main.cjs in plain Node with a recording stand-in for `electron`
// (the binary cannot run here) and checks the window's security settings, the protocol handler's
// CSP, navigation and window.open blocking, sender checks, and a real run through the bundled worker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { CSP, WEB_PREFERENCES } from './security';
import { TINY_SPEC } from './contract-suite';
import type { ApiEvent, RpcResponse } from '@creditlab/api';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'creditlab-main-bundle-'));
type Listener = (...a: any[]) => any;

const rec = {
  windows: [] as { opts: any; loaded: string[]; sent: [string, unknown][] }[],
  handlers: new Map<string, Listener>(),
  appEvents: new Map<string, Listener[]>(),
  protocol: null as null | ((r: Request) => Promise<Response>),
  headers: null as null | Listener,
  privileged: [] as unknown[],
  opened: [] as string[],
};

class Emitter {
  private l = new Map<string, Listener[]>();
  on(ev: string, f: Listener) {
    this.l.set(ev, [...(this.l.get(ev) ?? []), f]);
    return this;
  }
  once(ev: string, f: Listener) {
    return this.on(ev, f);
  }
  emit(ev: string, ...a: unknown[]) {
    for (const f of this.l.get(ev) ?? []) f(...a);
  }
}

const fakeElectron = {
  app: {
    isPackaged: false,
    requestSingleInstanceLock: () => true,
    on: (ev: string, f: Listener) => rec.appEvents.set(ev, [...(rec.appEvents.get(ev) ?? []), f]),
    whenReady: () => Promise.resolve(),
    getPath: () => tmp,
    quit: () => {},
    exit: () => {},
  },
  BrowserWindow: class extends Emitter {
    static getAllWindows = () => rec.windows;
    webContents: any;
    constructor(opts: unknown) {
      super();
      const w = { opts, loaded: [] as string[], sent: [] as [string, unknown][] };
      rec.windows.push(w);
      this.webContents = { isDestroyed: () => false, send: (ch: string, p: unknown) => w.sent.push([ch, structuredClone(p)]) };
      this.loadURL = async (u: string) => void w.loaded.push(u);
    }
    loadURL: (u: string) => Promise<void>;
    maximize() {}
    isMaximized = () => false;
    isMinimized = () => false;
    isFullScreen = () => false;
    isDestroyed = () => false;
    getNormalBounds = () => ({ x: 10, y: 10, width: 1200, height: 800 });
  },
  Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => {} },
  dialog: { showErrorBox: (t: string, m: string) => assert.fail(`${t}: ${m}`) },
  ipcMain: { handle: (ch: string, f: Listener) => rec.handlers.set(ch, f), removeHandler: (ch: string) => rec.handlers.delete(ch) },
  protocol: { registerSchemesAsPrivileged: (s: unknown[]) => rec.privileged.push(...s), handle: (_s: string, f: any) => (rec.protocol = f) },
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: (f: Listener) => (rec.headers = f) },
      setPermissionRequestHandler: () => {},
      setPermissionCheckHandler: () => {},
    },
  },
  shell: { openExternal: async (u: string) => void rec.opened.push(u), showItemInFolder: () => {} },
};

const rpc = (url: string, method: string, args: unknown[]) =>
  rec.handlers.get('creditlab:rpc')!({ senderFrame: { url } }, { id: 1, method, args }) as Promise<RpcResponse>;

before(async () => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build-electron.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  process.env.CREDITLAB_WORKSPACE = join(tmp, 'ws');
  const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const load = M._load;
  M._load = function (req: string, ...rest: unknown[]) {
    return req === 'electron' ? fakeElectron : load.call(this, req, ...rest);
  };
  try {
    createRequire(import.meta.url)(join(root, 'dist-electron/main.cjs'));
  } finally {
    M._load = load;
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && rec.windows.length === 0; ) await new Promise((r) => setTimeout(r, 20));
});

after(async () => {
  const quit = rec.appEvents.get('before-quit')?.[0];
  quit?.({ preventDefault() {} });
  await new Promise((r) => setTimeout(r, 300));
  rmSync(tmp, { recursive: true, force: true });
});

it('opens one window with the required webPreferences and the app:// URL', () => {
  assert.equal(rec.windows.length, 1);
  const wp = rec.windows[0].opts.webPreferences;
  for (const [k, v] of Object.entries({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true })) assert.equal(wp[k], v, k);
  assert.deepEqual({ ...wp, preload: undefined, devTools: undefined }, { ...WEB_PREFERENCES, preload: undefined, devTools: undefined });
  assert.match(wp.preload, /dist-electron[/\\]preload\.cjs$/);
  assert.deepEqual(rec.windows[0].loaded, ['app://creditlab/index.html']);
  assert.deepEqual(rec.privileged, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
});

it('serves the renderer with the CSP and adds it to every response', async () => {
  const res = await rec.protocol!(new Request('app://creditlab/index.html'));
  assert.equal(res.headers.get('content-security-policy'), CSP);
  const escaped = await rec.protocol!(new Request('app://creditlab/%2e%2e/%2e%2e/package.json'));
  assert.doesNotMatch(await escaped.text(), /"name": "creditlab"/);
  assert.equal((await rec.protocol!(new Request('app://elsewhere/index.html'))).status, 404);
  let out: any;
  rec.headers!({ responseHeaders: { 'content-security-policy': ['default-src *'] } }, (r: unknown) => (out = r));
  assert.deepEqual(out.responseHeaders, { 'Content-Security-Policy': [CSP] });
});

it('blocks navigation and window.open away from the app', () => {
  const contents = new Emitter() as Emitter & { setWindowOpenHandler(f: Listener): void; openHandler?: Listener };
  contents.setWindowOpenHandler = (f) => (contents.openHandler = f);
  rec.appEvents.get('web-contents-created')![0]({}, contents);
  const nav = (url: string) => {
    let prevented = false;
    contents.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
    return prevented;
  };
  assert.equal(nav('https://example.com/'), true);
  assert.equal(nav('file:///etc/passwd'), true);
  assert.equal(nav('app://creditlab/runs'), false);
  // Script-opened windows: denied and not forwarded to the browser without a user click.
  assert.deepEqual(contents.openHandler!({ url: 'https://example.com/', disposition: 'foreground-tab' }), { action: 'deny' });
  assert.deepEqual(rec.opened, []);
  contents.emit('input-event', {}, { type: 'mouseUp' });
  assert.deepEqual(contents.openHandler!({ url: 'https://example.com/paper', disposition: 'foreground-tab' }), { action: 'deny' });
  assert.deepEqual(contents.openHandler!({ url: 'file:///etc/passwd', disposition: 'foreground-tab' }), { action: 'deny' });
  assert.deepEqual(rec.opened, ['https://example.com/paper']);
});

it('answers IPC only from the app frame', async () => {
  const refused = await rpc('https://evil.example/', 'doctor', []);
  assert.equal(refused.ok, false);
  const ok = await rpc('app://creditlab/index.html', 'doctor', []);
  assert.equal(ok.ok, true);
});

it('runs an experiment through the bundled worker and streams batched events', async () => {
  const started = await rpc('app://creditlab/index.html', 'startExperiment', [TINY_SPEC, { workers: 1 }]);
  assert.ok(started.ok, JSON.stringify(started));
  const id = (started.result as { experimentId: string }).experimentId;
  const sent = rec.windows[0].sent;
  const done = () =>
    sent.some(([ch, batch]) => ch === 'creditlab:events' && (batch as ApiEvent[]).some((e) => e.type === 'experiment' && e.experiment.id === id && e.experiment.status !== 'running'));
  for (const deadline = Date.now() + 300_000; Date.now() < deadline && !done(); ) await new Promise((r) => setTimeout(r, 100));
  const exp = await rpc('app://creditlab/index.html', 'getExperiment', [id]);
  assert.ok(exp.ok);
  const runs = (exp.result as { runs: { status: string; error: string | null }[] }).runs;
  assert.equal(runs[0].status, 'finished', runs[0].error ?? '');
  assert.ok(sent.every(([ch, batch]) => ch === 'creditlab:events' && Array.isArray(batch) && batch.length > 0));
  assert.ok(readFileSync(join(root, 'dist-electron/worker.cjs'), 'utf8').length > 0);
});
