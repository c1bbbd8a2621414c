#!/usr/bin/env node
// `npm test`: type-check, then every unit test (node:test through tsx), then the e2e tests in Chromium.
// `--unit` / `--e2e` run one part; extra arguments filter test files by substring.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { newestMtime } from './lib.mjs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const only = args.find((a) => a === '--unit' || a === '--e2e');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

function run(cmd, cmdArgs) {
  console.log(`\n$ ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const match = (f) => filters.length === 0 || filters.some((s) => f.includes(s));
if (!only && filters.length === 0) run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);

const unit = [...walk(join(root, 'workspaces')), ...walk(join(root, 'src-main'))].filter(match).sort();
const e2e = walk(join(root, 'e2e')).filter(match).sort();
const files = only === '--unit' ? unit : only === '--e2e' ? e2e : [...unit, ...e2e];
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const built = join(root, 'dist/renderer/index.html');
const stale = !existsSync(built) || newestMtime(join(root, 'src-renderer')) > statSync(built).mtimeMs;
if (e2e.some((f) => files.includes(f)) && stale) {
  run('npm', ['run', 'build']);
}
// A test that leaves a handle open (a poller, a server) must not hang CI: exit once the tests are done,
// and no single test may run longer than 5 minutes.
run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-force-exit', '--test-timeout=300000', ...files]);
