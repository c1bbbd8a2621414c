// Whether Electron's binary is installed. Its npm package installs without the binary here
// (install scripts that download are not allowed), and then `npm start` serves the web UI instead.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function detectElectron(): { installed: boolean; path?: string; reason?: string } {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { installed: false, reason: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { installed: false, reason: 'Electron binary not installed (its download step did not run)' };
  const bin = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(bin)) return { installed: false, reason: `Electron binary missing at ${bin}` };
  return { installed: true, path: bin };
}
