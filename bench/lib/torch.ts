// Finds (or installs) the PyTorch the reference scripts run on: Debian's python3-torch under /usr/bin/python3.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

const hasTorch = () => spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/**
 * Returns null when `import torch` works (installing python3-torch with apt first if it does not), else why
 * the reference cannot run. Progress goes to stderr so `--json` stdout stays one object per line.
 */
export function ensureTorch(log: (m: string) => void): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  if (hasTorch()) return null;
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) return 'torch is not importable and apt-get is unavailable';
  log(`bench: ${PYTHON} cannot import torch; running: apt-get install -y python3-torch`);
  // apt's own output goes to our stderr: on stdout it would break `--json`'s one-object-per-line.
  const r = spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) return `apt-get install -y python3-torch failed (exit ${r.status})`;
  log('bench: python3-torch installed');
  return hasTorch() ? null : 'python3-torch installed but torch still does not import';
}
