// Helpers shared by the npm scripts.
import { readdirSync, statSync } from 'node:fs';
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
