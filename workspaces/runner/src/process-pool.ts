// The local executor of the CLI and the web host: a LocalPool whose worker threads each live in a child
// process of their own (run-process.ts), one run at a time per process, the process kept warm between
// runs. Why processes: V8 cannot recover from every out-of-memory condition of an isolate (isolated-vm
// says so itself; a reward that fills one huge array does it) and aborts the whole process, and
// terminating a thread while it is inside an isolate call can abort it too. Inside one process that
// took every run and the host down; here it ends one run's process, and the host fails that run.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleFor } from './bundles';
import type { EventSink, RunJob } from './executor';
import { DEFAULT_IDLE_MS, type LocalPoolOptions } from './local-pool';
import type { WorkerEvent } from './protocol';
import type { FromRunProcess, ToRunProcess } from './run-process';
import { RunQueue, type ActiveRun } from './run-queue';

/** Past the in-process limits (cancel grace, time limit), how long before the host kills the process. */
const BACKSTOP_MS = 5000;

interface Proc {
  child: ChildProcess;
  run: Active | null;
  idleTimer: NodeJS.Timeout | null;
  ready: Promise<void>;
}

interface Active extends ActiveRun {
  proc: Proc;
}

export class ProcessPool extends RunQueue<Proc, Active> {
  private procs = new Set<Proc>();

  constructor(private opts: LocalPoolOptions = {}) {
    super(opts.workers);
  }

  protected cancelRunning(a: Active): void {
    this.send(a.proc, { type: 'cancel', runId: a.job.runId });
    a.timers.push(
      setTimeout(() => {
        if (!a.ended) this.end(a, { type: 'done', cancelled: true }, true);
      }, (this.opts.cancelGraceMs ?? 5000) + BACKSTOP_MS),
    );
  }

  /** Starts processes up to `count` ahead of any run and resolves once their workers have warmed up. */
  prewarm(count = this.size): Promise<void> {
    while (this.procs.size < Math.min(count, this.size)) this.spawn();
    return Promise.all([...this.procs].filter((p) => !p.run).map((p) => p.ready)).then(() => undefined);
  }

  async shutdown(): Promise<void> {
    await this.stopRuns();
    await Promise.all([...this.procs].map((p) => this.kill(p)));
  }

  private send(p: Proc, m: ToRunProcess): void {
    if (p.child.connected) p.child.send(m);
  }

  /** An idle process, else a new one if the pool has room. */
  protected claimSlot(): Proc | null {
    for (const p of this.procs) if (!p.run) return p;
    return this.procs.size < this.size ? this.spawn() : null;
  }

  private spawn(): Proc {
    // A trainer module given by path (tests, the store bench) is TypeScript only tsx can load.
    const entry = (!this.opts.trainerModule && bundleFor('run-process')) || fileURLToPath(new URL('./run-process-boot.mjs', import.meta.url));
    const child = fork(entry, [], {
      execArgv: ['--no-node-snapshot'],
      serialization: 'advanced',
      // V8's abort report (heap statistics) is for developers; the run's failure says what happened.
      stdio: ['ignore', 'inherit', 'ignore', 'ipc'],
    });
    let markReady!: () => void;
    const p: Proc = { child, run: null, idleTimer: null, ready: new Promise<void>((r) => (markReady = r)) };
    this.procs.add(p);
    this.send(p, { type: 'init', opts: { ...this.opts, workers: 1 } });
    this.send(p, { type: 'prewarm' });
    this.park(p);
    child.on('message', (m: FromRunProcess) => {
      if (m.type === 'ready') return markReady();
      const a = p.run;
      if (!a || a.ended || m.runId !== a.job.runId) return;
      const e = m.event;
      // Only a process whose run ended by itself is kept: after a failure or a cancel its pool may be
      // terminating a thread inside an isolate call, which can abort the process under the next run.
      if (e.type === 'done' || e.type === 'failed') this.end(a, e, e.type === 'failed' || e.cancelled);
      else a.sink(a.job.runId, e);
    });
    child.on('error', () => void this.kill(p));
    child.on('exit', (code, signal) => {
      markReady();
      this.procs.delete(p);
      if (p.idleTimer) clearTimeout(p.idleTimer);
      const a = p.run;
      if (a && !a.ended) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const why = signal === 'SIGABRT' ? ' (V8 aborted it: most likely the reward code ran out of memory in one allocation, which its memory limit cannot stop)' : '';
        this.end(a, a.cancelRequested ? { type: 'done', cancelled: true } : { type: 'failed', message: `the run's process ${how} before the run finished${why}` }, false);
      } else this.pump();
    });
    return p;
  }

  /** An idle process must not keep the host alive, and gives its memory back after a while. */
  private park(p: Proc): void {
    p.child.unref();
    p.child.channel?.unref();
    p.idleTimer = setTimeout(() => {
      if (!p.run) void this.kill(p);
    }, this.opts.idleMs ?? DEFAULT_IDLE_MS);
    p.idleTimer.unref();
  }

  private async kill(p: Proc): Promise<void> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    const exited = new Promise((r) => p.child.once('exit', r));
    // An idle process is unref'd: waiting for its exit must keep this process alive.
    p.child.ref();
    p.child.kill('SIGKILL');
    await exited;
  }

  protected start(job: RunJob, sink: EventSink, p: Proc): void {
    if (p.idleTimer) clearTimeout(p.idleTimer);
    p.child.ref();
    p.child.channel?.ref();
    const a: Active = { job, sink, proc: p, ended: false, cancelRequested: false, timers: [] };
    p.run = a;
    this.active.set(job.runId, a);
    // The process's own pool enforces the time limit; this is the backstop should the process not answer.
    this.armTimeLimit(a, BACKSTOP_MS, (message) => this.end(a, { type: 'failed', message }, true));
    this.send(p, { type: 'start', job });
  }

  private end(a: Active, final: WorkerEvent, kill: boolean): void {
    if (!this.finish(a)) return;
    const p = a.proc;
    a.sink(a.job.runId, final);
    if (kill) {
      // The process is lost to the pool at once; its slot is free when it has exited.
      this.procs.delete(p);
      void this.kill(p).then(() => this.pump());
      return;
    }
    p.run = null;
    if (this.procs.has(p)) this.park(p);
    this.pump();
  }

}
