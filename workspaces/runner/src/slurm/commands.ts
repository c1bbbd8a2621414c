// How the Slurm executor talks to the cluster: through Slurm's own command-line tools, never its
// REST API or library, so it works on any login node where `sbatch` works. Injectable for tests.
import { execFile } from 'node:child_process';

export interface CommandResult {
  /** Exit code; 127 when the command is not on PATH, 124 when it timed out. */
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (cmd: string, args: string[]) => Promise<CommandResult>;

/** A controller that does not answer must not freeze the host: Slurm's own client timeout is often 10–60 s. */
const TIMEOUT_MS = 60_000;

export const spawnCommand: CommandRunner = (cmd, args) =>
  new Promise((resolve) => {
    execFile(cmd, args, { timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
      if (e.code === 'ENOENT') return resolve({ code: 127, stdout: '', stderr: `${cmd}: command not found` });
      if (e.killed) return resolve({ code: 124, stdout, stderr: `${stderr}${cmd}: no answer after ${TIMEOUT_MS / 1000} s` });
      resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout, stderr: stderr || e.message });
    });
  });

/** The first meaningful line of a failed command's stderr, for messages. */
export function firstError(r: CommandResult): string {
  const line = (r.stderr || r.stdout).split('\n').map((l) => l.trim()).find((l) => l.length > 0);
  return line ?? `exit code ${r.code}`;
}
