// A child process answered synchronously: a trainer steps its envs inside synchronous loops, so an env
// in another process has to look like a function call, with a time limit (how a hung env fails its run).
// Two transports share this interface: FIFOs read and written by the caller's own thread where the OS
// has them (fifo-channel.ts), else the child's stdio pipes relayed by an I/O thread (relay-channel.ts).
import { FifoChannel, FifoUnavailable } from './fifo-channel';
import { RelayChannel } from './relay-channel';

/** The child could not start, or has exited: what is known about it. */
export interface ChildGone {
  spawnError?: string;
  code?: number | null;
  signal?: string | null;
  stderr: string;
}

export class ChannelTimeout extends Error {}

/** The child was killed because the `stop` word was set (see ChannelOptions.stop). */
export class ChannelStopped extends Error {}

export class ChildGoneError extends Error {
  constructor(readonly gone: ChildGone) {
    super(gone.spawnError ? `could not start: ${gone.spawnError}` : `exited (code ${gone.code}, signal ${gone.signal})`);
  }
}

export interface ChannelOptions {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** What the child writes to stderr, as it arrives (at the latest with the next reply). */
  onStderr?: (text: string) => void;
  /** Forces a transport (tests); by default FIFOs where `mkfifo` works, else the relay. */
  transport?: 'fifo' | 'relay';
  /**
   * An Int32 word (index 0) another thread sets to non-zero to end the child at once: the channel's helper
   * thread kills it, and a request blocked on it, or made afterwards, throws ChannelStopped. The caller's
   * own thread may be the one blocked in a request, so only a helper thread can act on a cancel.
   */
  stop?: SharedArrayBuffer;
}

export interface Channel {
  /** The child's pid (0 until it has spawned). */
  readonly pid: number;
  /**
   * Sends one frame (the length prefix is added here) and blocks until the child's whole reply frame is
   * in (returned without its prefix); throws ChannelTimeout after `timeoutMs`, ChildGoneError if the
   * child could not start or has exited.
   */
  request(payload: Uint8Array, timeoutMs: number): Uint8Array;
  /** Kills the child at once (a hung env). */
  kill(): void;
  /** Asks the child to quit (sends 'Q'; it is killed if it has not exited 5 s later). */
  close(): void;
  /** Drops the helper thread at once, as a dying host would (tests: the child must notice and exit). */
  dispose(): void;
}

let fifoMissing = false;

export function openChannel(opts: ChannelOptions): Channel {
  const transport = opts.transport ?? (process.platform === 'win32' || fifoMissing ? 'relay' : 'fifo');
  if (transport === 'relay') return new RelayChannel(opts);
  try {
    return new FifoChannel(opts);
  } catch (e) {
    if (!(e instanceof FifoUnavailable) || opts.transport) throw e;
    fifoMissing = true;
    return new RelayChannel(opts);
  }
}
