// `creditlab env list`: built-in ids always; Gymnasium ids exactly when the interpreter imports gymnasium,
// and otherwise the reason, naming the interpreter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../io';
import { main } from '../main';

function memoryIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

test('env list --json: native ids, and Gymnasium ids only when the interpreter has gymnasium', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'creditlab-env-list-'));
  try {
    const io = memoryIO();
    assert.equal(await main(['env', 'list', '--json', '--workspace', ws], io), 0);
    const r = JSON.parse(io.stdout.join('\n')) as { native: { id: string }[]; gymnasium: string[]; python: { ok: boolean; error?: string; gymnasium?: string | null } };
    assert.ok(r.native.some((e) => e.id === 'CartPole-v1') && r.native.some((e) => e.id === 'KeyDoor'));
    if (r.python.ok) assert.ok(r.gymnasium.includes('gymnasium:CartPole-v1'), 'a Python with gymnasium lists its registry');
    else assert.deepEqual(r.gymnasium, []);

    const missing = memoryIO();
    assert.equal(await main(['env', 'list', '--workspace', ws, '--python', '/nonexistent/python3'], missing), 0);
    assert.match(missing.stdout.join('\n'), /Gymnasium ids: unavailable \(\/nonexistent\/python3, from env\.python: "\/nonexistent\/python3" not found\)/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
