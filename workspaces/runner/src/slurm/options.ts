// What a user chooses when sending an experiment to Slurm (CLI flags, spec, workspace config).
import type { CommandRunner } from './commands';

export interface SlurmOptions {
  partition?: string;
  /** Wall-clock limit per task in a Slurm time format: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
  time?: string;
  cpus?: number;
  /** Memory per node, Slurm syntax: a number with an optional K/M/G/T suffix (e.g. 4G). */
  mem?: string;
  account?: string;
  /** At most this many tasks of the array run at once (`--array=0-(N-1)%K`); unlimited when absent. */
  maxConcurrent?: number;
  /** Let Slurm requeue a task after a node failure or preemption; the run then restarts in the same folder. */
  requeue?: boolean;
  /** How often events.jsonl files are read (ms). */
  ingestMs?: number;
  /** How often Slurm is asked for task states (ms); every call reaches the controller, so not too often. */
  queryMs?: number;
  /** How long a task Slurm reports ended may take to show its last events (shared filesystem lag) before it is judged by Slurm's state alone (ms). */
  settleMs?: number;
  /** How long a cancelled running task may take to stop by itself (cancel file) before `scancel` (ms). */
  cancelGraceMs?: number;
  /** The command a task runs, as argv; default: this Node and this checkout's bin/creditlab.mjs. */
  creditlab?: string[];
  /** Passed to `creditlab worker --trainer-module` (plugins, tests). */
  trainerModule?: string;
  /** Exported as CREDITLAB_BACKEND in the job script. */
  backend?: string;
  /** Extra `#SBATCH` lines, e.g. ['--gres=gpu:1', '--qos=short'] (site-specific needs). */
  extraSbatch?: string[];
  /** Runs Slurm's commands; tests inject one. */
  runCommand?: CommandRunner;
}

const TIME_RE = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|infinite|unlimited)$/i;
const MEM_RE = /^\d+[KMGT]?$/i;
// Names end up in #SBATCH lines: no whitespace, quotes or shell syntax.
const NAME_RE = /^[\w.,:@+\-]+$/;

/** Problems with user-given options, one message per problem (empty when valid). */
export function validateSlurmOptions(o: SlurmOptions): string[] {
  const errors: string[] = [];
  if (o.partition !== undefined && !NAME_RE.test(o.partition)) errors.push(`--slurm-partition: "${o.partition}" is not a partition name`);
  if (o.account !== undefined && !NAME_RE.test(o.account)) errors.push(`--slurm-account: "${o.account}" is not an account name`);
  if (o.time !== undefined && !TIME_RE.test(o.time)) errors.push(`--slurm-time: "${o.time}" is not a Slurm time (HH:MM:SS, D-HH:MM:SS, or minutes)`);
  if (o.mem !== undefined && !MEM_RE.test(o.mem)) errors.push(`--slurm-mem: "${o.mem}" is not a Slurm memory size (e.g. 4G, 500M)`);
  if (o.cpus !== undefined && !(Number.isInteger(o.cpus) && o.cpus >= 1)) errors.push(`--slurm-cpus: expected a whole number >= 1, got ${o.cpus}`);
  if (o.maxConcurrent !== undefined && !(Number.isInteger(o.maxConcurrent) && o.maxConcurrent >= 1)) errors.push(`--slurm-max-concurrent: expected a whole number >= 1, got ${o.maxConcurrent}`);
  for (const x of o.extraSbatch ?? []) if (!/^--?[\w-]+(=\S+)?$/.test(x)) errors.push(`extra sbatch option "${x}" must look like --name=value without spaces`);
  return errors;
}
