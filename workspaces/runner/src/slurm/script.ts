// The files a submission puts in the workspace before `sbatch`: a manifest (array index → run
// folder) and one job script for the whole array. A task needs nothing but these, its run folder
// and the installed package, so it runs the same on any node that sees the workspace.
import type { SlurmOptions } from './options';

export interface ManifestEntry {
  index: number;
  runId: string;
  runDir: string;
}

/** Quotes one word for bash. */
export function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One line per array task: `index<TAB>runDir<TAB>runId`; read by the job script with awk. */
export function renderManifest(entries: ManifestEntry[]): string {
  for (const e of entries) {
    if (/[\t\n\r]/.test(e.runDir) || /[\t\n\r]/.test(e.runId)) throw new Error(`run folder ${JSON.stringify(e.runDir)} contains a tab or newline; the manifest cannot name it`);
  }
  return entries.map((e) => `${e.index}\t${e.runDir}\t${e.runId}\n`).join('');
}

/** `0-(N-1)` with `%K` when K limits concurrency. */
export function arraySpec(n: number, maxConcurrent?: number): string {
  return `0-${n - 1}${maxConcurrent ? `%${maxConcurrent}` : ''}`;
}

export interface JobScriptInput {
  jobName: string;
  count: number;
  manifestPath: string;
  /** Where Slurm writes each task's stdout/stderr: patterns with %A (array job id) and %a (task index). */
  outputPattern: string;
  errorPattern: string;
  /** The tasks' working directory: the host's own may not exist on the nodes. */
  chdir: string;
  /** argv of the creditlab command on the node. */
  creditlab: string[];
  options: SlurmOptions;
}

export function renderJobScript(i: JobScriptInput): string {
  const o = i.options;
  for (const p of [i.outputPattern, i.errorPattern, i.chdir]) {
    // sbatch reads #SBATCH values up to the first whitespace: such a path cannot be expressed there.
    if (/\s/.test(p)) throw new Error(`the workspace path ${JSON.stringify(p)} contains whitespace; Slurm's --output cannot name it. Use a workspace path without spaces.`);
  }
  const sb: string[] = [
    `--job-name=${i.jobName}`,
    `--array=${arraySpec(i.count, o.maxConcurrent)}`,
    `--output=${i.outputPattern}`,
    `--error=${i.errorPattern}`,
    `--chdir=${i.chdir}`,
    // A requeued task appends to its logs instead of truncating what the first attempt wrote.
    '--open-mode=append',
  ];
  if (o.partition) sb.push(`--partition=${o.partition}`);
  if (o.time) sb.push(`--time=${o.time}`);
  if (o.cpus) sb.push(`--cpus-per-task=${o.cpus}`);
  if (o.mem) sb.push(`--mem=${o.mem}`);
  if (o.account) sb.push(`--account=${o.account}`);
  // Explicit either way: a site default of JobRequeue=1 would otherwise requeue tasks the user did not ask to.
  sb.push(o.requeue ? '--requeue' : '--no-requeue');
  for (const x of o.extraSbatch ?? []) sb.push(x);

  const cmd = i.creditlab.map(shq).join(' ');
  const workerExtra = o.trainerModule ? ` --trainer-module ${shq(o.trainerModule)}` : '';
  return [
    '#!/bin/bash',
    ...sb.map((s) => `#SBATCH ${s}`),
    '#',
    '# Written by creditlab: one array task = one resolved run. The manifest maps the task index to',
    '# the run folder; the worker appends its events to <run folder>/events.jsonl, which the host ingests.',
    'set -euo pipefail',
    `MANIFEST=${shq(i.manifestPath)}`,
    'TASK="${SLURM_ARRAY_TASK_ID:?creditlab: this script must run as a Slurm array task}"',
    `RUN_DIR="$(awk -F '\\t' -v t="$TASK" '$1 == t { print $2; exit }' "$MANIFEST")"`,
    'if [ -z "$RUN_DIR" ]; then',
    '  echo "creditlab: no run for array task $TASK in $MANIFEST" >&2',
    '  exit 3',
    'fi',
    'echo "creditlab: task ${SLURM_ARRAY_JOB_ID:-?}_${TASK} on $(hostname) (restart ${SLURM_RESTART_COUNT:-0}): $RUN_DIR" >&2',
    ...(o.backend ? [`export CREDITLAB_BACKEND=${shq(o.backend)}`] : []),
    `exec ${cmd} worker "$RUN_DIR/run.json" --run-dir "$RUN_DIR"${workerExtra}`,
    '',
  ].join('\n');
}

/** Job names show in everyone's squeue: short, recognisable, no odd characters. */
export function jobName(experiment: string, submissionId: string): string {
  const base = experiment.replace(/[^\w.-]+/g, '_').slice(0, 40) || 'experiment';
  return `creditlab-${base}-${submissionId}`;
}
