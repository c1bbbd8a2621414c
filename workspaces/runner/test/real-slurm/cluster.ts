// A real one-node Slurm on this machine for the tests: a private munged, slurmctld and slurmd (Debian's
// slurm-wlm and munge packages), configured in a temp dir from ./slurm.conf.in and stopped by PID.
// Needs root (slurmd launches tasks as their user; munged and slurmd refuse otherwise).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const TEMPLATE = new URL('./slurm.conf.in', import.meta.url);
const SBIN = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const DAEMONS = ['munged', 'slurmctld', 'slurmd'] as const;
const CLIENTS = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'] as const;

export interface RealSlurm {
  dir: string;
  node: string;
  /** SLURM_CONF and friends: set in process.env by start(), also for child processes. */
  env: Record<string, string>;
  /** A Slurm client command against this cluster; throws with its stderr when it fails. */
  cmd(name: string, ...args: string[]): string;
  /** The daemons' logs (last lines), for assertion messages. */
  logs(): string;
  stop(): Promise<void>;
}

function which(name: string): string | null {
  for (const d of [...(process.env.PATH ?? '').split(':'), ...SBIN]) if (d && existsSync(join(d, name))) return join(d, name);
  return null;
}

/** Why this machine cannot run the real-Slurm suite, or null when it can. */
export function unavailable(): string | null {
  if (process.platform !== 'linux') return 'real Slurm tests need Linux';
  if (process.getuid?.() !== 0) return 'real Slurm tests need root (munged/slurmd start as root); run them through .ci/run or as root';
  const missing = [...DAEMONS, ...CLIENTS].filter((b) => !which(b));
  if (missing.length) return `real Slurm tests need ${missing.join(', ')}: apt-get install -y slurm-wlm munge`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `slurmd -C` prints this host's real layout (sockets, cores, memory); os.* is the fallback. */
function nodeLine(node: string): string {
  const r = spawnSync(which('slurmd')!, ['-C'], { encoding: 'utf8', env: { ...process.env, SLURM_CONF: '/nonexistent' } });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('NodeName='));
  const layout = line
    ? line.replace(/^NodeName=\S+\s*/, '')
    : `CPUs=${cpus().length} RealMemory=${Math.floor(totalmem() / 2 ** 20)}`;
  // NodeAddr: the short host name need not resolve (CI has no DNS); loopback always does.
  return `NodeName=${node} NodeAddr=127.0.0.1 ${layout} State=UNKNOWN`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSlurm(): Promise<RealSlurm> {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-slurm-real-'));
  chmodSync(dir, 0o755);
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  // munged requires its socket directory to be traversable by all and its key readable only by it.
  mkdirSync(join(dir, 'munge'), { mode: 0o711 });
  chmodSync(join(dir, 'munge'), 0o711);
  const key = join(dir, 'munge', 'munge.key');
  if (!existsSync(key)) writeFileSync(key, randomBytes(128), { mode: 0o400 });

  const node = spawnSync('hostname', ['-s'], { encoding: 'utf8' }).stdout?.trim() || hostname().split('.')[0];
  const conf = join(dir, 'slurm.conf');
  const fill: Record<string, string> = { DIR: dir, NODE: node, CTLD_PORT: String(await freePort()), SLURMD_PORT: String(await freePort()), NODE_LINE: nodeLine(node) };
  writeFileSync(conf, readFileSync(TEMPLATE, 'utf8').replace(/@([A-Z_]+)@/g, (m, k: string) => fill[k] ?? m));

  const env = { SLURM_CONF: conf };
  Object.assign(process.env, env);
  const procs: { name: string; p: ChildProcess }[] = [];
  const start = (name: (typeof DAEMONS)[number], args: string[]) => {
    const out = openSync(join(dir, 'log', `${name}.out`), 'a');
    const p = spawn(which(name)!, args, { stdio: ['ignore', out, out], env: process.env });
    closeSync(out);
    procs.push({ name, p });
    p.once('exit', (code, sig) => {
      if (!stopping) writeFileSync(join(dir, 'log', `${name}.exit`), `${code ?? sig}\n`);
    });
  };
  let stopping = false;
  // Last resort if the test process ends without running stop() (a crash, the runner's SIGTERM):
  // never leave the daemons, or tasks they started, behind.
  let exited = false;
  const onExit = () => {
    if (exited) return;
    exited = true;
    if (procs.some((x) => x.name === 'slurmctld' && x.p.exitCode === null)) {
      // Synchronous (this may run in the 'exit' event): the tasks' slurmstepd must see the cancel
      // while slurmd still runs, or they linger reporting to a controller that is gone.
      spawnSync(which('scancel')!, ['--user=root', '--full'], { env: process.env, timeout: 5000 });
      for (let i = 0; i < 25; i++) {
        const q = spawnSync(which('squeue')!, ['-h', '-o', '%i'], { encoding: 'utf8', env: process.env, timeout: 5000 });
        if (q.status !== 0 || q.stdout.trim() === '') break;
        spawnSync('sleep', ['0.2']);
      }
    }
    for (const { p } of procs) if (p.pid && p.exitCode === null) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    onExit();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const tail = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-15).join('\n') : '');
  const logs = () => DAEMONS.map((d) => `--- ${d}\n${tail(join(dir, 'log', `${d}.out`))}${d !== 'munged' ? tail(join(dir, 'log', `${d}.log`)) : ''}`).join('\n');
  const cmd = (name: string, ...args: string[]) => {
    const r = spawnSync(which(name) ?? name, args, { encoding: 'utf8', env: process.env, timeout: 30_000 });
    if (r.status !== 0) throw new Error(`${name} ${args.join(' ')}: exit ${r.status}: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Tasks run in slurmstepd processes that outlive slurmd: end them through Slurm first.
    if (procs.some((x) => x.name === 'slurmctld' && x.p.exitCode === null)) {
      spawnSync(which('scancel')!, ['--user=root', '--full'], { env: process.env, timeout: 10_000 });
      for (let i = 0; i < 40; i++) {
        const q = spawnSync(which('squeue')!, ['-h', '-o', '%i'], { encoding: 'utf8', env: process.env, timeout: 10_000 });
        if (q.status !== 0 || q.stdout.trim() === '') break;
        await sleep(250);
      }
    }
    for (const { p } of [...procs].reverse()) {
      if (!p.pid || p.exitCode !== null || p.signalCode !== null) continue;
      const gone = new Promise<void>((r) => p.once('exit', () => r()));
      process.kill(p.pid, 'SIGTERM');
      const t = setTimeout(() => p.exitCode === null && p.signalCode === null && process.kill(p.pid!, 'SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    }
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  try {
    start('munged', ['-F', '--force', `--socket=${join(dir, 'munge', 'munge.socket')}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munge', 'munged.pid')}`, `--seed-file=${join(dir, 'munge', 'munged.seed')}`, `--log-file=${join(dir, 'log', 'munged.log')}`]);
    await until(() => existsSync(join(dir, 'munge', 'munge.socket')), 'munged socket', 120_000, logs);
    // -i: ignore any state (none here); -D: foreground, so the PID we hold is the daemon's.
    start('slurmctld', ['-D', '-i', '-f', conf]);
    start('slurmd', ['-D', '-f', conf, '-N', node]);
    await until(() => {
      const r = spawnSync(which('sinfo')!, ['-h', '-n', node, '-o', '%T'], { encoding: 'utf8', env: process.env, timeout: 30_000 });
      return r.status === 0 && r.stdout.trim() === 'idle';
    }, `node ${node} idle in sinfo`, 180_000, logs);
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, node, env, cmd, logs, stop };
}

async function until(cond: () => boolean, what: string, ms: number, logs: () => string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`real Slurm: timed out waiting for ${what}\n${logs()}`);
    await sleep(200);
  }
}
