// Desktop-only pieces without Electron: native-dialog policy, desktop IPC validation, window state,
// and the CSP kept in step with the web host's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { createDesktopService, type NativeShell } from './desktop-service';
import { registerDesktopHandlers } from './ipc-bridge';
import { createDesktopApi } from './preload-api';
import { createFakeIpc, throughContextBridge } from './fake-ipc';
import { fitToDisplays, loadWindowState, saveWindowState } from './window-state';
import { CSP } from './security';
import { startWebHost } from '../host/web-host';
import { Host } from '../host/host';

const tmp = mkdtempSync(join(tmpdir(), 'creditlab-desktop-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function setup(savePath: string | null, openPath: string | null) {
  const workspace = join(tmp, 'ws');
  mkdirSync(workspace, { recursive: true });
  const revealed: string[] = [];
  const native: NativeShell = {
    showSaveDialog: async () => (savePath ? { canceled: false, filePath: savePath } : { canceled: true }),
    showOpenDialog: async () => (openPath ? { canceled: false, filePaths: [openPath] } : { canceled: true, filePaths: [] }),
    showItemInFolder: (p) => void revealed.push(p),
    defaultDir: () => tmp,
  };
  const api = { exportExperiment: async (id: string, format: 'csv' | 'json') => ({ filename: `e-${id}.${format}`, mime: 'text/csv', content: 'experiment,arm,seed,run,step,metric,value\n' }) };
  const ipc = createFakeIpc();
  registerDesktopHandlers(ipc.ipcMain, createDesktopService(api, native, workspace), { isTrustedSender: (e) => e.senderFrame?.url.startsWith('app://creditlab/') === true });
  return { desktop: throughContextBridge(createDesktopApi(ipc.ipcRenderer, 'linux')), revealed, workspace, ipc };
}

it('saves exports and figures through the save dialog, and reveals only known paths', async () => {
  const out = join(tmp, 'out.csv');
  const { desktop, revealed, workspace } = setup(out, null);
  assert.deepEqual(await desktop.exportExperimentToFile('abc', 'csv'), { path: out });
  assert.match(readFileSync(out, 'utf8'), /^experiment,arm,seed,run,step,metric,value/);
  const png = join(tmp, 'out.csv');
  await desktop.saveFile({ defaultName: 'fig.png', content: Buffer.from([137, 80, 78, 71]).toString('base64'), encoding: 'base64' });
  assert.deepEqual([...readFileSync(png)], [137, 80, 78, 71]);
  await desktop.revealInFolder(out);
  await desktop.revealInFolder(join(workspace, 'runs', 'r1'));
  await assert.rejects(desktop.revealInFolder('/etc/passwd'), /only files in the workspace/);
  assert.deepEqual(revealed, [out, join(workspace, 'runs', 'r1')]);
});

it('validates desktop arguments and reads reward files up to 1 MB', async () => {
  const reward = join(tmp, 'r.reward.ts');
  writeFileSync(reward, 'export default (ctx) => ctx.envReward;\n');
  const { desktop } = setup(null, reward);
  assert.equal(await desktop.saveFile({ defaultName: 'x.csv', content: '' }), null);
  const opened = await desktop.openRewardFile();
  assert.equal(opened?.filename, 'r.reward.ts');
  assert.match(opened!.content, /envReward/);
  await assert.rejects((desktop.exportExperimentToFile as (...a: unknown[]) => Promise<unknown>)('../x', 'pdf'), /args\[0\].*args\[1\]|args\[1\].*args\[0\]/s);
  await assert.rejects((desktop.saveFile as (...a: unknown[]) => Promise<unknown>)({ defaultName: 'a', content: 'b', path: '/etc/x' }), /args\[0\]/);
  writeFileSync(reward, 'x'.repeat(1024 * 1024 + 1));
  await assert.rejects(desktop.openRewardFile(), /at most 1 MB/);
  // A FIFO picked in the dialog is refused at once instead of blocking the main process.
  const fifo = join(tmp, 'pipe.reward.ts');
  if (spawnSync('mkfifo', [fifo]).status === 0) await assert.rejects(setup(null, fifo).desktop.openRewardFile(), /pipe\.reward\.ts: it is a FIFO/);
});

it('"Import runs…" picks a folder or a CSV in a dialog, and the pick may be revealed later', async () => {
  const logs = join(tmp, 'tb-logs');
  mkdirSync(logs, { recursive: true });
  const { desktop, revealed } = setup(null, logs);
  assert.equal(await desktop.pickImportSource!('tensorboard'), logs);
  await desktop.revealInFolder(logs);
  assert.deepEqual(revealed, [logs]);
  await assert.rejects((desktop.pickImportSource as (...a: unknown[]) => Promise<unknown>)('hdf5'), /args\[0\]/);
  assert.equal(await setup(null, null).desktop.pickImportSource!('csv'), null);
});

it('menu commands reach the renderer; unknown ones are dropped', async () => {
  const { desktop, ipc } = setup(null, null);
  const got: string[] = [];
  const off = desktop.onMenuCommand((c) => got.push(c));
  ipc.send('creditlab:menu', 'export-data');
  ipc.send('creditlab:menu', 'rm -rf');
  await new Promise((r) => setImmediate(r));
  off();
  ipc.send('creditlab:menu', 'open-reward-file');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ['export-data']);
});

it('remembers window bounds and keeps them on a connected display', () => {
  const file = join(tmp, 'window-state.json');
  assert.deepEqual(loadWindowState(file), { width: 1400, height: 900, maximized: false });
  saveWindowState(file, { x: 3000, y: 200, width: 1300, height: 850, maximized: true });
  const s = loadWindowState(file);
  assert.deepEqual(s, { x: 3000, y: 200, width: 1300, height: 850, maximized: true });
  assert.deepEqual(fitToDisplays(s, [{ x: 0, y: 0, width: 1920, height: 1080 }, { x: 1920, y: 0, width: 2560, height: 1440 }]), s);
  assert.deepEqual(fitToDisplays(s, [{ x: 0, y: 0, width: 1280, height: 800 }]), { width: 1280, height: 800, maximized: true });
  writeFileSync(file, '{"width":"big"');
  assert.deepEqual(loadWindowState(file), { width: 1400, height: 900, maximized: false });
});

it("Electron's CSP is the web host's, with connect-src narrowed to the app", async () => {
  const rendererDir = join(tmp, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  const host = new Host({ workspace: join(tmp, 'ws-csp'), workers: 1 });
  const web = await startWebHost({ api: host, rendererDir });
  try {
    const webCsp = (await fetch(web.baseUrl, { headers: { authorization: `token ${web.token}` } })).headers.get('content-security-policy')!;
    const directives = (p: string) => new Map(p.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    const w = directives(webCsp);
    const e = directives(CSP);
    for (const [k, v] of w) assert.equal(e.get(k), k === 'connect-src' ? "'self'" : v, k);
  } finally {
    await web.close();
    await host.close();
  }
});

it('saves many files into one chosen folder, never outside it and never over an existing file', async () => {
  const folder = join(tmp, 'figs');
  mkdirSync(folder, { recursive: true });
  const { desktop, revealed } = setup(null, folder);
  const out = await desktop.saveFiles({
    files: [
      { name: 'a.svg', content: '<svg/>' },
      { name: 'a.png', content: Buffer.from([137, 80, 78, 71]).toString('base64'), encoding: 'base64' },
    ],
  });
  assert.deepEqual(out, { folder, paths: [join(folder, 'a.svg'), join(folder, 'a.png')] });
  assert.equal(readFileSync(join(folder, 'a.svg'), 'utf8'), '<svg/>');
  assert.deepEqual([...readFileSync(join(folder, 'a.png'))], [137, 80, 78, 71]);
  await assert.rejects(desktop.saveFiles({ files: [{ name: 'a.svg', content: 'again' }] }), /not overwriting a\.svg/);
  await assert.rejects(desktop.saveFiles({ files: [{ name: '../escape.txt', content: 'x' }] }), /plain file name/);
  await desktop.revealInFolder(folder);
  assert.deepEqual(revealed, [folder]);
  assert.equal(await setup(null, null).desktop.saveFiles({ files: [{ name: 'x.csv', content: '' }] }), null);
});
