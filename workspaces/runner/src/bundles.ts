// Which files the run and scoring processes start from. From a checkout (the CLI, `creditlab serve`,
// the tests) they start from bundles of the TypeScript sources (scripts/worker-bundles.mjs), rebuilt
// whenever a file they were built from changed, so edited code always runs; a process then loads one
// CJS file instead of registering tsx and compiling every module, a cost paid at every run's start and,
// with several workers, on the cores the other runs are training on.
// CREDITLAB_WORKER_RUNTIME=tsx starts the TypeScript through tsx instead, as before bundles existed.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BundleName = 'run-process' | 'score-process';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'creditlab-workers');
const BUILDER = join(ROOT, 'scripts', 'worker-bundles.mjs');

/** The bundles' folder in `cache` when every file under `root` they were built from is unchanged, else null. */
export function freshDir(root = ROOT, cache = CACHE): string | null {
  try {
    const { id } = JSON.parse(readFileSync(join(cache, 'current.json'), 'utf8')) as { id: string };
    const dir = join(cache, id);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { node: string; inputs: Record<string, [number, number]> };
    if (manifest.node !== process.version) return null;
    for (const [rel, [size, mtime]] of Object.entries(manifest.inputs)) {
      const s = statSync(join(root, rel));
      if (s.size !== size || s.mtimeMs !== mtime) return null;
    }
    return dir;
  } catch {
    return null;
  }
}

let warned = false;

/**
 * The file to fork for `name`: its bundle (built first if missing or stale), or null where the caller
 * should start the tsx entry — when asked to, inside Electron (which ships its own bundles), or when the
 * bundles cannot be built (the tsx entry then reports the same source error a run would).
 */
export function bundleFor(name: BundleName): string | null {
  if (process.env.CREDITLAB_WORKER_RUNTIME === 'tsx' || process.versions.electron) return null;
  let dir = freshDir();
  if (!dir) {
    const r = spawnSync(process.execPath, [BUILDER], { cwd: ROOT, encoding: 'utf8' });
    dir = r.status === 0 ? freshDir() : null;
    if (!dir && !warned) {
      warned = true;
      process.emitWarning(`could not bundle the run processes (${(r.stderr || r.error?.message || 'unknown error').trim().split('\n')[0]}); starting them through tsx`);
    }
  }
  return dir ? join(dir, `${name}.cjs`) : null;
}
