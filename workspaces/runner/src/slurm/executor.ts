// The Slurm executor: the same resolved runs as the local pool, submitted as ONE job array per
// submit() to a cluster the user already has. Each task runs `creditlab worker` for one run and
// appends its events to the run folder; this process only reads those files (ingest) and asks
// Slurm's own tools for task states. The cluster keeps the jobs when this process exits; a later
// process re-attaches from the files in the workspace (see attach()).
import { existsSync, mkdirSync, openSync, readSync, closeSync, fstatSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { EventSink, Executor, RunJob } from '../executor';
import type { WorkerEvent } from '../protocol';
import { firstError, spawnCommand, type CommandRunner } from './commands';
import { RunTail, type StoredSteps } from './ingest';
import type { SlurmOptions } from './options';
import { jobName, renderJobScript, renderManifest } from './script';
import { REQUEUE_STATES, SACCT_FIELDS, SQUEUE_FORMAT, endedMessage, normState, parseSacct, parseScontrol, parseSqueue, phaseOf, type TaskState } from './states';

/** Per run folder, written once the array is accepted: which Slurm task runs this run. */
export const SLURM_RUN_FILE = 'slurm.json';
export const CANCEL_FILE = 'cancel';

export interface SlurmRunInfo {
  jobId: string;
  taskId: number;
  /** `<jobId>_<taskId>`, what squeue/scancel/sacct accept; stored as the run's external id. */
  externalId: string;
  submissionDir: string;
  stdout: string;
  stderr: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** This Node and this checkout's CLI: on a cluster both live on the shared filesystem the nodes see. */
export function defaultCreditlabCommand(): string[] {
  return [process.execPath, '--no-node-snapshot', join(REPO_ROOT, 'bin', 'creditlab.mjs')];
}

export function readSlurmRunInfo(runDir: string): SlurmRunInfo | null {
  try {
    return JSON.parse(readFileSync(join(runDir, SLURM_RUN_FILE), 'utf8')) as SlurmRunInfo;
  } catch {
    return null;
  }
}

interface Submission {
  id: string;
  dir: string;
  jobId: string | null;
  tasks: Task[];
  sink: EventSink;
  pendingScancelled: boolean;
}

interface Task {
  job: RunJob;
  index: number;
  sub: Submission;
  tail: RunTail;
  ended: boolean;
  started: boolean;
  slurm: TaskState | null;
  /** First query that found the task ended in Slurm, and how many queries in a row since. */
  terminalSince: number | null;
  terminalSeen: number;
  cancelRequested: boolean;
  /** When `scancel` is due (a running task first gets the cancel file and a grace period). */
  scancelAt: number;
  scancelled: boolean;
}

const externalId = (t: Task) => `${t.sub.jobId}_${t.index}`;
const isRunning = (t: Task) => t.started || (t.slurm !== null && phaseOf(t.slurm.state) === 'running');

export class SlurmExecutor implements Executor {
  readonly name = 'slurm';
  private readonly run: CommandRunner;
  private readonly ingestMs: number;
  private readonly queryMs: number;
  private readonly settleMs: number;
  private readonly graceMs: number;
  private subs = new Set<Submission>();
  private timer: NodeJS.Timeout | null = null;
  private cancelKick: NodeJS.Immediate | null = null;
  private busy: Promise<void> | null = null;
  private lastQuery = 0;
  private stopped = false;
  private inflight = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private downMessage: string | null = null;
  /** null until sacct was tried: many small clusters run without accounting. */
  accounting: boolean | null = null;

  constructor(readonly opts: SlurmOptions = {}) {
    this.run = opts.runCommand ?? spawnCommand;
    this.ingestMs = opts.ingestMs ?? 1000;
    this.queryMs = opts.queryMs ?? 5000;
    this.settleMs = opts.settleMs ?? Math.max(3 * this.queryMs, 5000);
    this.graceMs = opts.cancelGraceMs ?? 10_000;
  }

  // ---- Executor ---------------------------------------------------------------------------------

  submit(jobs: RunJob[], sink: EventSink): void {
    if (jobs.length === 0) return;
    if (this.stopped) throw new Error('the Slurm executor was shut down');
    const id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const parent = dirname(resolve(jobs[0].runDir || '.'));
    const sub: Submission = { id, dir: join(parent, `slurm-${id}`), jobId: null, tasks: [], sink, pendingScancelled: false };
    sub.tasks = jobs.map((job, index) => this.newTask({ ...job, runDir: resolve(job.runDir || '.') }, index, sub));
    this.subs.add(sub);
    let script: string;
    try {
      if (jobs.some((j) => !j.runDir)) throw new Error('every run needs a run folder in the workspace to run on Slurm');
      script = this.writeSubmission(sub);
    } catch (e) {
      const message = `could not prepare the Slurm submission: ${(e as Error).message}`;
      queueMicrotask(() => this.failAll(sub, message));
      return;
    }
    this.track(this.sbatch(sub, script));
  }

  cancel(runId: string): void {
    const t = this.find(runId);
    if (!t || t.ended || t.cancelRequested) return;
    t.cancelRequested = true;
    try {
      // The worker polls for this file and stops at its next safe point, flushing what it has.
      writeFileSync(join(t.job.runDir, CANCEL_FILE), `${new Date().toISOString()}\n`);
    } catch {
      /* the scancel below still stops it */
    }
    t.scancelAt = isRunning(t) ? Date.now() + this.graceMs : 0;
    // Coalesced: Host.cancelExperiment calls cancel() once per run, and that must be one `scancel JOBID`.
    this.cancelKick ??= setImmediate(() => {
      this.cancelKick = null;
      void this.exclusive(() => this.flushCancels(false));
    });
  }

  idle(): Promise<void> {
    if (!this.hasActive()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops watching; the cluster keeps running the tasks. Cancels already asked for are sent now. */
  async shutdown(): Promise<void> {
    if (this.cancelKick) clearImmediate(this.cancelKick);
    this.cancelKick = null;
    // Stopped first: a tick already waiting in exclusive() would otherwise run after shutdown
    // returned and hand events to a sink whose store the host has closed.
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all([...this.inflight]);
    await this.exclusive(() => this.flushCancels(true));
    while (this.busy) await this.busy;
  }

  /** Stops watching a run and leaves its task alone: another process watches it now. */
  forget(runId: string): void {
    const t = this.find(runId);
    if (t && !t.ended) this.end(t, null);
  }

  // ---- re-attach --------------------------------------------------------------------------------

  /**
   * Watches runs submitted by an earlier process (their folders hold slurm.json and ingest.json):
   * ingestion resumes at the recorded offset, dropping points at steps `stored` says the index
   * already holds. Returns the run ids that have no Slurm submission on record (never submitted,
   * or the process died before sbatch answered).
   */
  attach(jobs: RunJob[], sink: EventSink, stored?: (runId: string) => StoredSteps): { attached: string[]; missing: string[] } {
    if (this.stopped) throw new Error('the Slurm executor was shut down');
    const attached: string[] = [];
    const missing: string[] = [];
    const bySub = new Map<string, { info: SlurmRunInfo; job: RunJob }[]>();
    for (const job of jobs) {
      const info = readSlurmRunInfo(job.runDir);
      if (!info) {
        missing.push(job.runId);
        continue;
      }
      const list = bySub.get(info.jobId) ?? [];
      list.push({ info, job: { ...job, runDir: resolve(job.runDir) } });
      bySub.set(info.jobId, list);
    }
    for (const [jobId, list] of bySub) {
      const dir = list[0].info.submissionDir;
      const sub: Submission = { id: basename(dir).replace(/^slurm-/, ''), dir, jobId, tasks: [], sink, pendingScancelled: false };
      for (const { info, job } of list) {
        const t = this.newTask(job, info.taskId, sub, stored?.(job.runId));
        sub.tasks.push(t);
        attached.push(job.runId);
        if (t.tail.final) {
          const final = t.tail.final;
          queueMicrotask(() => this.end(t, final));
        }
      }
      this.subs.add(sub);
    }
    this.schedule();
    return { attached, missing };
  }

  // ---- submission -------------------------------------------------------------------------------

  private newTask(job: RunJob, index: number, sub: Submission, stored?: StoredSteps): Task {
    const tail = new RunTail(job.runDir, stored);
    return { job, index, sub, tail, ended: false, started: tail.state.attempts > 0, slurm: null, terminalSince: null, terminalSeen: 0, cancelRequested: false, scancelAt: 0, scancelled: false };
  }

  private writeSubmission(sub: Submission): string {
    mkdirSync(sub.dir, { recursive: true });
    for (const t of sub.tasks) {
      mkdirSync(t.job.runDir, { recursive: true });
      const f = join(t.job.runDir, 'run.json');
      if (!existsSync(f)) writeFileSync(f, JSON.stringify(t.job.run, null, 2));
    }
    const manifest = join(sub.dir, 'manifest.tsv');
    writeFileSync(manifest, renderManifest(sub.tasks.map((t) => ({ index: t.index, runId: t.job.runId, runDir: t.job.runDir }))));
    const script = join(sub.dir, 'job.sbatch');
    const body = renderJobScript({
      jobName: jobName(sub.tasks[0].job.run.experiment, sub.id),
      count: sub.tasks.length,
      manifestPath: manifest,
      outputPattern: join(sub.dir, '%A_%a.out'),
      errorPattern: join(sub.dir, '%A_%a.err'),
      chdir: sub.dir,
      creditlab: this.opts.creditlab ?? defaultCreditlabCommand(),
      options: this.opts,
    });
    writeFileSync(script, body, { mode: 0o755 });
    this.writeSubmissionRecord(sub);
    return script;
  }

  private writeSubmissionRecord(sub: Submission): void {
    const { runCommand: _r, ...options } = this.opts;
    const rec = { id: sub.id, jobId: sub.jobId, written: new Date().toISOString(), options, runs: sub.tasks.map((t) => ({ index: t.index, runId: t.job.runId, runDir: t.job.runDir })) };
    atomicWrite(join(sub.dir, 'submission.json'), JSON.stringify(rec, null, 2));
  }

  private async sbatch(sub: Submission, script: string): Promise<void> {
    const r = await this.run('sbatch', ['--parsable', script]);
    // --parsable prints "jobid" or "jobid;cluster".
    const m = r.code === 0 ? /^(\d+)(?:;\S+)?\s*$/m.exec(r.stdout) : null;
    if (!m) {
      const why = r.code === 0 ? `unexpected output ${JSON.stringify(r.stdout.trim().slice(0, 200))}` : r.stderr.trim().split('\n').filter(Boolean).join('; ') || `exit code ${r.code}`;
      this.failAll(sub, `sbatch failed: ${why}`);
      return;
    }
    sub.jobId = m[1];
    this.writeSubmissionRecord(sub);
    for (const t of sub.tasks) {
      const info: SlurmRunInfo = {
        jobId: sub.jobId,
        taskId: t.index,
        externalId: externalId(t),
        submissionDir: sub.dir,
        stdout: join(sub.dir, `${sub.jobId}_${t.index}.out`),
        stderr: join(sub.dir, `${sub.jobId}_${t.index}.err`),
      };
      atomicWrite(join(t.job.runDir, SLURM_RUN_FILE), JSON.stringify(info, null, 2));
      if (!t.ended) sub.sink(t.job.runId, { type: 'log', line: `submitted to Slurm as ${info.externalId} (job script ${script})` });
    }
    if (sub.tasks.some((t) => t.cancelRequested)) await this.exclusive(() => this.flushCancels(false));
    this.schedule();
  }

  // ---- polling ----------------------------------------------------------------------------------

  private schedule(): void {
    if (this.stopped || this.timer || !this.hasActive()) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.exclusive(() => this.tick()).finally(() => this.schedule());
    }, this.ingestMs);
  }

  /** One thing at a time touches task state: a tick, a cancel flush, shutdown. */
  private async exclusive(fn: () => Promise<void>): Promise<void> {
    while (this.busy) await this.busy;
    const p = fn().catch((e) => process.emitWarning(`creditlab slurm executor: ${(e as Error).stack ?? e}`));
    this.busy = p;
    try {
      await p;
    } finally {
      if (this.busy === p) this.busy = null;
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    const settling = this.active().some((t) => t.terminalSince !== null);
    let states: Map<string, TaskState> | null = null;
    if (now - this.lastQuery >= this.queryMs || settling) {
      this.lastQuery = now;
      states = await this.queryStates();
    }
    // After the query: whatever a task wrote before Slurm saw it end is in its file by now.
    for (const t of this.active()) this.ingest(t);
    if (states) for (const t of this.active()) if (t.sub.jobId) this.observe(t, states.get(externalId(t)) ?? null, now);
    for (const t of this.active()) if (this.settled(t, now)) await this.finalize(t);
    await this.flushCancels(false);
  }

  private ingest(t: Task): void {
    try {
      t.tail.poll((e) => {
        if (t.ended) return;
        if (e.type === 'done' || e.type === 'failed') return this.end(t, e);
        if (e.type === 'started') {
          t.started = true;
          e = { ...e, externalId: externalId(t) };
        }
        t.sub.sink(t.job.runId, e);
      });
    } catch (err) {
      process.emitWarning(`creditlab slurm executor: ingesting ${t.tail.eventsPath}: ${(err as Error).message}`);
    }
  }

  private observe(t: Task, st: TaskState | null, now: number): void {
    const s: TaskState = st ?? { jobId: t.sub.jobId!, taskId: t.index, state: 'UNKNOWN', source: 'squeue' };
    const prev = t.slurm;
    t.slurm = s;
    const phase = phaseOf(s.state);
    if (!prev || prev.state !== s.state) {
      const where = s.node && phase === 'running' ? ` on ${s.node}` : '';
      const why = s.reason && s.reason !== 'None' ? ` (${s.reason})` : '';
      if (s.state !== 'UNKNOWN') t.sub.sink(t.job.runId, { type: 'log', line: `slurm ${externalId(t)}: ${s.state}${why}${where}` });
    }
    if (phase === 'ended') {
      t.terminalSince ??= now;
      t.terminalSeen++;
    } else {
      t.terminalSince = null;
      t.terminalSeen = 0;
    }
  }

  /** Ended in Slurm for two queries in a row and long enough for the shared filesystem to show the last lines. */
  private settled(t: Task, now: number): boolean {
    if (t.terminalSince === null || t.terminalSeen < 2) return false;
    // After a node failure Slurm requeues a --requeue task shortly; do not call it failed before that.
    const wait = this.opts.requeue && t.slurm && REQUEUE_STATES.has(t.slurm.state) ? 3 * this.settleMs : this.settleMs;
    return now - t.terminalSince >= wait;
  }

  private async finalize(t: Task): Promise<void> {
    this.ingest(t);
    if (t.ended) return;
    let s = t.slurm!;
    if (t.cancelRequested || s.state === 'CANCELLED') return this.end(t, { type: 'done', cancelled: true });
    if (s.source !== 'scontrol' && (!s.exitCode || !s.reason)) {
      // squeue has no exit code and sacct no reason; scontrol has both while the controller remembers the task.
      const r = await this.run('scontrol', ['-o', 'show', 'job', externalId(t)]);
      const rec = r.code === 0 ? parseScontrol(r.stdout).find((x) => x.taskId === t.index) : undefined;
      if (rec && normState(rec.state) === s.state) s = { ...s, reason: s.reason ?? rec.reason, exitCode: s.exitCode ?? rec.exitCode };
    }
    const errTail = tailLines(join(t.sub.dir, `${t.sub.jobId}_${t.index}.err`), 3);
    const message = endedMessage(s) + (errTail ? ` — stderr: ${errTail}` : '');
    this.end(t, { type: 'failed', message });
  }

  /** States of every live task, from squeue, then sacct for tasks the controller forgot, then scontrol. Null when Slurm did not answer. */
  private async queryStates(): Promise<Map<string, TaskState> | null> {
    const jobIds = [...new Set(this.active().map((t) => t.sub.jobId).filter((j): j is string => j !== null))];
    const map = new Map<string, TaskState>();
    if (jobIds.length === 0) return map;
    const put = (list: TaskState[]) => {
      for (const s of list) if (s.taskId >= 0) map.set(`${s.jobId}_${s.taskId}`, s);
    };
    const squeue = (ids: string[]) => this.run('squeue', ['-h', '-r', '-t', 'all', '-j', ids.join(','), '-o', SQUEUE_FORMAT]);
    const r = await squeue(jobIds);
    if (r.code === 0) put(parseSqueue(r.stdout));
    else if (/invalid job id/i.test(r.stderr)) {
      // One purged job makes squeue reject the whole list: ask per job.
      if (jobIds.length > 1) for (const id of jobIds) {
        const one = await squeue([id]);
        if (one.code === 0) put(parseSqueue(one.stdout));
      }
    } else {
      this.controllerDown(firstError(r));
      return null;
    }
    this.controllerUp();

    const missing = () => [...new Set(this.active().filter((t) => t.sub.jobId && !map.has(externalId(t))).map((t) => t.sub.jobId!))];
    if (missing().length && this.accounting !== false) {
      const a = await this.run('sacct', ['-n', '-P', '-X', '-j', missing().join(','), '-o', SACCT_FIELDS]);
      if (a.code === 0) {
        this.accounting = true;
        put(parseSacct(a.stdout));
      } else {
        this.accounting = false;
        this.broadcast(`sacct is not usable here (${firstError(a)}); states come from squeue/scontrol while the controller remembers the tasks`);
      }
    }
    for (const id of missing()) {
      const c = await this.run('scontrol', ['-o', 'show', 'job', id]);
      if (c.code === 0) put(parseScontrol(c.stdout));
    }
    return map;
  }

  private controllerDown(message: string): void {
    if (this.downMessage === message) return;
    this.downMessage = message;
    this.broadcast(`Slurm did not answer (${message}); the tasks keep running on the cluster, retrying`);
  }

  private controllerUp(): void {
    if (this.downMessage === null) return;
    this.downMessage = null;
    this.broadcast('Slurm answers again');
  }

  private broadcast(line: string): void {
    for (const t of this.active()) t.sub.sink(t.job.runId, { type: 'log', line });
  }

  // ---- cancel -----------------------------------------------------------------------------------

  /** Sends the scancel calls that are due; `now` ignores grace periods (shutdown). */
  private async flushCancels(now: boolean): Promise<void> {
    const time = Date.now();
    for (const sub of this.subs) {
      if (!sub.jobId) continue;
      const alive = sub.tasks.filter((t) => !t.ended);
      const due = alive.filter((t) => t.cancelRequested && !t.scancelled && (now || t.scancelAt <= time));
      if (due.length === 0) continue;
      const remaining = alive.filter((t) => !t.scancelled);
      const all = alive.every((t) => t.cancelRequested);
      if (all && due.length === remaining.length) {
        // The whole experiment: one id for the whole array, including elements not yet split off.
        await this.scancel(sub, [sub.jobId], due);
        continue;
      }
      let rest = due;
      const queued = due.filter((t) => !isRunning(t));
      if (all && !sub.pendingScancelled && queued.length) {
        // Running tasks still have their grace period; everything queued goes in one call.
        sub.pendingScancelled = true;
        await this.scancel(sub, ['--state=PENDING', sub.jobId], queued);
        rest = due.filter(isRunning);
      }
      if (rest.length) await this.scancel(sub, rest.map(externalId), rest);
    }
  }

  private async scancel(sub: Submission, args: string[], tasks: Task[]): Promise<void> {
    const r = await this.run('scancel', args);
    for (const t of tasks) t.scancelled = true;
    if (r.code !== 0 && !/invalid job id|already completing or completed/i.test(r.stderr)) {
      for (const t of tasks) if (!t.ended) sub.sink(t.job.runId, { type: 'log', line: `scancel ${args.join(' ')} failed: ${firstError(r)}` });
      return;
    }
    // A task that never started has nothing to flush: it is cancelled now, as a queued local run is.
    for (const t of tasks) if (!t.ended && !isRunning(t)) this.end(t, { type: 'done', cancelled: true });
  }

  // ---- bookkeeping ------------------------------------------------------------------------------

  private end(t: Task, e: WorkerEvent | null): void {
    if (t.ended) return;
    t.ended = true;
    if (e) t.sub.sink(t.job.runId, e);
    if (t.sub.tasks.every((x) => x.ended)) this.subs.delete(t.sub);
    if (!this.hasActive()) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private failAll(sub: Submission, message: string): void {
    for (const t of sub.tasks) this.end(t, { type: 'failed', message });
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e) => this.failAllOf(p, e as Error)).finally(() => this.inflight.delete(q));
    this.inflight.add(q);
  }

  private failAllOf(_p: Promise<void>, e: Error): void {
    for (const sub of this.subs) if (!sub.jobId) this.failAll(sub, `Slurm submission failed: ${e.message}`);
  }

  private active(): Task[] {
    const out: Task[] = [];
    for (const sub of this.subs) for (const t of sub.tasks) if (!t.ended) out.push(t);
    return out;
  }

  private hasActive(): boolean {
    for (const sub of this.subs) if (sub.tasks.some((t) => !t.ended)) return true;
    return false;
  }

  private find(runId: string): Task | undefined {
    for (const sub of this.subs) for (const t of sub.tasks) if (t.job.runId === runId) return t;
    return undefined;
  }
}

function atomicWrite(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** The last lines of a task's stderr (the worker's own error, a node's OOM-killer note), kept short. */
function tailLines(file: string, n: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('creditlab: task '));
    return lines.slice(-n).join(' | ').slice(0, 500);
  } finally {
    closeSync(fd);
  }
}
