// The channel over the child's stdio pipes (see channel.ts), for systems without FIFOs (Windows): the
// caller's thread writes a request into shared memory and blocks in Atomics.wait until the I/O thread
// (io-worker.mjs), which owns the child's pipes, has put the reply there. Each request crosses two threads
// and the I/O thread's event loop, which costs tens of microseconds more than the FIFO channel.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ChannelStopped, ChannelTimeout, ChildGoneError, type Channel, type ChannelOptions, type ChildGone } from './channel';

/** The I/O thread's module. A thread that cannot start would leave the caller blocked for good, so it is checked first. */
const IO_WORKER = new URL('./io-worker.mjs', import.meta.url);

const REQ_SEQ = 0;
const REQ_LEN = 1;
const RESP_SEQ = 2;
const RESP_LEN = 3;
const RESP_MORE = 4;
const ACK_SEQ = 5;
const PID = 6;
const CLOSING = 7;

export class RelayChannel implements Channel {
  private readonly ctrl: Int32Array;
  private readonly data: Uint8Array;
  private readonly worker: Worker;
  private readonly onStderr: (text: string) => void;
  private closed = false;

  constructor(opts: ChannelOptions) {
    this.onStderr = opts.onStderr ?? (() => {});
    const ctrl = new SharedArrayBuffer(8 * 4);
    // Requests and reply chunks; replies larger than this arrive in several chunks.
    const data = new SharedArrayBuffer(1 << 20);
    this.ctrl = new Int32Array(ctrl);
    this.data = new Uint8Array(data);
    if (!existsSync(IO_WORKER)) throw new Error(`${fileURLToPath(IO_WORKER)} is missing: the Gymnasium bridge's I/O thread cannot start`);
    this.worker = new Worker(IO_WORKER, {
      workerData: { ctrl, data, stop: opts.stop, command: opts.command, args: opts.args, env: opts.env ?? {} },
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
    const reply = this.exchange(payload, timeoutMs);
    if (reply[0] === 0x58 /* 'X' */) {
      // The child has exited (its pid may already be another process's): only the I/O thread is left to end.
      this.dispose();
      const gone = JSON.parse(new TextDecoder().decode(reply.subarray(1))) as ChildGone & { stopped?: boolean };
      if (gone.stopped) throw new ChannelStopped('the child was stopped (its stop word was set)');
      throw new ChildGoneError(gone);
    }
    // 'P': u32 stderr length, stderr, frame
    const errLen = new DataView(reply.buffer, reply.byteOffset + 1, 4).getUint32(0, true);
    if (errLen > 0) this.onStderr(new TextDecoder().decode(reply.subarray(5, 5 + errLen)));
    return reply.subarray(5 + errLen);
  }

  /** The reply starts with 'P' (stderr then the child's frame) or 'X' (the child is gone). */
  private exchange(payload: Uint8Array, timeoutMs: number): Uint8Array {
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

  close(): void {
    if (this.closed) return;
    Atomics.store(this.ctrl, CLOSING, 1);
    this.data[0] = 0x51; // 'Q'
    Atomics.store(this.ctrl, REQ_LEN, 1);
    Atomics.add(this.ctrl, REQ_SEQ, 1);
    Atomics.notify(this.ctrl, REQ_SEQ);
    this.closed = true;
  }

  dispose(): void {
    this.closed = true;
    void this.worker.terminate();
  }
}
