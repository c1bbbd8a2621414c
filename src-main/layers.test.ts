// `npm run check:layers` bites: the repository's own rules (.dependency-cruiser.cjs) run on a small tree
// laid out like this repository, in which a workspace package imports the host and the renderer imports
// node:fs; both are reported, and the same files without those imports pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const DEPCRUISE = join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-layers-'));
  files['tsconfig.json'] = JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true } });
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

/** The same command as `npm run check:layers`, with the repository's config, run inside `dir`. */
async function violations(dir: string): Promise<string[]> {
  const r = spawnSync(process.execPath, [DEPCRUISE, 'workspaces', 'src-main', 'src-renderer', '--config', join(REPO, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd: dir, encoding: 'utf8' });
  const out = JSON.parse(r.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

test('a workspace importing src-main and the renderer importing node:fs are both reported', async () => {
  const dir = tree({
    'src-main/host.ts': 'export const host = 1;\n',
    'workspaces/stats/src/index.ts': "import { host } from '../../../src-main/host';\nexport const x = host;\n",
    'src-renderer/src/App.ts': "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n",
    'src-renderer/src/ok.ts': "import type { Shared } from '../../src-main/types';\nexport const z: Shared | null = null;\n",
    'src-main/types.ts': 'export interface Shared { a: number }\n',
  });
  assert.deepEqual(await violations(dir), [
    'renderer-to-node: src-renderer/src/App.ts -> fs',
    'workspace-to-app: workspaces/stats/src/index.ts -> src-main/host.ts',
  ]);
});

test('a workspace package reaching into another one by a relative path is reported', async () => {
  const dir = tree({
    'workspaces/stats/src/index.ts': 'export const x = 1;\n',
    'workspaces/rl/src/index.ts': "import { x } from '../../stats/src/index';\nexport const y = x;\n",
    'src-main/host.ts': 'export const host = 1;\n',
    'src-renderer/src/ok.ts': 'export const z = 1;\n',
  });
  assert.deepEqual(await violations(dir), ['workspace-relative-import: workspaces/rl/src/index.ts -> workspaces/stats/src/index.ts']);
});

test('the same tree without those imports passes (a type-only import of host types is allowed)', async () => {
  const dir = tree({
    'src-main/host.ts': "import { readFileSync } from 'node:fs';\nexport const host = readFileSync;\n",
    'workspaces/stats/src/index.ts': 'export const x = 1;\n',
    'src-renderer/src/ok.ts': "import type { Shared } from '../../src-main/types';\nexport const z: Shared | null = null;\n",
    'src-main/types.ts': 'export interface Shared { a: number }\n',
  });
  assert.deepEqual(await violations(dir), []);
});
