#!/usr/bin/env node
// Bundles the Electron entry points into dist-electron/:
//   main.cjs    main process (host, store, runner pool, IPC); package.json "main"
//   preload.cjs sandboxed preload; may require nothing but `electron` (checked below)
//   worker.cjs  run worker thread of the local pool
//   score-worker.cjs, tb-decode-worker.cjs, sqlite-checkpoint-worker.cjs  episode scoring; TensorBoard
//               decoding and WAL checkpoints during an import
//
// Why the worker is bundled: in `creditlab serve`/CLI the pool starts
// workspaces/runner/src/worker-boot.mjs, which registers tsx and imports TypeScript. A packaged app
// keeps its files inside app.asar, where neither the tsx loader hook nor an ESM entry is a safe bet in
// a worker thread, so the Electron build gives the pool a plain CJS worker instead (see
// src-main/electron/worker.ts) and rewrites the one `new URL('./worker-boot.mjs', import.meta.url)`
// in local-pool.ts to it. The build fails if that line changes, so the two cannot drift apart silently.
//
// `import.meta.url` has no meaning in CJS; each source file's occurrence is replaced by the URL that
// file has in the repository (or in app.asar), so REPO_ROOT, presets and the tfjs wasm lookup
// resolve exactly as when run from source.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'dist-electron');
// Worker entries loaded through tsx in the CLI, and their bundled replacements in dist-electron/.
const WORKER_LINES = {
  'workspaces/runner/src/local-pool.ts': ["new URL('./worker-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('worker.cjs')"],
  'workspaces/runner/src/score-service.ts': ["new URL('./score-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('score-worker.cjs')"],
  'workspaces/importers/src/decode-pool.ts': ["new URL('./decode-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('tb-decode-worker.cjs')"],
  'workspaces/store/src/checkpointer.ts': ["new URL('./checkpoint-worker.mjs', import.meta.url)", "__creditlabWorkerUrl('sqlite-checkpoint-worker.cjs')"],
};

// Native, wasm-carrying or binary-spawning packages stay in node_modules (unpacked where needed by
// electron.config.ts); @tensorflow/* also loads optional backends by computed names.
const external = ['electron', 'better-sqlite3', 'isolated-vm', '@tensorflow/*', 'esbuild', 'tsx', 'tsx/*', 'bufferutil', 'utf-8-validate'];

const banner = `"use strict";
const __creditlabUrl = require("node:url");
const __creditlabPath = require("node:path");
const __creditlabSourceUrl = (rel) => __creditlabUrl.pathToFileURL(__creditlabPath.join(__dirname, "..", rel)).href;
const __creditlabWorkerUrl = (name) => __creditlabUrl.pathToFileURL(__creditlabPath.join(__dirname, name));`;

const sourceUrls = {
  name: 'creditlab-source-urls',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const rel = relative(root, args.path).split(sep).join('/');
      const swap = WORKER_LINES[rel];
      if (!swap && !text.includes('import.meta.url')) return undefined;
      let contents = text;
      if (swap) {
        if (!contents.includes(swap[0])) throw new Error(`${rel} no longer contains ${swap[0]}: update scripts/build-electron.mjs`);
        contents = contents.replace(swap[0], swap[1]);
      }
      contents = contents.replaceAll('import.meta.url', `__creditlabSourceUrl(${JSON.stringify(rel)})`);
      const ext = extname(args.path);
      return { contents, loader: ext === '.ts' || ext === '.mts' ? 'ts' : 'js' };
    });
  },
};

// A workspace package still being written (no src/index.ts yet) must not break the desktop build: the
// bundle gets a stub that throws when that package is actually loaded.
const missingWorkspaces = {
  name: 'creditlab-missing-workspaces',
  setup(b) {
    b.onResolve({ filter: /^@creditlab\/[\w-]+$/ }, (args) => {
      const name = args.path.slice('@creditlab/'.length);
      if (existsSync(join(root, 'workspaces', name, 'src', 'index.ts'))) return undefined;
      return { path: args.path, namespace: 'creditlab-missing' };
    });
    b.onLoad({ filter: /.*/, namespace: 'creditlab-missing' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} was not built into this app (no workspaces/${args.path.slice(11)}/src/index.ts at build time)`)});`,
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  external,
  outExtension: { '.js': '.cjs' },
  // zod and friends ship both module formats; prefer the CJS entry inside a CJS bundle.
  mainFields: ['main', 'module'],
  conditions: ['node', 'require'],
};

await rm(outdir, { recursive: true, force: true });

await Promise.all([
  build({ ...common, entryPoints: { main: 'src-main/electron/main.ts' }, outdir, banner: { js: banner }, plugins: [sourceUrls, missingWorkspaces] }),
  build({ ...common, entryPoints: { worker: 'src-main/electron/worker.ts' }, outdir, banner: { js: banner }, plugins: [sourceUrls, missingWorkspaces] }),
  build({ ...common, entryPoints: { 'score-worker': 'src-main/electron/score-worker.ts' }, outdir, banner: { js: banner }, plugins: [sourceUrls, missingWorkspaces] }),
  build({ ...common, entryPoints: { 'tb-decode-worker': 'src-main/electron/tb-decode-worker.ts' }, outdir, banner: { js: banner }, plugins: [sourceUrls, missingWorkspaces] }),
  build({ ...common, entryPoints: { 'sqlite-checkpoint-worker': 'workspaces/store/src/checkpoint-worker.mjs' }, outdir, banner: { js: banner }, plugins: [sourceUrls, missingWorkspaces] }),
  // The sandboxed preload cannot require anything but `electron`: bundle everything else in.
  build({ ...common, entryPoints: { preload: 'src-main/electron/preload.ts' }, outdir, external: ['electron'], sourcemap: false, target: 'chrome130' }),
]);

const preload = readFileSync(join(outdir, 'preload.cjs'), 'utf8');
const requires = [...preload.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]).filter((m) => m !== 'electron');
if (requires.length > 0 || /\bimport\(/.test(preload)) {
  console.error(`build-electron: the preload must require only "electron", found: ${[...new Set(requires)].join(', ') || 'import()'}`);
  process.exit(1);
}
console.log(`build-electron: ${relative(process.cwd(), outdir) || outdir}/{main,preload,worker,score-worker,tb-decode-worker,sqlite-checkpoint-worker}.cjs`);
