// One esbuild configuration for every bundle of host code: the Electron app's (build-electron.mjs) and
// the run and scoring processes `creditlab` and `creditlab serve` start (worker-bundles.mjs).
//
// `import.meta.url` has no meaning in CJS; each source file's occurrence is replaced by the URL that
// file has in the repository (or in app.asar), so REPO_ROOT, presets, the Gymnasium bridge and the tfjs
// wasm lookup resolve exactly as when run from source. Worker entries the pools would load through tsx
// (WORKER_LINES) are swapped for their bundled siblings; a build fails if such a line changes, so the
// two cannot drift apart silently.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export const WORKER_LINES = {
  'workspaces/runner/src/local-pool.ts': ["new URL('./worker-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('worker.cjs')"],
  'workspaces/runner/src/score-service.ts': ["new URL('./score-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('score-worker.cjs')"],
  'workspaces/importers/src/decode-pool.ts': ["new URL('./decode-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('tb-decode-worker.cjs')"],
  'workspaces/store/src/checkpointer.ts': ["new URL('./checkpoint-worker.mjs', import.meta.url)", "__creditlabWorkerUrl('sqlite-checkpoint-worker.cjs')"],
};

// Native, wasm-carrying or binary-spawning packages stay in node_modules (unpacked where needed by
// electron.config.ts); @tensorflow/* also loads optional backends by computed names.
export const external = ['electron', 'better-sqlite3', 'isolated-vm', '@tensorflow/*', 'esbuild', 'tsx', 'tsx/*', 'bufferutil', 'utf-8-validate', 'quickjs-emscripten', 'quickjs-emscripten-core', '@jitl/*'];

/** The banner of a CJS bundle written to `outdir`: the helpers the rewritten lines call. */
export function banner(outdir) {
  const up = JSON.stringify(relative(outdir, root).split(sep).join('/') || '.');
  return `"use strict";
const __creditlabUrl = require("node:url");
const __creditlabPath = require("node:path");
const __creditlabSourceUrl = (rel) => __creditlabUrl.pathToFileURL(__creditlabPath.join(__dirname, ${up}, rel)).href;
const __creditlabWorkerUrl = (name) => __creditlabUrl.pathToFileURL(__creditlabPath.join(__dirname, name));`;
}

export const sourceUrls = {
  name: 'creditlab-source-urls',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const rel = relative(root, args.path).split(sep).join('/');
      const swap = WORKER_LINES[rel];
      if (!swap && !text.includes('import.meta.url')) return undefined;
      let contents = text;
      if (swap) {
        if (!contents.includes(swap[0])) throw new Error(`${rel} no longer contains ${swap[0]}: update scripts/bundle-config.mjs`);
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
export const missingWorkspaces = {
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

/** esbuild options shared by every host bundle written to `outdir`. */
export function hostBundle(outdir) {
  return {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    sourcemap: 'linked',
    logLevel: 'warning',
    absWorkingDir: root,
    external,
    outdir,
    outExtension: { '.js': '.cjs' },
    // zod and friends ship both module formats; prefer the CJS entry inside a CJS bundle.
    mainFields: ['main', 'module'],
    conditions: ['node', 'require'],
    banner: { js: banner(outdir) },
    plugins: [sourceUrls, missingWorkspaces],
  };
}
