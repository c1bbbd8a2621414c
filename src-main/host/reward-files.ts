// Reading a reward file named in a spec (`"reward": {"file": "…"}`). A spec can arrive over the web API,
// so the name is untrusted: it is resolved against the spec's folder and, after following symlinks, must
// stay inside that folder or the workspace (or be a file the user picked in a dialog). Only regular files
// of at most 1 MB are read; a FIFO or device is refused before anything blocks on it. Error messages name
// the rule broken, never any of the file's content (resolve adds the path and the spec's JSON path).
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { validateExperiment } from '@creditlab/spec';

export const MAX_REWARD_FILE = 1024 * 1024;

export interface RewardFilePolicy {
  /** Relative names are resolved here; files inside it are allowed. */
  specDir: string;
  /** Further folders whose files are allowed (the workspace). */
  roots: string[];
  /** Exact files the user chose in a dialog (Electron), allowed wherever they are. */
  picked?: ReadonlySet<string>;
}

export interface RewardSource {
  filename: string;
  code: string;
}

const inside = (root: string, p: string) => {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

// Opening without blocking: a FIFO with no writer would otherwise hang the opener (and the web host's event
// loop with it). Windows has neither flag and no FIFOs to open by path.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

function describe(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkKind(s: Stats): void {
  if (!s.isFile()) throw new Error(`it is ${describe(s)}; a reward file must be a regular file`);
  if (s.size > MAX_REWARD_FILE) throw new Error(`it is ${Math.ceil(s.size / 1024)} KB; a reward file may be at most 1 MB`);
}

function allowedPlaces(policy: RewardFilePolicy, realRoots: string[]): string {
  return `the spec's folder (${policy.specDir})${realRoots.length > 1 ? ` or the workspace (${policy.roots.join(', ')})` : ''}`;
}

function checkPlace(real: string, policy: RewardFilePolicy, realRoots: string[]): void {
  if (policy.picked?.has(real)) return;
  if (!realRoots.some((r) => inside(r, real))) {
    throw new Error(`it is outside ${allowedPlaces(policy, realRoots)}, the only places reward files are read from`);
  }
}

const realOr = (p: string, real: (p: string) => string) => {
  try {
    return real(p);
  } catch {
    return resolve(p);
  }
};

function notFound(e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error('no such file');
  if (code === 'EACCES' || code === 'EPERM') return new Error('permission denied');
  if (code === 'ELOOP') return new Error('it changed into a symbolic link while being opened');
  // Other errno messages carry the path and the call, never content.
  return new Error(code ?? 'unreadable');
}

const decode = (buf: Buffer): string => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new Error('it is not UTF-8 text');
  }
};

/** Reads one reward file under `policy`, asynchronously (what the web and desktop hosts use). */
export async function readRewardFile(p: string, policy: RewardFilePolicy): Promise<RewardSource> {
  const full = resolve(policy.specDir, p);
  const realRoots = await Promise.all([policy.specDir, ...policy.roots].map((r) => realpath(r).catch(() => resolve(r))));
  let real: string;
  try {
    real = await realpath(full);
  } catch (e) {
    throw notFound(e);
  }
  checkPlace(real, policy, realRoots);
  let before: Stats;
  try {
    before = await stat(real);
  } catch (e) {
    throw notFound(e);
  }
  checkKind(before);
  let fh;
  try {
    fh = await open(real, OPEN_FLAGS);
  } catch (e) {
    throw notFound(e);
  }
  try {
    // The file checked must be the file opened (no swap in between).
    const s = await fh.stat();
    if (s.ino !== before.ino || s.dev !== before.dev) throw new Error('it changed while being opened');
    checkKind(s);
    const buf = Buffer.alloc(MAX_REWARD_FILE + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > MAX_REWARD_FILE) throw new Error('it grew past 1 MB while being read');
    }
    return { filename: basename(real), code: decode(buf.subarray(0, n)) };
  } finally {
    await fh.close();
  }
}

/** The same rules, synchronously, for the CLI's one-shot commands. */
export function readRewardFileSync(p: string, policy: RewardFilePolicy): RewardSource {
  const full = resolve(policy.specDir, p);
  const realRoots = [policy.specDir, ...policy.roots].map((r) => realOr(r, realpathSync));
  let real: string;
  let before: Stats;
  try {
    real = realpathSync(full);
    before = statSync(real);
  } catch (e) {
    throw notFound(e);
  }
  checkPlace(real, policy, realRoots);
  checkKind(before);
  let fd: number;
  try {
    fd = openSync(real, OPEN_FLAGS);
  } catch (e) {
    throw notFound(e);
  }
  try {
    const s = fstatSync(fd);
    if (s.ino !== before.ino || s.dev !== before.dev) throw new Error('it changed while being opened');
    checkKind(s);
    const buf = Buffer.alloc(MAX_REWARD_FILE + 1);
    let n = 0;
    for (;;) {
      const bytesRead = readSync(fd, buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > MAX_REWARD_FILE) throw new Error('it grew past 1 MB while being read');
    }
    return { filename: basename(real), code: decode(buf.subarray(0, n)) };
  } finally {
    closeSync(fd);
  }
}

/** A synchronous reader for `resolveExperiment` (which is synchronous). */
export function rewardFileReader(policy: RewardFilePolicy): (p: string) => RewardSource {
  return (p) => readRewardFileSync(p, policy);
}

/**
 * Reads every reward file a spec names, asynchronously, before it is resolved; returns the reader
 * `resolveExperiment` takes. A file that cannot be read is reported by resolve, with its JSON path.
 */
export async function preloadRewardFiles(spec: unknown, policy: RewardFilePolicy): Promise<(p: string) => RewardSource> {
  const names = new Set<string>();
  try {
    for (const { config } of validateExperiment(spec).armConfigs) {
      if (config.kind === 'rl' && config.reward?.file && !config.reward.code && !config.reward.source) names.add(config.reward.file);
    }
  } catch {
    // An invalid spec: resolve reports it, and reads nothing.
  }
  const read = new Map<string, RewardSource | Error>();
  await Promise.all([...names].map(async (n) => read.set(n, await readRewardFile(n, policy).catch((e: Error) => e))));
  return (p) => {
    const r = read.get(p);
    if (r === undefined) throw new Error('it was not read');
    if (r instanceof Error) throw r;
    return r;
  };
}
