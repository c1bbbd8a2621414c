#!/usr/bin/env node
// `npm run dist`: packages the desktop app with electron-builder (config: electron.config.ts).
// electron-builder needs Electron's release archive for every target; when neither a local binary
// nor the download server is available this says so in one paragraph and exits 1.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

function fail(paragraph) {
  console.error(`npm run dist: ${paragraph}`);
  process.exit(1);
}

function electronInfo() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    const pathTxt = join(dir, 'path.txt');
    const bin = existsSync(pathTxt) ? join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim()) : null;
    return { version, dir, installed: !!bin && existsSync(bin) };
  } catch {
    return null;
  }
}

/** Archives @electron/get already downloaded (its cache layout differs per OS; look in the usual places). */
function cachedArchive(version) {
  const dirs = [
    process.env.ELECTRON_CACHE,
    process.env.XDG_CACHE_HOME && join(process.env.XDG_CACHE_HOME, 'electron'),
    join(homedir(), '.cache', 'electron'),
    join(homedir(), 'Library', 'Caches', 'electron'),
    process.env.LOCALAPPDATA && join(process.env.LOCALAPPDATA, 'electron', 'Cache'),
  ].filter(Boolean);
  const name = `electron-v${version}-`;
  const walk = (d, depth) => {
    if (!existsSync(d) || depth > 2) return false;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isFile() && e.name.startsWith(name) && e.name.endsWith('.zip')) return true;
      if (e.isDirectory() && walk(join(d, e.name), depth + 1)) return true;
    }
    return false;
  };
  return dirs.some((d) => walk(d, 0));
}

async function reachable(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(10_000) });
    return res.ok;
  } catch {
    return false;
  }
}

const electron = electronInfo();
if (!electron) fail('the electron package is not installed; run `npm ci` first.');

const mirror = (process.env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/').replace(/\/?$/, '/');
const shasums = `${mirror}v${electron.version}/SHASUMS256.txt`;
if (!cachedArchive(electron.version) && !(await reachable(shasums))) {
  fail(
    `electron-builder needs the Electron ${electron.version} release archive for each target platform, ` +
      `and none is in the local cache while ${shasums} cannot be reached (no network, a proxy, or a blocked host). ` +
      `Run this on a machine that can reach Electron's downloads, or point ELECTRON_MIRROR at a reachable mirror, ` +
      `or put electron-v${electron.version}-<platform>-<arch>.zip into ELECTRON_CACHE. Nothing was built. ` +
      `The web UI needs none of this: \`npm start -- --web\` or \`npx creditlab serve\`.`,
  );
}

const run = (cmd, cmdArgs) => {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) fail(`\`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${r.status ?? r.signal}); see its output above.`);
};

run('npm', ['run', 'build', '--silent']);
run(process.execPath, [join(root, 'scripts/build-electron.mjs')]);

const { build } = await import('esbuild');
const tmp = mkdtempSync(join(tmpdir(), 'creditlab-dist-'));
const configFile = join(tmp, 'electron.config.cjs');
await build({ entryPoints: [join(root, 'electron.config.ts')], outfile: configFile, bundle: false, platform: 'node', format: 'cjs', logLevel: 'warning' });

// npmRebuild recompiles the native packages in place for Electron's ABI; the CLI, the web host and the
// tests run on Node's, so their Node builds are put back afterwards.
const natives = ['better-sqlite3/build/Release/better_sqlite3.node', 'isolated-vm/out/isolated_vm.node'].map((rel, i) => ({
  file: join(root, 'node_modules', rel),
  backup: join(tmp, `native-${i}.node`),
}));
for (const n of natives) if (existsSync(n.file)) copyFileSync(n.file, n.backup);

let status = 1;
try {
  const cli = join(root, 'node_modules/electron-builder/cli.js');
  const r = spawnSync(process.execPath, [cli, '--config', configFile, '--publish', 'never', ...args], { cwd: root, stdio: 'inherit' });
  status = r.status ?? 1;
} finally {
  for (const n of natives) if (existsSync(n.backup)) copyFileSync(n.backup, n.file);
  rmSync(tmp, { recursive: true, force: true });
}
if (status !== 0) fail(`electron-builder exited with ${status}; see its output above.`);
console.log('npm run dist: packages are in release/.');
