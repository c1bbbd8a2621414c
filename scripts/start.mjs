#!/usr/bin/env node
// `npm start`: the Electron app when Electron's binary is installed, otherwise the same UI served
// by `creditlab serve` in the browser. Builds the renderer first when it is missing or stale.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync, cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { buildRenderer, rendererStale } from './lib.mjs';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);


if (rendererStale(root)) {
  console.log('building the renderer…');
  const status = buildRenderer(root);
  if (status !== 0) process.exit(status);
}

function electronBinary() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const pathTxt = join(dir, 'path.txt');
    if (!existsSync(pathTxt)) return { reason: 'Electron binary not installed (npm skipped its download step)' };
    const bin = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    return existsSync(bin) ? { bin } : { reason: `Electron binary missing at ${bin}` };
  } catch {
    return { reason: 'the electron package is not installed' };
  }
}

const args = process.argv.slice(2);
const forceWeb = args.includes('--web') || process.env.CREDITLAB_WEB === '1';
let electron = forceWeb ? { reason: 'web mode requested' } : electronBinary();
if (!electron.bin && !forceWeb && process.env.CREDITLAB_NO_ELECTRON_DOWNLOAD !== '1') {
  // npm 11 does not run install scripts it was not told to allow; fetch the binary once where the network allows.
  const dir = (() => { try { return dirname(require.resolve('electron/package.json')); } catch { return null; } })();
  if (dir && existsSync(join(dir, 'install.js'))) {
    console.log('Electron binary not installed: trying to download it once (set CREDITLAB_NO_ELECTRON_DOWNLOAD=1 to skip)…');
    const r = spawnSync(process.execPath, [join(dir, 'install.js')], { cwd: dir, stdio: 'ignore', timeout: 120_000 });
    if (r.status === 0) electron = electronBinary();
  }
}

/**
 * The native packages in node_modules (better-sqlite3, isolated-vm) are built for Node's ABI (the CLI and
 * tests use them); Electron needs its own builds. Make one of each once per Electron version in a cache
 * folder, leaving node_modules untouched: a prebuilt binary for Electron's ABI when one can be fetched,
 * else a node-gyp build against Electron's headers. Returns the built package folder, or null.
 */
function electronNativeBuild(pkg, builtFile) {
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const cacheDir = join(root, 'node_modules/.cache/creditlab', `electron-${electronVersion}`);
  const work = join(cacheDir, pkg);
  const built = join(work, builtFile);
  if (existsSync(built)) return work;
  console.log(`building ${pkg} for Electron ${electronVersion} (once)…`);
  const src = dirname(require.resolve(`${pkg}/package.json`));
  mkdirSync(cacheDir, { recursive: true });
  cpSync(src, work, { recursive: true, filter: (p) => !p.startsWith(join(src, 'build')) && !p.startsWith(join(src, 'out')) });
  const prebuild = join(dirname(require.resolve('prebuild-install/package.json')), 'bin.js');
  let r = spawnSync(process.execPath, [prebuild, '--runtime', 'electron', '--target', electronVersion], { cwd: work, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(built)) {
    const gyp = join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
    r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], { cwd: work, stdio: 'inherit' });
  }
  return r.status === 0 && existsSync(built) ? work : null;
}

if (electron.bin) {
  const sqlite = electronNativeBuild('better-sqlite3', 'build/Release/better_sqlite3.node');
  // The reward sandbox: isolated-vm's own loader picks out/isolated_vm.node from its package folder.
  const ivm = electronNativeBuild('isolated-vm', 'out/isolated_vm.node');
  if (!sqlite) {
    console.error('could not build better-sqlite3 for Electron; serving the web UI instead (npm start -- --web)');
    process.exit(1);
  }
  process.env.CREDITLAB_SQLITE_BINDING = join(sqlite, 'build/Release/better_sqlite3.node');
  if (ivm) process.env.CREDITLAB_ISOLATED_VM = ivm;
  else {
    // The WebAssembly engine needs no build for Electron's ABI.
    console.error('could not build isolated-vm for Electron: reward code runs in QuickJS (WebAssembly) instead');
    process.env.CREDITLAB_SANDBOX ||= 'quickjs';
  }
  const build = spawnSync(process.execPath, [join(root, 'scripts/build-electron.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const child = spawn(electron.bin, [root, ...args.filter((a) => a !== '--web')], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const port = process.env.PORT ?? '5178';
  console.log(`${electron.reason}: the web UI is served instead.`);
  const child = spawn(process.execPath, [join(root, 'bin/creditlab.mjs'), 'serve', '--port', port, ...args.filter((a) => a !== '--web')], { stdio: 'inherit' });
  const stop = () => child.kill('SIGINT');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));
}
