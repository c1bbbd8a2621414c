#!/usr/bin/env node
// Bundles the Electron entry points into dist-electron/:
//   main.cjs    main process (host, store, runner pool, IPC); package.json "main"
//   preload.cjs sandboxed preload; may require nothing but `electron` (checked below)
//   worker.cjs  run worker thread of the local pool
//   score-worker.cjs, tb-decode-worker.cjs, sqlite-checkpoint-worker.cjs  episode scoring; TensorBoard
//               decoding and WAL checkpoints during an import
//   gym/        the Gymnasium bridge's Python script and channel threads (HELPER_FILES of bundle-config.mjs;
//               electron.config.ts unpacks them from app.asar)
// `--outdir DIR` writes them elsewhere (tests stage a packaged app's layout that way).
//
// Why the worker is bundled: a packaged app keeps its files inside app.asar, where neither the tsx
// loader hook nor an ESM entry is a safe bet in a worker thread, so the app's pool starts these plain CJS
// bundles. The esbuild configuration (source URLs, swapped worker entries, externals) is shared with
// the bundles the CLI's run processes start: scripts/bundle-config.mjs.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { HELPER_FILES, copyHelperFiles, hostBundle, root } from './bundle-config.mjs';

const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? resolve(process.argv[at + 1] ?? '') : join(root, 'dist-electron');
const common = hostBundle(outdir);

await rm(outdir, { recursive: true, force: true });

await Promise.all([
  build({ ...common, entryPoints: { main: 'src-main/electron/main.ts' } }),
  build({ ...common, entryPoints: { worker: 'src-main/electron/worker.ts' } }),
  build({ ...common, entryPoints: { 'score-worker': 'src-main/electron/score-worker.ts' } }),
  build({ ...common, entryPoints: { 'tb-decode-worker': 'src-main/electron/tb-decode-worker.ts' } }),
  build({ ...common, entryPoints: { 'sqlite-checkpoint-worker': 'workspaces/store/src/checkpoint-worker.mjs' } }),
  // The sandboxed preload cannot require anything but `electron`: bundle everything else in.
  build({ ...common, entryPoints: { preload: 'src-main/electron/preload.ts' }, external: ['electron'], sourcemap: false, target: 'chrome130', banner: undefined, plugins: [] }),
]);
await copyHelperFiles(outdir);

const preload = readFileSync(join(outdir, 'preload.cjs'), 'utf8');
const requires = [...preload.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]).filter((m) => m !== 'electron');
if (requires.length > 0 || /\bimport\(/.test(preload)) {
  console.error(`build-electron: the preload must require only "electron", found: ${[...new Set(requires)].join(', ') || 'import()'}`);
  process.exit(1);
}
const helpers = Object.values(HELPER_FILES).map(([, , name]) => name);
console.log(`build-electron: ${relative(process.cwd(), outdir) || outdir}/{main,preload,worker,score-worker,tb-decode-worker,sqlite-checkpoint-worker}.cjs, ${helpers.join(', ')}`);
