// Builds the Electron bundles (scripts/build-electron.mjs) into a staged copy of a packaged app's layout
// and loads main.cjs in plain Node with a recording stand-in for `electron` (the binary cannot run here):
// the window's security settings, the protocol handler's CSP, navigation and window.open blocking, sender
// checks, a real run through the bundled worker, the files the bundles open by path, and a Gymnasium run.
//
// The staging: the bundles go to resources/app.asar/dist-electron (here app.asar is a plain folder, as
// plain Node cannot read an archive), and every file electron.config.ts's asarUnpack matches is moved to
// resources/app.asar.unpacked, where electron-builder leaves the real copy. A bundle that looked for such
// a file inside app.asar, or a config that did not unpack it, fails here as it would in the packaged app.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { minimatch } from 'minimatch';
import { resolvePython } from '@creditlab/gym';
import { CSP, WEB_PREFERENCES } from './security';
import { TINY_SPEC } from './contract-suite';
import type { ApiEvent, RpcResponse } from '@creditlab/api';
import electronConfig from '../../electron.config';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'creditlab-main-bundle-'));
const appDir = join(tmp, 'resources', 'app.asar');
const unpackedDir = join(tmp, 'resources', 'app.asar.unpacked');
const outdir = join(appDir, 'dist-electron');
const PY = resolvePython().python;
const noGym = spawnSync(PY, ['-c', 'import gymnasium'], { stdio: 'ignore' }).status === 0 ? false : `skipped: ${PY} cannot import gymnasium (set CREDITLAB_PYTHON, or run creditlab env setup-python)`;

const patterns = (p: unknown): string[] => (Array.isArray(p) ? p : p === undefined ? [] : [p]).filter((x): x is string => typeof x === 'string');
const matches = (rel: string, pattern: string) => minimatch(rel, pattern, { dot: true });
/** Whether electron-builder's `files` patterns put this app-relative path into the package. */
function packaged(rel: string): boolean {
  let inside = false;
  for (const p of patterns(electronConfig.files)) {
    if (p.startsWith('!')) inside &&= !matches(rel, p.slice(1));
    else inside ||= matches(rel, p);
  }
  return inside;
}
const unpacks = (rel: string) => patterns(electronConfig.asarUnpack).some((p) => matches(rel, p));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}
const appRel = (file: string) => relative(appDir, file).split(sep).join(posix.sep);

/** The names the bundles pass to the banner's finders (scripts/bundle-config.mjs). */
function namesPassedTo(fn: string): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(outdir).filter((n) => n.endsWith('.cjs'))) {
    for (const m of readFileSync(join(outdir, f), 'utf8').matchAll(new RegExp(`${fn}\\("([^"]+)"\\)`, 'g'))) out.add(m[1]);
  }
  return out;
}
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
  const b = spawnSync(process.execPath, [join(root, 'scripts/build-electron.mjs'), '--outdir', outdir], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  for (const file of filesUnder(outdir)) {
    const rel = appRel(file);
    if (!unpacks(rel)) continue;
    mkdirSync(dirname(join(unpackedDir, rel)), { recursive: true });
    renameSync(file, join(unpackedDir, rel));
  }
  // The externals the bundles require (better-sqlite3, tfjs, …) come from the package's node_modules.
  symlinkSync(join(root, 'node_modules'), join(appDir, 'node_modules'), 'junction');
  process.env.CREDITLAB_WORKSPACE = join(tmp, 'ws');
  // What the app decides by `process.versions.electron` (its runs and episode scoring as threads starting
  // from the bundles beside main.cjs, not the CLI's processes) is decided here as in Electron.
  Object.defineProperty(process.versions, 'electron', { value: '0.0.0-stand-in', configurable: true, enumerable: true });
  const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const load = M._load;
  M._load = function (req: string, ...rest: unknown[]) {
    return req === 'electron' ? fakeElectron : load.call(this, req, ...rest);
  };
  try {
    createRequire(import.meta.url)(join(outdir, 'main.cjs'));
  } finally {
    M._load = load;
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && rec.windows.length === 0; ) await new Promise((r) => setTimeout(r, 20));
});

after(async () => {
  const quit = rec.appEvents.get('before-quit')?.[0];
  quit?.({ preventDefault() {} });
  await new Promise((r) => setTimeout(r, 300));
  delete (process.versions as Record<string, string>).electron;
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
  assert.ok(readFileSync(join(outdir, 'worker.cjs'), 'utf8').length > 0);
});

it('every file the bundles open by path is packaged, and those a child process or thread opens are unpacked', () => {
  const helpers = namesPassedTo('__creditlabHelperUrl');
  assert.deepEqual([...helpers].sort(), ['gym/creditlab_bridge.py', 'gym/fifo-supervisor.mjs', 'gym/io-worker.mjs']);
  for (const name of helpers) {
    const rel = `dist-electron/${name}`;
    assert.ok(packaged(rel), `${rel} is in electron.config.ts files`);
    assert.ok(unpacks(rel), `${rel} is in electron.config.ts asarUnpack`);
    assert.ok(existsSync(join(unpackedDir, rel)), `${rel} is in app.asar.unpacked`);
  }
  const workers = namesPassedTo('__creditlabWorkerUrl');
  assert.ok(workers.size >= 4, [...workers].join(', '));
  for (const name of workers) {
    assert.ok(packaged(`dist-electron/${name}`), `dist-electron/${name} is in electron.config.ts files`);
    assert.ok(existsSync(join(outdir, name)), `dist-electron/${name} was built`);
  }
  // What remains relative to a source file resolves in the repository's layout (app.asar's root).
  // Each such file must be packaged, unless the app never opens it (named here with why).
  const neverInApp: Record<string, string> = {
    'workspaces/runner/src/run-process-boot.mjs': 'the app runs its runs in threads (LocalPool), not in processes',
    'workspaces/runner/src/score-process-boot.mjs': 'the app scores episodes in a thread (ScoreService isolation "thread")',
  };
  for (const f of readdirSync(outdir).filter((n) => n.endsWith('.cjs'))) {
    const text = readFileSync(join(outdir, f), 'utf8');
    for (const m of text.matchAll(/new URL\("([^"]+)", __creditlabSourceUrl\("([^"]+)"\)\)/g)) {
      const target = posix.normalize(posix.join(posix.dirname(m[2]), m[1]));
      if (m[1].endsWith('/')) continue; // a folder (the repository's root)
      assert.ok(packaged(target) || target in neverInApp, `${f} opens ${target} (from ${m[2]}), which electron.config.ts does not package`);
    }
  }
});

it('runs a Gymnasium env from the staged app: bridge script and channel threads found in app.asar.unpacked', { skip: noGym }, async () => {
  const spec = {
    version: 1,
    name: 'gym-in-app',
    seeds: [0],
    budget: { steps: 256 },
    base: { kind: 'rl', env: { id: 'gymnasium:CartPole-v1', python: PY }, algo: { name: 'ppo', numEnvs: 2, numSteps: 64 } },
  };
  const started = await rpc('app://creditlab/index.html', 'startExperiment', [spec, { workers: 1 }]);
  assert.ok(started.ok, JSON.stringify(started));
  const id = (started.result as { experimentId: string }).experimentId;
  let runs: { id: string; status: string; error: string | null }[] = [];
  for (const deadline = Date.now() + 300_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const exp = await rpc('app://creditlab/index.html', 'getExperiment', [id]);
    assert.ok(exp.ok);
    runs = (exp.result as { runs: typeof runs }).runs;
    if (runs.every((r) => r.status !== 'running' && r.status !== 'queued')) break;
  }
  assert.equal(runs[0].status, 'finished', runs[0].error ?? '');
  const log = readFileSync(join(tmp, 'ws', 'runs', runs[0].id, 'log.txt'), 'utf8');
  assert.match(log, /gymnasium:CartPole-v1: 2 env copies/, 'the bridge started');
});
