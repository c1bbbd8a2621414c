#!/usr/bin/env node
// Builds the bundles the CLI's and `creditlab serve`'s run and scoring processes start, into
// node_modules/.cache/creditlab-workers/<id>/, and points current.json at them. Started by
// workspaces/runner/src/bundles.ts whenever a source file those bundles were built from has changed, so a
// process starts one plain CJS file instead of registering tsx and compiling TypeScript module by module
// (loader hooks on their own thread, the CJS export lexer, the transpiler, source maps). The
// same configuration builds the Electron app (bundle-config.mjs), so both run the same kind of code.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_FILES, copyHelperFiles, hostBundle, root } from './bundle-config.mjs';

export const CACHE = join(root, 'node_modules', '.cache', 'creditlab-workers');

const ENTRIES = {
  'run-process': 'workspaces/runner/src/run-process.ts',
  worker: 'workspaces/runner/src/worker-entry.ts',
  'score-process': 'workspaces/runner/src/score-process.ts',
  'score-worker': 'workspaces/runner/src/score-entry.ts',
  // A store opened inside one of these processes runs its WAL checkpoints in this worker.
  'sqlite-checkpoint-worker': 'workspaces/store/src/checkpoint-worker.mjs',
};

const id = `${Date.now().toString(36)}-${process.pid}`;
const outdir = join(CACHE, id);
mkdirSync(outdir, { recursive: true });
const result = await build({ ...hostBundle(outdir), entryPoints: ENTRIES, metafile: true });
await copyHelperFiles(outdir);
// Every file the bundles were built from, with what its stat said: any change makes them stale.
const inputs = {};
// The helper files copied next to the bundles are inputs too: an edited bridge script must reach new runs.
const helpers = Object.values(HELPER_FILES).map(([, source]) => source);
for (const rel of [...Object.keys(result.metafile.inputs), ...helpers, 'scripts/bundle-config.mjs', 'scripts/worker-bundles.mjs']) {
  if (rel.includes(':')) continue;
  const s = statSync(join(root, rel));
  inputs[rel] = [s.size, s.mtimeMs];
}
writeFileSync(join(outdir, 'manifest.json'), JSON.stringify({ node: process.version, inputs }));
// Published by an atomic rename, so a reader sees the old bundles or the new ones, never a half.
const tmp = join(CACHE, `current.json.${process.pid}`);
writeFileSync(tmp, JSON.stringify({ id }));
renameSync(tmp, join(CACHE, 'current.json'));
// Older builds go once nothing can still be starting from them: a process that read current.json just
// before this build replaced it forks within moments, so only builds older than ten minutes are removed.
const now = Date.now();
for (const d of readdirSync(CACHE)) {
  if (d === id || d.startsWith('current.json')) continue;
  try {
    if (now - statSync(join(CACHE, d)).mtimeMs > 10 * 60_000) rmSync(join(CACHE, d), { recursive: true, force: true });
  } catch {
    /* removed by a concurrent build */
  }
}
console.log(outdir);
