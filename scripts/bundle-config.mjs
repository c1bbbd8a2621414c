// One esbuild configuration for every bundle of host code: the Electron app's (build-electron.mjs) and
// the run and scoring processes `creditlab` and `creditlab serve` start (worker-bundles.mjs).
//
// `import.meta.url` has no meaning in CJS; each source file's occurrence is replaced by the URL that
// file has in the repository (or in app.asar), so REPO_ROOT, presets and the tfjs wasm lookup resolve
// exactly as when run from source. Worker entries the pools would load through tsx (WORKER_LINES) are
// swapped for their bundled siblings. Files a child process or a worker thread opens by path
// (HELPER_FILES: the Gymnasium bridge's Python script and its channel threads) are copied next to the
// bundles (copyHelperFiles) and found through one function of the banner, which points into
// app.asar.unpacked when the bundle runs from app.asar: Python cannot read inside an asar archive, and a
// worker thread is not reliably started from a module inside one (electron.config.ts unpacks them). A
// build fails if such a line changes, so the source and the bundles cannot drift apart silently.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export const WORKER_LINES = {
  'workspaces/runner/src/local-pool.ts': ["new URL('./worker-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('worker.cjs')"],
  'workspaces/runner/src/score-service.ts': ["new URL('./score-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('score-worker.cjs')"],
  'workspaces/importers/src/decode-pool.ts': ["new URL('./decode-boot.mjs', import.meta.url)", "__creditlabWorkerUrl('tb-decode-worker.cjs')"],
  'workspaces/store/src/checkpointer.ts': ["new URL('./checkpoint-worker.mjs', import.meta.url)", "__creditlabWorkerUrl('sqlite-checkpoint-worker.cjs')"],
};

/** Source file → [the line that finds a helper, the helper's source, its name next to the bundles]. */
export const HELPER_FILES = {
  'workspaces/gym/src/bridge.ts': ["new URL('../python/creditlab_bridge.py', import.meta.url)", 'workspaces/gym/python/creditlab_bridge.py', 'gym/creditlab_bridge.py'],
  'workspaces/gym/src/fifo-channel.ts': ["new URL('./fifo-supervisor.mjs', import.meta.url)", 'workspaces/gym/src/fifo-supervisor.mjs', 'gym/fifo-supervisor.mjs'],
  'workspaces/gym/src/relay-channel.ts': ["new URL('./io-worker.mjs', import.meta.url)", 'workspaces/gym/src/io-worker.mjs', 'gym/io-worker.mjs'],
};

/** The replacements in one source file: [what, by what]. */
function swapsOf(rel) {
  const out = [];
  if (WORKER_LINES[rel]) out.push(WORKER_LINES[rel]);
  if (HELPER_FILES[rel]) out.push([HELPER_FILES[rel][0], `__creditlabHelperUrl(${JSON.stringify(HELPER_FILES[rel][2])})`]);
  return out;
}

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
const __creditlabWorkerUrl = (name) => __creditlabUrl.pathToFileURL(__creditlabPath.join(__dirname, name));
const __creditlabHelperUrl = (name) => __creditlabUrl.pathToFileURL(__creditlabPath.join(__dirname, name).replace(/([\\\\/])app\\.asar(?=[\\\\/])/, "$1app.asar.unpacked"));`;
}

export const sourceUrls = {
  name: 'creditlab-source-urls',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const rel = relative(root, args.path).split(sep).join('/');
      const swaps = swapsOf(rel);
      if (!swaps.length && !text.includes('import.meta.url')) return undefined;
      let contents = text;
      for (const [from, to] of swaps) {
        if (!contents.includes(from)) throw new Error(`${rel} no longer contains ${from}: update scripts/bundle-config.mjs`);
        contents = contents.replace(from, to);
      }
      contents = contents.replaceAll('import.meta.url', `__creditlabSourceUrl(${JSON.stringify(rel)})`);
      const ext = extname(args.path);
      return { contents, loader: ext === '.ts' || ext === '.mts' ? 'ts' : 'js' };
    });
  },
};

/** Copies HELPER_FILES beside the bundles in `outdir` (once per build, after its bundles are written). */
export async function copyHelperFiles(outdir) {
  for (const [, source, name] of Object.values(HELPER_FILES)) {
    const to = join(outdir, name);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(join(root, source), to);
  }
}

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
