// Slurm's view of array tasks, parsed from squeue / sacct / scontrol text output, and how its
// states map to a run's. Text formats rather than --json: they work on every Slurm version in use.
import { constants as osConstants } from 'node:os';

export interface TaskState {
  jobId: string;
  taskId: number;
  /** Slurm's state name, e.g. PENDING, RUNNING, NODE_FAIL. */
  state: string;
  reason?: string;
  exitCode?: string;
  node?: string;
  /** Which tool said so. */
  source: 'squeue' | 'sacct' | 'scontrol';
}

export type Phase = 'queued' | 'running' | 'ended';

const QUEUED = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'SPECIAL_EXIT', 'RESV_DEL_HOLD', 'CONFIGURING', 'POWER_UP_NODE']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'STAGE_OUT', 'RESIZING', 'UPDATE_DB']);
export const FAILED_STATES = new Set(['FAILED', 'OUT_OF_MEMORY', 'TIMEOUT', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'REVOKED']);
/** States after which Slurm requeues a task submitted with --requeue. */
export const REQUEUE_STATES = new Set(['NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL']);

/** sacct writes "CANCELLED by 1234"; squeue's compact codes are never requested. */
export function normState(s: string): string {
  return s.trim().split(/\s+/)[0].replace(/\+$/, '').toUpperCase();
}

export function phaseOf(state: string): Phase {
  const s = normState(state);
  if (QUEUED.has(s)) return 'queued';
  if (RUNNING.has(s)) return 'running';
  return 'ended';
}

const EXPLAIN: Record<string, string> = {
  FAILED: 'the task exited with a non-zero code',
  OUT_OF_MEMORY: 'the task exceeded its memory limit (raise --slurm-mem)',
  TIMEOUT: 'the task reached its time limit (raise --slurm-time)',
  NODE_FAIL: 'the node running the task failed (use --requeue to have Slurm restart it)',
  BOOT_FAIL: 'the node could not be booted for the task',
  DEADLINE: 'the task reached its deadline',
  PREEMPTED: 'a higher-priority job preempted the task',
  REVOKED: 'the job was revoked (federation)',
  CANCELLED: 'the task was cancelled',
  COMPLETED: 'the task exited normally but its worker wrote no final event',
  UNKNOWN: 'Slurm no longer knows the task (purged from the controller, no accounting)',
};

/** The message of a run whose task ended without a `done`/`failed` line in its events. */
export function endedMessage(t: TaskState): string {
  const s = normState(t.state);
  const reason = t.reason && t.reason !== 'None' && t.reason !== '(null)' ? ` (${t.reason})` : '';
  const exit = t.exitCode && t.exitCode !== '0:0' ? `, exit code ${t.exitCode}` : '';
  // Slurm's ExitCode is "code:signal". A real task killed with SIGKILL ends FAILED with 0:9 (and a
  // reason such as JobLaunchFailure), where "exited with a non-zero code" would mislead.
  const sig = Number(/^\d+:(\d+)$/.exec(t.exitCode ?? '')?.[1] ?? 0);
  const explain = s === 'FAILED' && sig > 0 ? `the task was killed by signal ${sig}${signalName(sig)} (the node's OOM killer, an administrator, or a crash)` : EXPLAIN[s] ?? 'the task ended before the run finished';
  return `Slurm task ${t.jobId}_${t.taskId} ended ${s}${reason}${exit}: ${explain}`;
}

function signalName(n: number): string {
  const name = Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0];
  return name ? ` (${name})` : '';
}

/** `123_4` → ['123', 4]; `123_[4-6,9%2]` → three/four entries; a plain `123` → the job itself (task -1). */
export function expandJobId(id: string): { jobId: string; taskId: number }[] {
  const m = /^(\d+)(?:_(\d+|\[([^\]]*)\]))?(?:\.\S+)?$/.exec(id.trim());
  if (!m) return [];
  const jobId = m[1];
  if (m[2] === undefined) return [{ jobId, taskId: -1 }];
  if (m[3] === undefined) return [{ jobId, taskId: Number(m[2]) }];
  const out: { jobId: string; taskId: number }[] = [];
  for (const part of m[3].split('%')[0].split(',')) {
    const r = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (!r) continue;
    const [a, b, step] = [Number(r[1]), r[2] === undefined ? Number(r[1]) : Number(r[2]), r[3] === undefined ? 1 : Number(r[3])];
    for (let k = a; k <= b; k += step) out.push({ jobId, taskId: k });
  }
  return out;
}

/** The squeue format this module asks for; `|` never occurs in the fields it prints. */
export const SQUEUE_FORMAT = '%i|%T|%r|%N';

export function parseSqueue(stdout: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of stdout.split('\n')) {
    const [id, state, reason, node] = line.trim().split('|');
    if (!id || !state) continue;
    for (const { jobId, taskId } of expandJobId(id)) out.push({ jobId, taskId, state: normState(state), reason: reason?.trim() || undefined, node: node?.trim() || undefined, source: 'squeue' });
  }
  return out;
}

export const SACCT_FIELDS = 'JobID,State,ExitCode';

/** `sacct -n -P -X -o JobID,State,ExitCode` lines. */
export function parseSacct(stdout: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of stdout.split('\n')) {
    const [id, state, exitCode] = line.trim().split('|');
    if (!id || !state) continue;
    const s = normState(state);
    // "CANCELLED by 1234" names who cancelled; that is the useful reason there.
    const by = /\bby\s+(\S+)/.exec(state)?.[1];
    for (const { jobId, taskId } of expandJobId(id)) out.push({ jobId, taskId, state: s, exitCode: exitCode?.trim() || undefined, reason: by ? `by uid ${by}` : undefined, source: 'sacct' });
  }
  return out;
}

/** `scontrol -o show job ID`: one `Key=Value …` record per line. */
export function parseScontrol(stdout: string): (TaskState & { fields: Record<string, string> })[] {
  const out: (TaskState & { fields: Record<string, string> })[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.includes('JobId=')) continue;
    const fields: Record<string, string> = {};
    for (const m of line.matchAll(/(\w+)=(\S*)/g)) if (!(m[1] in fields)) fields[m[1]] = m[2];
    const jobId = fields.ArrayJobId ?? fields.JobId;
    const taskStr = fields.ArrayTaskId;
    if (!jobId || !fields.JobState) continue;
    const tasks = taskStr === undefined ? [{ jobId, taskId: -1 }] : expandJobId(`${jobId}_${/^\d+$/.test(taskStr) ? taskStr : `[${taskStr}]`}`);
    for (const t of tasks) out.push({ ...t, state: normState(fields.JobState), reason: fields.Reason, exitCode: fields.ExitCode, node: fields.NodeList && fields.NodeList !== '(null)' ? fields.NodeList : undefined, source: 'scontrol', fields });
  }
  return out;
}
