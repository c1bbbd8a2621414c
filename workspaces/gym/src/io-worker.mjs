// The asynchronous half of a synchronous child-process channel (relay-channel.ts): this thread owns the
// child's pipes, so the trainer's thread can block in Atomics.wait while a request is answered.
// Plain JavaScript with no imports but Node's, so it starts without the TypeScript loader.
//
// Shared control words (Int32Array over workerData.ctrl), see relay-channel.ts:
//   REQ_SEQ, REQ_LEN        the trainer bumps REQ_SEQ after writing a request of REQ_LEN bytes into data
//   RESP_SEQ, RESP_LEN, RESP_MORE   this thread bumps RESP_SEQ after writing a chunk of RESP_LEN bytes;
//                           RESP_MORE = 1 while more chunks of the same response follow
//   ACK_SEQ                 the trainer bumps it once it has copied a chunk out
//   PID                     the child's pid once spawned
//   CLOSING                 set by the trainer when it is done: this thread ends once the child has exited
// workerData.stop (optional): an Int32 word another thread sets to end the child at once (a cancelled run).
// A response is a 'P' chunk stream carrying [u32 stderr length][stderr][child frame], or one 'X' JSON
// message when the child could not start or has exited ({"spawnError", "code", "signal", "stopped", "stderr"}).
import { spawn } from 'node:child_process';
import { workerData } from 'node:worker_threads';

const REQ_SEQ = 0, REQ_LEN = 1, RESP_SEQ = 2, RESP_LEN = 3, RESP_MORE = 4, ACK_SEQ = 5, PID = 6, CLOSING = 7;
const STDERR_KEEP = 64 * 1024;
const STOP_POLL_MS = 50;

const ctrl = new Int32Array(workerData.ctrl);
const data = new Uint8Array(workerData.data);
let stderrAll = '';
let stderrNew = '';
let exitInfo = null;
let pending = null; // resolves with the next frame, or null when the child is gone
let chunks = [];
let buffered = 0;

const child = spawn(workerData.command, workerData.args, {
  env: { ...process.env, ...workerData.env, CREDITLAB_LIFELINE_FD: '3' },
  stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  windowsHide: true,
});
child.on('spawn', () => Atomics.store(ctrl, PID, child.pid ?? 0));
child.on('error', (e) => gone({ spawnError: e.code ?? String(e.message) }));
child.on('exit', (code, signal) => {
  gone({ code, signal });
  // The child is reaped by now; a thread nobody will ask anything again ends here.
  if (Atomics.load(ctrl, CLOSING) === 1) setImmediate(() => process.exit(0));
});
// The trainer may be blocked in Atomics.wait on a reply that never comes: a stop is acted on here.
let stopped = false;
const stopWord = workerData.stop ? new Int32Array(workerData.stop) : null;
const stopWatch = stopWord
  ? setInterval(() => {
      if (exitInfo || Atomics.load(stopWord, 0) === 0) return;
      stopped = true;
      clearInterval(stopWatch);
      child.kill('SIGKILL');
    }, STOP_POLL_MS)
  : null;
stopWatch?.unref();
child.stdin.on('error', () => {});
child.stdio[3].on('error', () => {});
child.stderr.setEncoding('utf8');
child.stderr.on('data', (s) => {
  stderrNew += s;
  stderrAll = (stderrAll + s).slice(-STDERR_KEEP);
});
child.stdout.on('data', (b) => {
  chunks.push(b);
  buffered += b.length;
  tryFrame();
});

function gone(info) {
  if (exitInfo) return;
  if (stopWatch) clearInterval(stopWatch);
  exitInfo = stopped ? { ...info, stopped: true } : info;
  // Lets the stderr pipe drain so the report carries the child's last words.
  setTimeout(() => {
    if (pending) {
      const p = pending;
      pending = null;
      p(null);
    }
  }, 50);
}

function tryFrame() {
  if (buffered < 4 || !pending) return;
  const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  chunks = [all];
  const len = all.readUInt32LE(0);
  if (all.length < 4 + len) return;
  const frame = all.subarray(4, 4 + len);
  const rest = all.subarray(4 + len);
  chunks = rest.length ? [rest] : [];
  buffered = rest.length;
  const p = pending;
  pending = null;
  p(frame);
}

const nextFrame = () =>
  new Promise((resolve) => {
    if (exitInfo) return resolve(null);
    pending = resolve;
    tryFrame();
  });

async function waitChange(index, seen) {
  for (;;) {
    const r = Atomics.waitAsync(ctrl, index, seen);
    if (r.async) await r.value;
    if (Atomics.load(ctrl, index) !== seen) return Atomics.load(ctrl, index);
  }
}

async function deliver(bytes) {
  let at = 0;
  do {
    const n = Math.min(data.length, bytes.length - at);
    data.set(bytes.subarray(at, at + n), 0);
    at += n;
    const ack = Atomics.load(ctrl, ACK_SEQ);
    Atomics.store(ctrl, RESP_LEN, n);
    Atomics.store(ctrl, RESP_MORE, at < bytes.length ? 1 : 0);
    Atomics.add(ctrl, RESP_SEQ, 1);
    Atomics.notify(ctrl, RESP_SEQ);
    await waitChange(ACK_SEQ, ack);
  } while (at < bytes.length);
}

function failure() {
  const info = { ...exitInfo, stderr: stderrAll };
  return Buffer.concat([Buffer.from('X'), Buffer.from(JSON.stringify(info))]);
}

async function serve() {
  let seen = 0;
  for (;;) {
    seen = await waitChange(REQ_SEQ, seen);
    const len = Atomics.load(ctrl, REQ_LEN);
    const req = Buffer.from(data.subarray(0, len));
    const quit = req[0] === 0x51; // 'Q'
    if (quit && exitInfo) process.exit(0);
    if (exitInfo) {
      await deliver(failure());
      continue;
    }
    const head = Buffer.alloc(4);
    head.writeUInt32LE(len, 0);
    child.stdin.write(Buffer.concat([head, req]));
    if (quit) {
      child.stdin.end();
      child.stdio[3].end();
      // A child that ignores the quit is stopped; either way this thread ends with it.
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(t);
        process.exit(0);
      });
      return;
    }
    const frame = await nextFrame();
    if (!frame) {
      await deliver(failure());
      continue;
    }
    const err = Buffer.from(stderrNew, 'utf8');
    stderrNew = '';
    const head2 = Buffer.alloc(5);
    head2[0] = 0x50; // 'P'
    head2.writeUInt32LE(err.length, 1);
    await deliver(Buffer.concat([head2, err, frame]));
  }
}

void serve();
