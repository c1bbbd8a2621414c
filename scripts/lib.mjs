// Helpers shared by the npm scripts and `creditlab serve`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time below a folder: is a build older than its sources? */
export function newestMtime(dir) {
  let t = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    t = Math.max(t, name.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Does the renderer need building: dist/renderer missing, or older than a file under src-renderer? */
export function rendererStale(root) {
  const index = join(root, 'dist/renderer/index.html');
  if (!existsSync(index)) return true;
  const sources = join(root, 'src-renderer');
  return existsSync(sources) && newestMtime(sources) > statSync(index).mtimeMs;
}

/** Builds the renderer (`npm run build`); `stdio` as for spawnSync. Returns the exit status. */
export function buildRenderer(root, stdio = 'inherit') {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio, shell: process.platform === 'win32' });
  return r.status ?? 1;
}
