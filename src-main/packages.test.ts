// Each workspace package declares what it depends on and what it offers: its package.json lists the
// packages its source imports (`dependencies`; its tests and scripts may add `devDependencies`), and its
// `exports` names its public entry points, with no wildcard. Every import of a workspace package anywhere
// in the repository goes through one of those entry points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('..', import.meta.url));

interface Manifest {
  name: string;
  exports: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const packages = readdirSync(join(REPO, 'workspaces'))
  .filter((d) => existsSync(join(REPO, 'workspaces', d, 'package.json')))
  .map((d) => ({ dir: join(REPO, 'workspaces', d), manifest: JSON.parse(readFileSync(join(REPO, 'workspaces', d, 'package.json'), 'utf8')) as Manifest }));
const byName = new Map(packages.map((p) => [p.manifest.name, p]));

function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|tsx|mts|mjs|js|cjs)$/.test(name)) out.push(p);
  }
  return out;
}

/** Bare specifiers a file imports (static, dynamic with a literal, re-exports), as TypeScript reads them. */
function imports(file: string): { spec: string; line: number }[] {
  const text = readFileSync(file, 'utf8');
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.filter((f) => !f.fileName.startsWith('.') && !f.fileName.startsWith('/') && !f.fileName.startsWith('node:'))
    .map((f) => ({ spec: f.fileName, line: text.slice(0, f.pos).split('\n').length }));
}

const builtins = new Set(builtinModules);
/** The package a bare specifier names ("@scope/name" or "name"), and the subpath after it. */
function split(spec: string): { pkg: string; sub: string } {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  return { pkg: parts.slice(0, n).join('/'), sub: parts.length > n ? `./${parts.slice(n).join('/')}` : '.' };
}

test('every workspace package exports named entry points only, each an existing file', () => {
  for (const { dir, manifest } of packages) {
    assert.ok(manifest.exports && Object.keys(manifest.exports).length > 0, `${manifest.name} has no exports`);
    for (const [key, target] of Object.entries(manifest.exports)) {
      assert.ok(!key.includes('*') && !target.includes('*'), `${manifest.name} exports a wildcard (${key})`);
      assert.ok(existsSync(join(dir, target)), `${manifest.name} exports ${key} -> ${target}, which does not exist`);
    }
  }
});

test('every import of a workspace package names one of its exports', () => {
  const bad: string[] = [];
  for (const top of ['workspaces', 'src-main', 'src-renderer', 'e2e', 'bench', 'scripts']) {
    for (const file of sources(join(REPO, top))) {
      for (const { spec, line } of imports(file)) {
        const { pkg, sub } = split(spec);
        const target = byName.get(pkg);
        if (target && !(sub in target.manifest.exports)) bad.push(`${relative(REPO, file)}:${line} imports ${spec}, not among ${pkg}'s exports (${Object.keys(target.manifest.exports).join(', ')})`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('every workspace package declares the packages it imports', () => {
  const missing: string[] = [];
  for (const { dir, manifest } of packages) {
    const deps = new Set(Object.keys(manifest.dependencies ?? {}));
    const dev = new Set(Object.keys(manifest.devDependencies ?? {}));
    for (const [part, allowed] of [['src', [deps]], ['test', [deps, dev]], ['scripts', [deps, dev]]] as const) {
      for (const file of sources(join(dir, part))) {
        for (const { spec, line } of imports(file)) {
          const { pkg } = split(spec);
          if (pkg === manifest.name || builtins.has(pkg)) continue;
          if (!allowed.some((s) => s.has(pkg))) missing.push(`${relative(REPO, file)}:${line} imports ${pkg}, which ${manifest.name} does not declare in ${part === 'src' ? 'dependencies' : 'dependencies or devDependencies'}`);
        }
      }
    }
  }
  assert.deepEqual(missing, []);
});
