// The supervising half of the FIFO channel (fifo-channel.ts): this thread starts the child, learns how it
// ended, enforces the per-request time limit, kills the child when its run is stopped (the stop word, set
// by another thread: the trainer's own thread may be blocked in a read) and makes a quit stick. It never touches the request or reply
// bytes; the trainer's thread reads and writes the FIFOs itself. A blocking read on a FIFO cannot time out,
// so when the child dies (or is killed here for running over its limit) this thread writes a "gone" marker
// into the reply FIFO, which wakes the blocked reader. Plain JavaScript with no imports but Node's, so it
// starts without the TypeScript loader.
//
// Shared control words (Int32Array over workerData.ctrl), see fifo-channel.ts.
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const SEQ = 0, IN_FLIGHT = 1, TIMEOUT_MS = 2, PID = 3, GONE = 4, TIMED_OUT = 5, CLOSING = 6, KILL = 7, GONE_LEN = 8, STOPPED = 10;
const GONE_MARK = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const QUIT_GRACE_MS = 5000;

const ctrl = new Int32Array(workerData.ctrl);
const goneBytes = new Uint8Array(workerData.gone);
const stop = workerData.stop ? new Int32Array(workerData.stop) : null;
const { reqFd, reqWriteFd, respFd, errFd } = workerData;
let exited = false;
let watchedSeq = -1;
let watchedSince = 0;
let quitting = false;

const child = spawn(workerData.command, workerData.args, {
  env: { ...process.env, ...workerData.env, CREDITLAB_LIFELINE_FD: '3' },
  stdio: [reqFd, respFd, errFd, 'pipe'],
  windowsHide: true,
});
const lifeline = child.stdio[3];
lifeline?.on('error', () => {});
child.on('spawn', () => {
  Atomics.store(ctrl, PID, child.pid ?? 0);
  if (Atomics.load(ctrl, KILL) === 1) child.kill('SIGKILL');
});
child.on('error', (e) => gone({ spawnError: e.code ?? String(e.message) }));
child.on('exit', (code, signal) => gone({ code, signal }));

function gone(info) {
  if (exited) return;
  exited = true;
  const text = Buffer.from(JSON.stringify(info));
  const n = Math.min(text.length, goneBytes.length);
  goneBytes.set(text.subarray(0, n), 0);
  Atomics.store(ctrl, GONE_LEN, n);
  Atomics.store(ctrl, GONE, 1);
  // The trainer sets IN_FLIGHT before it checks GONE, and this thread sets GONE before it checks
  // IN_FLIGHT: a request is either refused up front or woken by the marker.
  if (Atomics.load(ctrl, IN_FLIGHT) === 1) writeSync(respFd, GONE_MARK);
  tick();
}

function finish() {
  clearInterval(timer);
  for (const fd of [reqFd, reqWriteFd, respFd, errFd]) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
  process.exit(0);
}

function tick() {
  const closing = Atomics.load(ctrl, CLOSING) === 1;
  if (exited) {
    if (closing) finish();
    return;
  }
  if (Atomics.load(ctrl, KILL) === 1) {
    child.kill('SIGKILL');
    return;
  }
  if (stop && Atomics.load(stop, 0) !== 0) {
    // Recorded before the kill, so the woken reader reports a stop, not a crash.
    Atomics.store(ctrl, STOPPED, 1);
    child.kill('SIGKILL');
    return;
  }
  if (closing && !quitting) {
    quitting = true;
    lifeline?.end();
    setTimeout(() => child.kill('SIGKILL'), QUIT_GRACE_MS).unref();
  }
  // The time limit: a request still in flight with the same number for longer than its limit. It is
  // first seen here up to one tick after it started, so a request is never stopped before its limit.
  const seq = Atomics.load(ctrl, SEQ);
  if (Atomics.load(ctrl, IN_FLIGHT) !== 1) return;
  const now = Date.now();
  if (seq !== watchedSeq) {
    watchedSeq = seq;
    watchedSince = now;
  } else if (now - watchedSince > Atomics.load(ctrl, TIMEOUT_MS)) {
    Atomics.store(ctrl, TIMED_OUT, 1);
    child.kill('SIGKILL');
  }
}

const timer = setInterval(tick, workerData.tickMs ?? 50);
