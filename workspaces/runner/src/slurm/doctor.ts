// `creditlab slurm doctor`: can this machine submit to Slurm, and will the nodes see the workspace?
// Every probe goes through Slurm's (and coreutils') own commands, like the executor.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { firstError, spawnCommand, type CommandRunner } from './commands';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  id: 'commands' | 'controller' | 'partitions' | 'accounting' | 'filesystem' | 'limits';
  status: CheckStatus;
  summary: string;
  /** What to do about it, when not ok. */
  hint?: string;
}

export interface Partition {
  name: string;
  isDefault: boolean;
  available: string;
  timeLimit: string;
  nodes: number;
}

export interface SlurmDoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
  partitions: Partition[];
  filesystem: { path: string; type: string | null; shared: boolean | null };
}

export interface SlurmDoctorOptions {
  workspace: string;
  /** The partition the user means to use: it must exist and be up. */
  partition?: string;
  runCommand?: CommandRunner;
  /** PATH to look commands up in; default process.env.PATH. */
  path?: string;
}

const REQUIRED = ['sbatch', 'squeue', 'scancel', 'scontrol'];
const OPTIONAL = ['sinfo', 'sacct'];

// Names as `df -T` and `stat -f -c %T` print them.
const SHARED_FS = /^(nfs\d?|lustre|gpfs|beegfs|fhgfs|ceph|cephfs|fuse\.ceph.*|glusterfs|fuse\.glusterfs|panfs|wekafs|cifs|smb\d?|smbfs|pvfs2|orangefs|afs|openafs|fuse\.juicefs|quobyte|fuse\.quobyte|vastfs|fuse\.sshfs|9p)$/i;
const LOCAL_FS = /^(ext[234]|ext2\/ext3|xfs|btrfs|tmpfs|overlay|overlayfs|zfs|f2fs|vfat|msdos|exfat|apfs|hfs|ramfs|squashfs|devtmpfs|reiserfs|jfs)$/i;

export function classifyFilesystem(type: string | null): boolean | null {
  if (!type) return null;
  if (SHARED_FS.test(type)) return true;
  if (LOCAL_FS.test(type)) return false;
  return null;
}

export function onPath(cmd: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const f = join(dir, cmd);
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  return null;
}

/** `sinfo -h -o '%P %a %l %D'` lines; the default partition carries a `*`. */
export function parseSinfo(stdout: string): Partition[] {
  const byName = new Map<string, Partition>();
  for (const line of stdout.split('\n')) {
    const [p, available, timeLimit, nodes] = line.trim().split(/\s+/);
    if (!p || !available) continue;
    const name = p.replace(/\*$/, '');
    const prev = byName.get(name);
    if (prev) prev.nodes += Number(nodes) || 0;
    else byName.set(name, { name, isDefault: p.endsWith('*'), available, timeLimit: timeLimit ?? '', nodes: Number(nodes) || 0 });
  }
  return [...byName.values()];
}

/** The filesystem type of the nearest existing folder at or above `path`. */
export async function filesystemType(path: string, run: CommandRunner = spawnCommand): Promise<string | null> {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const df = await run('df', ['-PT', p]);
  if (df.code === 0) {
    // Filesystem Type 1024-blocks Used Available Capacity Mounted-on; the device may not contain spaces with -P.
    const fields = df.stdout.trim().split('\n')[1]?.trim().split(/\s+/);
    if (fields && fields[1]) return fields[1];
  }
  const st = await run('stat', ['-f', '-c', '%T', p]);
  if (st.code === 0 && st.stdout.trim() && !/^UNKNOWN/i.test(st.stdout.trim())) return st.stdout.trim();
  return null;
}

export async function slurmDoctor(opts: SlurmDoctorOptions): Promise<SlurmDoctorReport> {
  const run = opts.runCommand ?? spawnCommand;
  const checks: DoctorCheck[] = [];
  const path = opts.path ?? process.env.PATH ?? '';

  const missing = REQUIRED.filter((c) => !onPath(c, path));
  const missingOptional = OPTIONAL.filter((c) => !onPath(c, path));
  if (missing.length) {
    checks.push({ id: 'commands', status: 'fail', summary: `not on PATH: ${missing.join(', ')}`, hint: 'run creditlab on a login node of the cluster, or load its Slurm module (e.g. `module load slurm`)' });
  } else {
    checks.push({ id: 'commands', status: 'ok', summary: `${[...REQUIRED, ...OPTIONAL.filter((c) => !missingOptional.includes(c))].join(', ')} on PATH (sbatch: ${onPath('sbatch', path)})` });
  }

  let reachable = false;
  if (!missing.includes('scontrol')) {
    const ping = await run('scontrol', ['ping']);
    const text = (ping.stdout + ping.stderr).trim().split('\n').filter(Boolean);
    const up = text.filter((l) => /\bUP\b/.test(l));
    reachable = ping.code === 0 && up.length > 0;
    checks.push(
      reachable
        ? { id: 'controller', status: 'ok', summary: up.join('; ') }
        : { id: 'controller', status: 'fail', summary: `the Slurm controller does not answer: ${text.join('; ') || `scontrol ping exit code ${ping.code}`}`, hint: 'check that slurmctld runs and that this machine may talk to it (munge, slurm.conf)' },
    );
  }

  let partitions: Partition[] = [];
  if (!missingOptional.includes('sinfo')) {
    const si = await run('sinfo', ['-h', '-o', '%P %a %l %D']);
    if (si.code !== 0) {
      checks.push({ id: 'partitions', status: 'fail', summary: `sinfo failed: ${firstError(si)}` });
    } else {
      partitions = parseSinfo(si.stdout);
      if (!reachable && !checks.some((c) => c.id === 'controller')) {
        reachable = true;
        checks.push({ id: 'controller', status: 'ok', summary: 'sinfo answers' });
      }
      const list = partitions.map((p) => `${p.name}${p.isDefault ? '*' : ''} (${p.available}, limit ${p.timeLimit}, ${p.nodes} node${p.nodes === 1 ? '' : 's'})`).join(', ');
      const wanted = opts.partition ? partitions.find((p) => p.name === opts.partition) : undefined;
      if (partitions.length === 0) checks.push({ id: 'partitions', status: 'fail', summary: 'no partitions are visible to this user' });
      else if (opts.partition && !wanted) checks.push({ id: 'partitions', status: 'fail', summary: `partition "${opts.partition}" does not exist; available: ${list}` });
      else if (wanted && wanted.available !== 'up') checks.push({ id: 'partitions', status: 'fail', summary: `partition "${wanted.name}" is ${wanted.available}; available: ${list}` });
      else if (!partitions.some((p) => p.available === 'up')) checks.push({ id: 'partitions', status: 'fail', summary: `no partition is up: ${list}` });
      else checks.push({ id: 'partitions', status: 'ok', summary: list, hint: partitions.some((p) => p.isDefault) || opts.partition ? undefined : 'there is no default partition: pass --slurm-partition' });
    }
  }

  if (reachable) {
    if (missingOptional.includes('sacct')) {
      checks.push({ id: 'accounting', status: 'warn', summary: 'sacct is not on PATH', hint: 'ended tasks are then known only while the controller remembers them (MinJobAge); runs still end correctly if the host is watching' });
    } else {
      const a = await run('sacct', ['-n', '-X', '-o', 'JobID', '-S', 'now']);
      checks.push(
        a.code === 0
          ? { id: 'accounting', status: 'ok', summary: 'job accounting answers (sacct)' }
          : { id: 'accounting', status: 'warn', summary: `no job accounting: ${firstError(a)}`, hint: 'ended tasks are then known only while the controller remembers them (MinJobAge); runs still end correctly if the host is watching' },
      );
    }
    const cfg = await run('scontrol', ['show', 'config']);
    if (cfg.code === 0) {
      const get = (k: string) => new RegExp(`^\\s*${k}\\s*=\\s*(\\S+)`, 'm').exec(cfg.stdout)?.[1];
      const maxArray = get('MaxArraySize');
      const minAge = get('MinJobAge');
      if (maxArray) checks.push({ id: 'limits', status: 'ok', summary: `MaxArraySize ${maxArray}: one experiment may have at most ${maxArray} runs (array indices 0..${Number(maxArray) - 1})${minAge ? `; ended tasks stay in squeue for MinJobAge ${minAge} s` : ''}` });
    }
  }

  const type = await filesystemType(opts.workspace, run);
  const shared = classifyFilesystem(type);
  const ws = resolve(opts.workspace);
  if (shared === true) checks.push({ id: 'filesystem', status: 'ok', summary: `workspace ${ws} is on ${type}, a shared filesystem` });
  else if (shared === false)
    checks.push({ id: 'filesystem', status: 'warn', summary: `workspace ${ws} is on ${type}, a local filesystem: only this machine sees it`, hint: 'fine on a single-node cluster; otherwise put the workspace on the shared home or scratch filesystem (--workspace DIR or CREDITLAB_WORKSPACE)' });
  else checks.push({ id: 'filesystem', status: 'warn', summary: `workspace ${ws} is on ${type ?? 'an unknown filesystem'}: cannot tell whether the nodes see it`, hint: 'make sure the workspace is on a filesystem mounted on every node' });

  return { ok: !checks.some((c) => c.status === 'fail'), checks, partitions, filesystem: { path: ws, type, shared } };
}
