#!/usr/bin/env node
// `npm test`: type-check (each layer with its own lib and types), the import-layer check, then every unit test (node:test through tsx), then the e2e tests in a headless
// Chromium-family browser (e2e/browser.ts says which).
// `--unit` / `--e2e` run one part; extra arguments filter test files by substring.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { rendererStale } from './lib.mjs';
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

// Every process a test starts (the CLI, hosts, benches) creates reward isolates: isolated-vm needs Node's
// startup snapshot off on Node >= 20, as bin/creditlab.mjs's shebang does for users.
const env = { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--no-node-snapshot'].filter(Boolean).join(' ') };

function run(cmd, cmdArgs) {
  console.log(`\n$ ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const match = (f) => filters.length === 0 || filters.some((s) => f.includes(s));
if (!only && filters.length === 0) {
  run('npm', ['run', 'typecheck']);
  run('npm', ['run', 'check:layers']);
}

const unit = [...walk(join(root, 'workspaces')), ...walk(join(root, 'src-main')), ...walk(join(root, 'src-renderer', 'test'))].filter(match).sort();
const e2e = walk(join(root, 'e2e')).filter(match).sort();
let files = only === '--unit' ? unit : only === '--e2e' ? e2e : [...unit, ...e2e];
// Find (and, for the npm-packaged Chromium, unpack) the e2e browser once, before test files run in parallel.
// With none to be had, the browser suites are skipped with one line; e2e/browser.test.ts needs no browser.
const needsBrowser = (f) => e2e.includes(f) && !f.endsWith('browser.test.ts');
if (files.some(needsBrowser)) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'e2e/browser.ts'], { cwd: root, encoding: 'utf8' });
  const found = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)) : { missing: `browser search failed: ${r.stderr.trim()}` };
  if (found.missing) {
    console.log(`\ne2e skipped: ${found.missing}`);
    files = files.filter((f) => !needsBrowser(f));
  } else console.log(`\ne2e browser: ${found.path} (${found.source})`);
}
// The run processes start from bundles of the sources (workspaces/runner/src/bundles.ts): build them once
// here rather than in whichever test files happen to start a pool first.
run(process.execPath, ['scripts/worker-bundles.mjs']);
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
if (files.some(needsBrowser) && rendererStale(root)) {
  run('npm', ['run', 'build']);
}
// A test that leaves a handle open (a poller, a server) must not hang CI: exit once the tests are done,
// and no single test may run longer than 5 minutes.
run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-force-exit', '--test-timeout=300000', ...files]);
