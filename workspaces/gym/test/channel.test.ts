// The synchronous child-process channels (src/channel.ts) with tiny Python children (no numpy needed):
// requests and replies larger than a pipe holds, a child that is gone before a large request, and a
// child that writes something other than frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ChildGoneError, openChannel } from '../src/channel';
import { resolvePython } from '../src/bridge';

const PY = resolvePython().python;
const noPython = spawnSync(PY, ['-c', 'pass'], { stdio: 'ignore' }).status === 0 ? false : `skipped: no Python at ${PY}`;
const TRANSPORTS = process.platform === 'win32' ? (['relay'] as const) : (['fifo', 'relay'] as const);

// Replies to each frame with the same bytes reversed, until a 'Q'.
const ECHO = `
import os, struct
def read(n):
    b = b""
    while len(b) < n:
        c = os.read(0, n - len(b))
        if not c: raise SystemExit(0)
        b += c
    return b
while True:
    (n,) = struct.unpack("<I", read(4))
    p = read(n)
    if p == b"Q": break
    out = struct.pack("<I", n) + p[::-1]
    while out: out = out[os.write(1, out):]
`;

for (const transport of TRANSPORTS) {
  test(`channel (${transport}): requests and replies of 1 MB, larger than a pipe holds`, { skip: noPython }, () => {
    const ch = openChannel({ command: PY, args: ['-c', ECHO], transport });
    try {
      for (const size of [1, 70_000, 1 << 20]) {
        const req = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
        const reply = ch.request(req, 60_000);
        assert.equal(reply.length, size);
        assert.deepEqual(reply, req.slice().reverse());
      }
    } finally {
      ch.close();
    }
  });

  test(`channel (${transport}): a child that has exited fails a large request with its exit, instead of blocking`, { skip: noPython }, () => {
    const ch = openChannel({ command: PY, args: ['-c', 'import sys; sys.stderr.write("bye\\n"); sys.exit(3)'], transport });
    assert.throws(
      () => ch.request(new Uint8Array(1 << 20), 60_000),
      (e: unknown) => e instanceof ChildGoneError && e.gone.code === 3 && e.gone.stderr.includes('bye'),
    );
  });
}

test('channel (fifo): a child writing something other than frames is an error, not a huge allocation', { skip: noPython || process.platform === 'win32' }, () => {
  const ch = openChannel({ command: PY, args: ['-c', 'import os, time; os.read(0, 100); os.write(1, b"Hello, this is not a frame"); time.sleep(60)'], transport: 'fifo' });
  assert.throws(() => ch.request(Uint8Array.of(1), 60_000), /the child wrote Hell.* where a reply frame was expected/);
});
