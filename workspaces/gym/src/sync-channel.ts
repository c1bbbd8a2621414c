// A child process answered synchronously: the trainer's thread writes a request into shared memory and
// blocks in Atomics.wait until the I/O thread (io-worker.mjs), which owns the child's pipes, has put the
// reply there. Trainers step envs inside synchronous loops, so an env in another process has to look
// like a function call; the wait has a time limit, which is how a hung env fails its run.
import { Worker } from 'node:worker_threads';

const REQ_SEQ = 0;
const REQ_LEN = 1;
const RESP_SEQ = 2;
const RESP_LEN = 3;
const RESP_MORE = 4;
const ACK_SEQ = 5;
const PID = 6;
const CLOSING = 7;

/** The child could not start, or has exited: what is known about it. */
export interface ChildGone {
  spawnError?: string;
  code?: number | null;
  signal?: string | null;
  stderr: string;
}

export class ChannelTimeout extends Error {}

export class ChildGoneError extends Error {
  constructor(readonly gone: ChildGone) {
    super(gone.spawnError ? `could not start: ${gone.spawnError}` : `exited (code ${gone.code}, signal ${gone.signal})`);
  }
}

export interface SyncChannelOptions {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Shared buffer for requests and reply chunks; replies larger than this arrive in several chunks. */
  bufferBytes?: number;
}

export class SyncChannel {
  private readonly ctrl: Int32Array;
  private readonly data: Uint8Array;
  private readonly worker: Worker;
  private closed = false;

  constructor(opts: SyncChannelOptions) {
    const ctrl = new SharedArrayBuffer(8 * 4);
    const data = new SharedArrayBuffer(opts.bufferBytes ?? 1 << 20);
    this.ctrl = new Int32Array(ctrl);
    this.data = new Uint8Array(data);
    this.worker = new Worker(new URL('./io-worker.mjs', import.meta.url), {
      workerData: { ctrl, data, command: opts.command, args: opts.args, env: opts.env ?? {} },
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    // The run's thread may end without closing (a crash): never keep the process alive for this thread.
    this.worker.unref();
    this.worker.on('error', () => {});
  }

  /** The child's pid (0 until it has spawned). */
  get pid(): number {
    return Atomics.load(this.ctrl, PID);
  }

  /**
   * Sends one request and blocks until its whole reply is in, or `timeoutMs` passes (ChannelTimeout).
   * The reply starts with 'P' (stderr then the child's frame) or 'X' (the child is gone).
   */
  request(payload: Uint8Array, timeoutMs: number): Uint8Array {
    if (this.closed) throw new Error('channel closed');
    if (payload.length > this.data.length) throw new Error(`request of ${payload.length} bytes exceeds the channel buffer`);
    this.data.set(payload, 0);
    Atomics.store(this.ctrl, REQ_LEN, payload.length);
    let seen = Atomics.load(this.ctrl, RESP_SEQ);
    Atomics.add(this.ctrl, REQ_SEQ, 1);
    Atomics.notify(this.ctrl, REQ_SEQ);
    const deadline = performance.now() + timeoutMs;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      while (Atomics.load(this.ctrl, RESP_SEQ) === seen) {
        const left = deadline - performance.now();
        if (left <= 0) throw new ChannelTimeout(`no reply within ${timeoutMs} ms`);
        Atomics.wait(this.ctrl, RESP_SEQ, seen, left);
      }
      seen = Atomics.load(this.ctrl, RESP_SEQ);
      const n = Atomics.load(this.ctrl, RESP_LEN);
      const more = Atomics.load(this.ctrl, RESP_MORE) === 1;
      parts.push(this.data.slice(0, n));
      total += n;
      Atomics.add(this.ctrl, ACK_SEQ, 1);
      Atomics.notify(this.ctrl, ACK_SEQ);
      if (!more) break;
    }
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Kills the child at once (a hung env); the I/O thread reaps it and ends. */
  kill(): void {
    this.closed = true;
    Atomics.store(this.ctrl, CLOSING, 1);
    const pid = this.pid;
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    } else this.dispose();
  }

  /** Asks the child to quit (its stdin and lifeline close; it is killed if it has not exited 5 s later). */
  close(): void {
    if (this.closed) return;
    Atomics.store(this.ctrl, CLOSING, 1);
    this.data[0] = 0x51; // 'Q'
    Atomics.store(this.ctrl, REQ_LEN, 1);
    Atomics.add(this.ctrl, REQ_SEQ, 1);
    Atomics.notify(this.ctrl, REQ_SEQ);
    this.closed = true;
  }

  private dispose(): void {
    this.closed = true;
    void this.worker.terminate();
  }
}
