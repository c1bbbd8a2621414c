// `creditlab serve` builds a missing renderer before serving instead of answering "not built".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rendererStale } from '../../../scripts/lib.mjs';
import type { CliIO } from '../io';
import { serveCommand } from './serve';

const dir = mkdtempSync(join(tmpdir(), 'creditlab-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function memoryIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** Serves until `fetch('/')` has answered; returns the status, body and what serve said. */
async function serveOnce(name: string, build: () => number, stale = () => true) {
  const rendererDir = join(dir, name, 'renderer');
  const io = memoryIO();
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  let answer: { status: number; body: string } | undefined;
  const code = await serveCommand(['--port', '0', '--workspace', join(dir, name, 'ws'), '--workers', '1'], io, {
    rendererDir,
    stale,
    build: () => build.call({ rendererDir }),
    stop: stopped,
    onListening: (url) => {
      // The printed URL carries the host's token; send it as a header (fetch keeps no cookies across the redirect).
      const u = new URL(url);
      void fetch(u.origin + '/', { headers: { authorization: `token ${u.searchParams.get('token')}` } }).then(async (r) => {
        answer = { status: r.status, body: await r.text() };
        stop();
      }, stop);
    },
  });
  return { code, ...answer!, io, rendererDir };
}

test('a missing renderer is built before serving, and the page is served', async () => {
  let builds = 0;
  const rendererDir = join(dir, 'fresh', 'renderer');
  const r = await serveOnce('fresh', () => {
    builds++;
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>built by the test</title>');
    return 0;
  });
  assert.equal(r.code, 0);
  assert.equal(builds, 1);
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /built by the test/);
  assert.match(r.io.stderr.join('\n'), /the renderer is not built yet: building it/);
  assert.match(r.io.stdout.at(-1)!, /^Creditlab is served at http:\/\/127\.0\.0\.1:\d+/);
});

test('an up-to-date renderer is not rebuilt', async () => {
  let builds = 0;
  const r = await serveOnce('built', () => ++builds, () => false);
  assert.equal(builds, 0);
  assert.deepEqual(r.io.stderr, []);
});

test('a failed build is said plainly and the API is still served', async () => {
  const r = await serveOnce('broken', () => 3);
  assert.equal(r.code, 0);
  assert.match(r.io.stderr.join('\n'), /building the renderer failed \(exit 3\)/);
  assert.equal(r.status, 503);
});

test('rendererStale: missing build, build older than a source, build newer than every source', () => {
  const root = join(dir, 'repo');
  mkdirSync(join(root, 'src-renderer', 'src'), { recursive: true });
  writeFileSync(join(root, 'src-renderer', 'src', 'App.tsx'), 'x');
  assert.equal(rendererStale(root), true);
  mkdirSync(join(root, 'dist', 'renderer'), { recursive: true });
  const index = join(root, 'dist', 'renderer', 'index.html');
  writeFileSync(index, 'x');
  const past = new Date(Date.now() - 60_000);
  utimesSync(index, past, past);
  assert.equal(rendererStale(root), true);
  const future = new Date(Date.now() + 60_000);
  utimesSync(index, future, future);
  assert.equal(rendererStale(root), false);
});
