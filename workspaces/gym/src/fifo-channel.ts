// The channel over two FIFOs (see channel.ts): the caller's thread writes each request into one and
// blocks in a plain read of the other, so a vector step costs two pipe writes and two wake-ups, with no
// thread in between. A small supervising thread (fifo-supervisor.mjs) starts the child, records how it
// ended, kills it when a request runs over its time limit, and then wakes the blocked read with a marker.
// The FIFOs are unlinked as soon as both ends are open, so nothing is left on disk, even after kill -9;
// the child's stderr goes to an unlinked file that is read after each reply.
import { execFileSync } from 'node:child_process';
import { constants, existsSync, fstatSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ChannelStopped, ChannelTimeout, ChildGoneError, type Channel, type ChannelOptions, type ChildGone } from './channel';

/** The supervising thread's module. A thread that cannot start would leave the caller blocked for good, so it is checked first. */
const SUPERVISOR = new URL('./fifo-supervisor.mjs', import.meta.url);

// Shared control words, see fifo-supervisor.mjs.
const SEQ = 0;
const IN_FLIGHT = 1;
const TIMEOUT_MS = 2;
const PID = 3;
const GONE = 4;
const TIMED_OUT = 5;
const CLOSING = 6;
const KILL = 7;
const GONE_LEN = 8;
const NAP = 9; // never written: Atomics.wait on it is a sleep
const STOPPED = 10;
const GONE_MARK = 0xffffffff;
const STDERR_KEEP = 64 * 1024;
/** The stderr file is emptied past this size, between requests (the child writes only while it works). */
const STDERR_ROTATE = 1 << 20;
/** No bridge frame is this large: a child that writes other things to stdout is not speaking the protocol. */
const MAX_FRAME = 1 << 28;

/** `mkfifo` is not available here: use the relay. */
export class FifoUnavailable extends Error {}

export class FifoChannel implements Channel {
  private readonly ctrl: Int32Array;
  private readonly goneBytes: Uint8Array;
  private readonly reqFd: number;
  /** The same FIFO, write-only and non-blocking: a full pipe to a child that died cannot block a write. */
  private readonly reqWriteFd: number;
  private readonly respFd: number;
  private readonly errFd: number;
  private readonly worker: Worker;
  private readonly onStderr: (text: string) => void;
  private buf = Buffer.alloc(1 << 16);
  private errBuf: Buffer | undefined;
  private errPos = 0;
  private readonly errText = new StringDecoder('utf8');
  private stderrTail = '';
  private closed = false;

  constructor(opts: ChannelOptions) {
    this.onStderr = opts.onStderr ?? (() => {});
    if (!existsSync(SUPERVISOR)) throw new Error(`${fileURLToPath(SUPERVISOR)} is missing: the Gymnasium bridge's supervising thread cannot start`);
    const dir = mkdtempSync(join(tmpdir(), 'creditlab-bridge-'));
    try {
      const req = join(dir, 'req');
      const resp = join(dir, 'resp');
      try {
        execFileSync('mkfifo', ['-m', '600', req, resp], { stdio: 'ignore' });
      } catch (e) {
        throw new FifoUnavailable(`mkfifo failed: ${(e as Error).message}`);
      }
      // Read-write opens of a FIFO do not wait for the other end (Linux, macOS, the BSDs), and a reader
      // that also holds a write end never sees end-of-file: the supervisor's marker reports the child's end.
      this.reqFd = openSync(req, constants.O_RDWR);
      this.reqWriteFd = openSync(req, constants.O_WRONLY | constants.O_NONBLOCK);
      this.respFd = openSync(resp, constants.O_RDWR);
      this.errFd = openSync(join(dir, 'stderr'), constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const ctrl = new SharedArrayBuffer(16 * 4);
    const gone = new SharedArrayBuffer(4096);
    this.ctrl = new Int32Array(ctrl);
    this.goneBytes = new Uint8Array(gone);
    this.worker = new Worker(SUPERVISOR, {
      workerData: { ctrl, gone, stop: opts.stop, command: opts.command, args: opts.args, env: opts.env ?? {}, reqFd: this.reqFd, reqWriteFd: this.reqWriteFd, respFd: this.respFd, errFd: this.errFd },
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    // The run's thread may end without closing (a crash): never keep the process alive for this thread.
    this.worker.unref();
    this.worker.on('error', () => {});
  }

  get pid(): number {
    return Atomics.load(this.ctrl, PID);
  }

  request(payload: Uint8Array, timeoutMs: number): Uint8Array {
    if (this.closed) throw new Error('channel closed');
    const c = this.ctrl;
    Atomics.store(c, TIMEOUT_MS, Math.min(timeoutMs, 0x7fffffff));
    Atomics.add(c, SEQ, 1);
    Atomics.store(c, IN_FLIGHT, 1);
    try {
      if (Atomics.load(c, GONE) === 1) throw this.goneError();
      this.send(payload);
      let got = 0;
      let need = 4;
      for (;;) {
        got += readSync(this.respFd, this.buf, got, this.buf.length - got, null);
        if (Atomics.load(c, GONE) === 1) {
          // A complete reply written just before the child exited still counts.
          if (got >= 4 && this.buf.readUInt32LE(0) !== GONE_MARK && got >= 4 + this.buf.readUInt32LE(0)) break;
          throw this.goneError();
        }
        if (got < 4) continue;
        need = 4 + this.buf.readUInt32LE(0);
        if (need > MAX_FRAME) {
          this.kill();
          throw new Error(`the child wrote ${this.buf.subarray(0, Math.min(got, 40)).toString('latin1')}… where a reply frame was expected`);
        }
        if (need > this.buf.length) {
          const bigger = Buffer.alloc(Math.max(need, this.buf.length * 2));
          this.buf.copy(bigger, 0, 0, got);
          this.buf = bigger;
        }
        if (got >= need) break;
      }
      need = 4 + this.buf.readUInt32LE(0);
      const frame = new Uint8Array(need - 4);
      frame.set(this.buf.subarray(4, need));
      this.drainStderr();
      return frame;
    } finally {
      Atomics.store(c, IN_FLIGHT, 0);
    }
  }

  kill(): void {
    this.closed = true;
    Atomics.store(this.ctrl, KILL, 1);
    Atomics.store(this.ctrl, CLOSING, 1);
    const pid = this.pid;
    // Once the child has exited (and been reaped) its pid may belong to another process.
    if (pid > 0 && Atomics.load(this.ctrl, GONE) !== 1) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (Atomics.load(this.ctrl, GONE) !== 1) this.send(Uint8Array.of(0x51)); // 'Q'
    } catch {
      // gone meanwhile: nothing to ask
    }
    Atomics.store(this.ctrl, CLOSING, 1);
  }

  dispose(): void {
    this.closed = true;
    void this.worker.terminate();
  }

  private send(payload: Uint8Array): void {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(payload.length, 0);
    const all = Buffer.concat([head, payload]);
    for (let at = 0; at < all.length; ) {
      try {
        at += writeSync(this.reqWriteFd, all, at, all.length - at);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        // A request larger than the pipe holds: wait for the child to read, unless it is gone.
        if (Atomics.load(this.ctrl, GONE) === 1) throw this.goneError();
        Atomics.wait(this.ctrl, NAP, 0, 1);
      }
    }
  }

  private drainStderr(): string {
    let text = '';
    for (;;) {
      this.errBuf ??= Buffer.alloc(1 << 14);
      const n = readSync(this.errFd, this.errBuf, 0, this.errBuf.length, this.errPos);
      if (n === 0) break;
      this.errPos += n;
      text += this.errText.write(this.errBuf.subarray(0, n));
    }
    if (this.errPos > STDERR_ROTATE && fstatSync(this.errFd).size === this.errPos) {
      ftruncateSync(this.errFd, 0);
      this.errPos = 0;
    }
    if (text) {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_KEEP);
      this.onStderr(text);
    }
    return text;
  }

  private goneError(): Error {
    this.drainStderr();
    this.closed = true;
    if (Atomics.load(this.ctrl, STOPPED) === 1) {
      Atomics.store(this.ctrl, CLOSING, 1);
      return new ChannelStopped('the child was stopped (its stop word was set)');
    }
    if (Atomics.load(this.ctrl, TIMED_OUT) === 1) return new ChannelTimeout('no reply within the time limit');
    let info: Omit<ChildGone, 'stderr'> = {};
    try {
      info = JSON.parse(new TextDecoder().decode(this.goneBytes.slice(0, Atomics.load(this.ctrl, GONE_LEN)))) as typeof info;
    } catch {
      // keep what is known: it is gone
    }
    Atomics.store(this.ctrl, CLOSING, 1);
    return new ChildGoneError({ ...info, stderr: this.stderrTail });
  }
}
