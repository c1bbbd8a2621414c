// The host: the only writer of the workspace index. It resolves specs, hands runs to an executor,
// turns worker events into batched store transactions, and implements the typed API for both shells.
import { readFileSync, readdirSync, existsSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { resolveExperiment, SpecValidationError, experimentJsonSchema, type ResolvedRun, type SpecError } from '@creditlab/spec';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { RunStore, exportCsvLines, exportJson, type LeaseOptions } from '@creditlab/store';
import { safeFileName } from '@creditlab/common';
import { LocalPool, ProcessPool, RESUME_FILE, RunTail, ScoreService, SlurmExecutor, readResumeCheckpoint, readSlurmRunInfo, whyNotResumable, type Executor, type RunJob, type WorkerEvent } from '@creditlab/runner';
import {
  ApiError,
  type ApiEvent,
  type CreditlabApi,
  type DoctorInfo,
  type EpisodeRecord,
  type ImportRequest,
  type RewardDraft,
  type RewardMethodInfo,
  type ExperimentDetail,
  type Preset,
  type ResumeResult,
  type RunDetail,
  type StartOptions,
  type ValidationResult,
} from '@creditlab/api';
import { rewardApiDts } from './reward-api';
import { detectElectron } from './electron-detect';
import { planImport, previewImport, runImport, writeImport } from './import-service';
import { assertGymFields, gymFieldCheck } from './gym-fields';
import { readWorkspaceConfig } from './workspace-config';
import { preloadRewardFiles, rewardFileReader, type RewardFilePolicy, type RewardSource } from './reward-files';

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
export const PRESETS_DIR = join(REPO_ROOT, 'presets');
export const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface HostOptions extends LeaseOptions {
  workspace?: string;
  workers?: number;
  executor?: Executor;
  /** How often this host renews the leases of the runs it holds and sweeps for expired ones (ms). */
  heartbeatMs?: number;
  /**
   * Start the local pool's workers now, so that the first runs start warm too (the app and `serve`,
   * where the user launches runs long after start-up; not the CLI's one-shot commands).
   */
  prewarm?: boolean;
  /**
   * At start, read in what Slurm tasks logged while nobody watched them and, with a Slurm executor,
   * watch again every Slurm run still queued or running (the default); false leaves both to
   * catchUpSlurm/attachSlurm, for a command that reports on the runs it was asked about.
   */
  reattach?: boolean;
}

export const DEFAULT_HEARTBEAT_MS = 5000;
/** A run in one of these states has its verdict; interrupted is not one. */
const ENDED = new Set<string>(['finished', 'failed', 'cancelled']);

export class Host implements CreditlabApi {
  readonly store: RunStore;
  readonly executor: Executor;
  readonly workers: number;
  private listeners = new Set<(e: ApiEvent) => void>();
  private pendingEvents: ApiEvent[] = [];
  private eventTimer: NodeJS.Timeout | null = null;
  private runExperiment = new Map<string, string>();
  private runWaiters = new Map<string, { remaining: Set<string>; resolve: () => void }>();
  private scorer: ScoreService | null = null;
  /** Runs this host's executor holds (submitted or re-attached, not ended): this host renews their leases. */
  private held = new Set<string>();
  /** Held runs whose lease comes from their own heartbeat events (a cluster task), not from this host's timer. */
  private beatsFromTask = new Set<string>();
  /** Runs whose lease this host lost (another process declared them interrupted): their events are dropped. */
  private lost = new Set<string>();
  /** Runs someone asked to cancel (not the host's own shutdown): they end `cancelled`, not `interrupted`. */
  private cancelAsked = new Set<string>();
  /** Set by close(): a run that its executor stops now did not choose to stop, and is left resumable. */
  private closing = false;
  private heartbeatTimer: NodeJS.Timeout;
  private pickedRewardFiles = new Set<string>();
  /** The last error catchUpSlurm met per run, so that a file it cannot read is not reported every heartbeat. */
  private catchUpErrors = new Map<string, string>();

  constructor(opts: HostOptions = {}) {
    this.store = RunStore.open(opts.workspace, { clock: opts.clock, leaseMs: opts.leaseMs, remoteLeaseMs: opts.remoteLeaseMs });
    this.workers = opts.workers ?? availableParallelism();
    // Each run's worker in a process of its own (see ProcessPool); the Electron bundle has no entry for
    // those processes yet, so the app keeps its workers in its main process.
    this.executor = opts.executor ?? (process.versions.electron ? new LocalPool({ workers: this.workers }) : new ProcessPool({ workers: this.workers }));
    if (opts.prewarm && (this.executor instanceof LocalPool || this.executor instanceof ProcessPool)) void this.executor.prewarm();
    if (opts.reattach ?? true) this.reattachSlurm();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  /**
   * One lease tick: renew what this host holds, act on cancels other processes asked for, stop runs
   * whose lease was lost, and mark interrupted any run in the workspace whose holder went silent.
   * Public so tests can tick it with an injected clock.
   */
  heartbeat(): void {
    const mine = [...this.held].filter((id) => !this.beatsFromTask.has(id));
    const { lost, cancelRequested } = this.store.renewLeases(mine);
    // Task-beaten leases are not extended here (until 0 keeps them), only checked for loss and cancel asks.
    const fromTasks = this.store.renewLeases([...this.beatsFromTask], 0);
    lost.push(...fromTasks.lost);
    cancelRequested.push(...fromTasks.cancelRequested);
    for (const id of cancelRequested) {
      this.cancelAsked.add(id);
      this.executor.cancel(id);
    }
    for (const id of lost) {
      // A reader of Slurm events took the lapsed lease for a read and gave it back: watch on.
      if (this.executor instanceof SlurmExecutor && this.store.claimLeases([id]).held.length) continue;
      this.lost.add(id);
      this.held.delete(id);
      this.beatsFromTask.delete(id);
      if (this.executor instanceof SlurmExecutor && this.store.getRunSummary(id).status !== 'interrupted') {
        // Another process watches the cluster task now, or read its end: the task is left alone.
        this.executor.forget(id);
        this.store.appendLog(id, 'this process lost the run\'s lease to another process that reads its Slurm task now: stopped watching it here');
        this.ended(id);
        continue;
      }
      this.executor.cancel(id);
      this.store.appendLog(id, 'this process lost the run\'s lease (another process marked it interrupted or took it over): stopping its copy here');
    }
    // What Slurm tasks logged while nobody watched them first: a task that finished ends `finished`
    // here instead of being taken for a silent one below.
    this.catchUpSlurm();
    for (const id of this.store.recoverOrphans()) {
      this.emit({ type: 'run', run: this.store.getRunSummary(id) });
      this.emit({ type: 'experiment', experiment: this.store.getExperimentSummary(this.experimentIdOf(id)) });
    }
  }

  /**
   * Slurm runs outlive the process that submitted them. Any host reads what their tasks appended and
   * nobody ingested yet (catchUpSlurm); a host that sends runs to Slurm also watches the ones still
   * queued or running again.
   */
  private reattachSlurm(): void {
    this.catchUpSlurm();
    if (this.executor instanceof SlurmExecutor) this.attachSlurm(this.store.unfinishedRuns('slurm').map((r) => r.id), { reopen: false });
  }

  /**
   * Ingests, from the files alone, what Slurm tasks appended to their events files beyond what the
   * index holds, for the Slurm runs (of `ids`, default every one) that no live process holds: points,
   * samples, progress, and the end their task recorded (finished, failed, cancelled), also for a run
   * marked interrupted because nobody watched it. Asks Slurm nothing; a run whose file records no end
   * keeps its state. Idempotent: the offset and the index's own steps keep a line from being stored
   * twice. A partial last line (a write under way, or a task killed mid-write) waits until it is
   * complete. Returns the runs it read events for.
   */
  catchUpSlurm(ids?: readonly string[]): { run: string; events: number }[] {
    const out: { run: string; events: number }[] = [];
    for (const id of ids ?? this.store.openSlurmRuns(undefined, { free: true })) {
      if (this.held.has(id)) continue;
      const dir = this.store.runDir(id);
      // A stat and ingest.json: nothing new, and no end read earlier that the index does not show yet.
      const probe = new RunTail(dir);
      if (!probe.behind() && !(probe.final && !ENDED.has(this.store.getRunSummary(id).status))) continue;
      // One reader at a time per events file, across processes: the lease is the lock.
      if (!this.store.claimLeases([id], ['queued', 'running', 'interrupted']).held.length) continue;
      let events = 0;
      try {
        const before = this.store.getRunSummary(id).status;
        const tail = new RunTail(dir, this.store.ingestedSteps(id));
        const externalId = readSlurmRunInfo(dir)?.externalId;
        const forward = (e: WorkerEvent) => {
          events++;
          // A heartbeat read later says nothing about now; this host holds the run only while it reads.
          if (e.type === 'heartbeat') return;
          this.onWorkerEvent(id, e.type === 'started' && externalId ? { ...e, externalId } : e);
        };
        if (tail.final) forward(tail.final);
        else tail.poll(forward);
        this.catchUpErrors.delete(id);
        if (events > 0) {
          const after = this.store.getRunSummary(id).status;
          this.store.appendLog(id, `read ${events} event(s) its Slurm task logged while no process watched it${before === after ? '' : ` (${before} → ${after})`}`);
        }
      } catch (err) {
        // An unreadable file must not stop the heartbeat this runs in; said once per run and cause.
        const message = `could not read what its Slurm task logged: ${(err as Error).message}`;
        if (this.catchUpErrors.get(id) !== message) this.store.appendLog(id, message);
        this.catchUpErrors.set(id, message);
      } finally {
        this.store.releaseLeases([id]);
      }
      if (events > 0) out.push({ run: id, events });
    }
    return out;
  }

  /**
   * Watches Slurm runs (of `ids`, default every one not known to have ended) through this host's Slurm
   * executor, as the process that submitted them would: ingestion resumes where the index left off,
   * and Slurm's own states end a task that stopped without writing its end. With `reopen` (default),
   * runs marked interrupted because nobody watched them are watched again (their task may still run,
   * or have ended with nothing written: Slurm says which). Runs another live process holds are left to
   * it and returned with their holder; interrupted runs with no Slurm job on record (the host stopped
   * before sbatch answered) have no task to watch and are returned as `unwatchable`.
   */
  attachSlurm(
    ids?: readonly string[],
    opts: { reopen?: boolean } = {},
  ): { attached: string[]; heldElsewhere: Map<string, { owner: string; until: number }>; unwatchable: string[] } {
    if (!(this.executor instanceof SlurmExecutor)) throw new Error('watching Slurm runs needs a host with the Slurm executor');
    const reopen = opts.reopen ?? true;
    const wanted = (ids ?? this.store.openSlurmRuns()).filter((id) => !this.held.has(id));
    const { held, heldBy } = this.store.claimLeases(wanted, reopen ? ['queued', 'running', 'interrupted'] : ['queued', 'running']);
    const jobs: RunJob[] = [];
    const unwatchable: string[] = [];
    for (const id of held) {
      const dir = this.store.runDir(id);
      const run = this.store.getRunSummary(id);
      if (run.status === 'interrupted') {
        const watchable = readSlurmRunInfo(dir) !== null;
        if (!watchable || !this.store.reopenSlurmRun(id)) {
          if (!watchable) unwatchable.push(id);
          this.store.releaseLeases([id]);
          continue;
        }
        this.store.appendLog(id, `watched again (it was interrupted: ${run.error ?? 'nobody watched it'})`);
        this.emit({ type: 'run', run: this.store.getRunSummary(id) });
      }
      this.runExperiment.set(id, run.experimentId);
      this.held.add(id);
      jobs.push({ runId: id, run: this.store.getResolved(id), runDir: dir });
    }
    const { attached, missing } = this.executor.attach(jobs, this.onWorkerEvent, (id) => this.store.ingestedSteps(id));
    for (const id of missing) {
      this.held.delete(id);
      this.store.finishRun(id, 'interrupted', { message: 'sent to Slurm, but no job id was recorded (the host stopped before sbatch answered)' });
    }
    return { attached, heldElsewhere: heldBy, unwatchable };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.scorer?.close();
    // Runs are asked to stop and send what they buffered; their leases stay renewed while they do.
    await this.executor.shutdown();
    clearInterval(this.heartbeatTimer);
    // What is still held goes on without this host (Slurm tasks): another process may watch it at once.
    this.store.releaseLeases(this.held);
    this.flushEvents();
    this.store.close();
  }

  // ---- events -------------------------------------------------------------------------------
  subscribe(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events are batched per 100 ms so a fast run never floods the renderer. */
  private emit(e: ApiEvent): void {
    if (this.listeners.size === 0) return;
    this.pendingEvents.push(e);
    this.eventTimer ??= setTimeout(() => this.flushEvents(), 100);
  }

  private flushEvents(): void {
    if (this.eventTimer) clearTimeout(this.eventTimer);
    this.eventTimer = null;
    const batch = this.pendingEvents.splice(0);
    for (const e of batch) for (const l of this.listeners) l(e);
  }

  // ---- runs ---------------------------------------------------------------------------------
  private onWorkerEvent = (runId: string, e: WorkerEvent): void => {
    const s = this.store;
    if (this.lost.has(runId)) {
      if (e.type === 'done' || e.type === 'failed') this.ended(runId);
      return;
    }
    switch (e.type) {
      case 'checkpoint': {
        // Every metric up to e.step was handled before this event: the file can become the resume point.
        const dir = join(s.runDir(runId), 'checkpoints');
        try {
          renameSync(join(dir, e.file), join(dir, RESUME_FILE));
        } catch (err) {
          s.appendLog(runId, `could not keep the checkpoint at step ${e.step}: ${(err as Error).message}`);
        }
        return;
      }
      case 'heartbeat':
        // The task's own clock: a lease is judged against clocks that agree to within seconds (NTP).
        // A beat read long after it was written (a backlog) says nothing about now: the host keeps renewing.
        if (e.t + s.remoteLeaseMs <= s.clock()) return;
        this.beatsFromTask.add(runId);
        s.renewLeases([runId], e.t + s.remoteLeaseMs);
        return;
      case 'started':
        s.markRunning(runId, { backend: e.backend, externalId: e.externalId });
        s.appendLog(runId, `started on backend ${e.backend} (pid ${e.pid}${e.thread === undefined ? '' : `, worker thread ${e.thread}`})${e.externalId ? ` as Slurm task ${e.externalId}` : ''}`);
        break;
      case 'compute':
        s.setCompute(runId, e.compute, e.backend);
        s.appendLog(runId, `compute ${e.compute} on ${e.backend} (${e.reason})`);
        break;
      case 'sandbox':
        s.setSandbox(runId, e.sandbox);
        s.appendLog(runId, `reward code runs in ${e.sandbox} (${e.reason})`);
        break;
      case 'metrics':
        s.appendMetrics(runId, e.points);
        this.emit({ type: 'metrics', run: runId, experiment: this.experimentIdOf(runId), time: Date.now() / 1000, points: e.points });
        return;
      case 'progress':
        s.updateProgress(runId, e.step, e.sps);
        break;
      case 'log':
        s.appendLog(runId, e.line);
        this.emit({ type: 'log', run: runId, line: e.line });
        return;
      case 'sample':
        s.addSample(runId, e.step, e.kind, e.data);
        this.emit({ type: 'sample', sample: { run: runId, step: e.step, kind: e.kind, data: e.data } });
        return;
      case 'done':
        if (e.cancelled && this.closing && !this.cancelAsked.has(runId)) {
          // Quitting the app or stopping `serve` is not a verdict on the run: like a crash, it can be resumed.
          s.finishRun(runId, 'interrupted', { message: 'the host shut down before the run finished (resume continues it from its last checkpoint)' });
          s.appendLog(runId, 'interrupted: the host shut down; everything it logged until then is kept');
        } else {
          s.finishRun(runId, e.cancelled ? 'cancelled' : 'finished');
          s.appendLog(runId, e.cancelled ? 'cancelled' : 'finished');
        }
        this.ended(runId);
        break;
      case 'failed':
        s.finishRun(runId, 'failed', { message: e.message, line: e.line });
        s.appendLog(runId, `failed: ${e.message}${e.stack ? '\n' + e.stack : ''}`);
        this.ended(runId);
        break;
    }
    this.emit({ type: 'run', run: s.getRunSummary(runId) });
    if (e.type === 'done' || e.type === 'failed' || e.type === 'started') {
      const exp = this.runExperiment.get(runId);
      if (exp) this.emit({ type: 'experiment', experiment: s.getExperimentSummary(exp) });
    }
  };

  private experimentIdOf(runId: string): string {
    let exp = this.runExperiment.get(runId);
    if (!exp) {
      exp = this.store.getRunSummary(runId).experimentId;
      this.runExperiment.set(runId, exp);
    }
    return exp;
  }

  private ended(runId: string): void {
    this.held.delete(runId);
    this.cancelAsked.delete(runId);
    this.beatsFromTask.delete(runId);
    const exp = this.runExperiment.get(runId);
    const w = exp ? this.runWaiters.get(exp) : undefined;
    if (w) {
      w.remaining.delete(runId);
      if (w.remaining.size === 0) {
        this.runWaiters.delete(exp!);
        w.resolve();
      }
    }
  }

  /** Where a spec's reward files may come from: its folder, the workspace, files picked in a dialog. */
  rewardFilePolicy(specDir: string): RewardFilePolicy {
    return { specDir, roots: [this.store.root], picked: this.pickedRewardFiles };
  }

  /** A reward file the user chose in a native dialog (Electron) may be named by a spec wherever it is. */
  allowPickedRewardFile(path: string): void {
    try {
      this.pickedRewardFiles.add(realpathSync(path));
    } catch {
      this.pickedRewardFiles.add(resolve(path));
    }
  }

  /** Reads the spec's reward files asynchronously; pass the result to `launch` as `readRewardFile`. */
  preloadRewardFiles(specInput: unknown, specDir: string): Promise<(p: string) => RewardSource> {
    return preloadRewardFiles(specInput, this.rewardFilePolicy(specDir));
  }

  /** Validates, stores and queues an experiment. `specDir` resolves relative reward files. */
  launch(
    specInput: unknown,
    opts: StartOptions & { specDir?: string; readRewardFile?: (p: string) => RewardSource } = {},
  ): { experimentId: string; runIds: string[]; runs: ResolvedRun[]; done: Promise<void> } {
    const read = opts.readRewardFile ?? rewardFileReader(this.rewardFilePolicy(opts.specDir ?? process.cwd()));
    const { spec, runs } = resolveExperiment(specInput, { readRewardFile: read });
    return this.launchResolved(spec, runs);
  }

  private launchResolved(spec: Parameters<RunStore['createExperiment']>[0], runs: ResolvedRun[]) {
    const { experimentId, runIds } = this.store.createExperiment(spec, runs, { executor: this.executor.name });
    runIds.forEach((id) => {
      this.runExperiment.set(id, experimentId);
      this.held.add(id);
    });
    const done = new Promise<void>((resolveDone) => this.runWaiters.set(experimentId, { remaining: new Set(runIds), resolve: resolveDone }));
    this.emit({ type: 'experiment', experiment: this.store.getExperimentSummary(experimentId) });
    this.executor.submit(
      runs.map((run, i) => ({ runId: runIds[i], run, runDir: this.store.runDir(runIds[i]) })),
      this.onWorkerEvent,
    );
    return { experimentId, runIds, runs, done };
  }

  // ---- CreditlabApi -------------------------------------------------------------------------
  async doctor(): Promise<DoctorInfo> {
    const { initBackend } = await import('@creditlab/rl');
    const b = await initBackend(process.env.CREDITLAB_BACKEND);
    return {
      version: VERSION,
      node: process.version,
      backend: b.backend,
      backendsTried: b.tried,
      electron: detectElectron(),
      workspace: this.store.root,
      workers: this.workers,
      cores: availableParallelism(),
    };
  }

  async listPresets(): Promise<Preset[]> {
    if (!existsSync(PRESETS_DIR)) return [];
    return readdirSync(PRESETS_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const spec = JSON.parse(readFileSync(join(PRESETS_DIR, f), 'utf8')) as { name?: string; description?: string };
        return { id: f.replace(/\.json$/, ''), name: spec.name ?? f, description: spec.description ?? '', spec };
      });
  }

  async editorSupport() {
    const { methodCatalog } = await import('@creditlab/rewards');
    return { specSchema: experimentJsonSchema(await this.envIds()), rewardApiDts: await rewardApiDts(), methods: methodCatalog() as RewardMethodInfo[] };
  }

  /** The workspace's cache folder (its Python venv, SFT checkpoints). */
  get cacheDir(): string {
    return join(this.store.root, 'cache');
  }

  private envIdsPromise: Promise<string[]> | null = null;
  /** Built-in env ids, then the registered Gymnasium ids if the bridge's Python has gymnasium (asked once). */
  private envIds(): Promise<string[]> {
    this.envIdsPromise ??= (async () => {
      const { ENVS } = await import('@creditlab/envs');
      const { probePythonAsync } = await import('@creditlab/gym/python');
      const probe = await probePythonAsync({ cacheDir: this.cacheDir, ids: true, timeoutMs: 30000 });
      return [...Object.keys(ENVS), ...(probe.ids ?? []).map((id) => `gymnasium:${id}`)];
    })();
    return this.envIdsPromise;
  }

  /**
   * The API (the app, `creditlab serve`) runs experiments on this machine only, so a spec that asks for
   * Slurm, or that leaves the choice to a workspace whose config.json asks for it, is refused instead of
   * quietly run here. Sending experiments to a cluster is the CLI's: its tasks start the creditlab CLI of
   * a checkout the nodes can see, and a packaged app has no CLI a cluster node could run.
   */
  private slurmRefusal(spec: unknown): SpecError[] {
    if (this.executor instanceof SlurmExecutor) return [];
    const asked = (spec as { executor?: { type?: unknown } } | null)?.executor?.type;
    if (asked !== undefined && asked !== 'slurm') return [];
    const how = 'submit it with `creditlab run SPEC --executor slurm` from a shell that has the creditlab CLI (a checkout on the cluster\'s shared filesystem)';
    if (asked === 'slurm') {
      return [{ path: 'executor.type', message: `"slurm": the desktop app and creditlab serve run experiments on this machine only; ${how}, or set executor.type to "local" to run it here` }];
    }
    let fromWorkspace: string | undefined;
    try {
      fromWorkspace = readWorkspaceConfig(this.store.root).executor?.type;
    } catch (e) {
      if (e instanceof SpecValidationError) return e.errors;
      throw e;
    }
    if (fromWorkspace !== 'slurm') return [];
    return [{ path: 'executor.type', message: `not set, and this workspace's config.json (${join(this.store.root, 'config.json')}) sends experiments to Slurm, which the desktop app and creditlab serve cannot do; ${how}, or set executor.type to "local" in the spec to run it here` }];
  }

  async validateSpec(spec: unknown): Promise<ValidationResult> {
    try {
      // Specs from the UI have no folder of their own; the presets' folder stands in for it.
      const read = await this.preloadRewardFiles(spec, PRESETS_DIR);
      const { runs, spec: s } = resolveExperiment(spec, { readRewardFile: read });
      const slurm = this.slurmRefusal(spec);
      if (slurm.length) return { ok: false, errors: slurm };
      const fields = await gymFieldCheck(spec, this.cacheDir, { maxAgeMs: 60_000 });
      if (fields.errors.length) return { ok: false, errors: fields.errors };
      return { ok: true, runs: runs.length, arms: s.arms.map((a) => a.name) };
    } catch (e) {
      if (e instanceof SpecValidationError) return { ok: false, errors: e.errors };
      throw e;
    }
  }

  async startExperiment(spec: unknown, opts: StartOptions = {}) {
    const slurm = this.slurmRefusal(spec);
    if (slurm.length) throw new ApiError(`Slurm is not available here: ${slurm[0].message}`, slurm);
    try {
      const read = await this.preloadRewardFiles(spec, PRESETS_DIR);
      await assertGymFields(spec, this.cacheDir);
      const { experimentId, runIds } = this.launch(spec, { ...opts, readRewardFile: read });
      return { experimentId, runIds };
    } catch (e) {
      if (e instanceof SpecValidationError) throw new ApiError('invalid spec', e.errors);
      throw e;
    }
  }

  async listExperiments() {
    return this.store.listExperiments();
  }

  async getExperiment(id: string): Promise<ExperimentDetail> {
    const summary = this.store.getExperimentSummary(id);
    return { ...summary, spec: this.store.getSpec(id), runs: this.store.listRuns(id), metrics: this.store.experimentMetricNames(id) };
  }

  async getRun(id: string): Promise<RunDetail> {
    const summary = this.store.getRunSummary(id);
    const resolved = this.store.getResolved(id);
    return { ...summary, resolved, hash: resolved.hash, runDir: this.store.runDir(id), metrics: this.store.runMetricNames(id), log: this.store.readLog(id) };
  }

  async cancelRun(id: string) {
    this.store.getRunSummary(id);
    this.cancelOne(id);
  }

  async cancelExperiment(id: string) {
    for (const r of this.store.listRuns(id)) if (r.status === 'queued' || r.status === 'running' || r.status === 'interrupted') this.cancelOne(r.id);
  }

  /** A run this host holds is cancelled by its executor; any other through the index (see RunStore.requestCancel). */
  private cancelOne(id: string): void {
    this.cancelAsked.add(id);
    if (this.held.has(id)) return this.executor.cancel(id);
    const outcome = this.store.requestCancel(id);
    if (outcome === 'held-here') return this.executor.cancel(id);
    if (outcome === 'requested' && this.store.getRunSummary(id).executor === 'slurm') {
      // A cluster task polls this file itself, so it stops even when no host is watching it.
      try {
        writeFileSync(join(this.store.runDir(id), 'cancel'), `${new Date().toISOString()}\n`);
      } catch {
        /* the holder still sees the request in the index */
      }
    }
    if (outcome === 'cancelled') {
      this.store.appendLog(id, 'cancelled (it was no longer running: nothing held it)');
      this.emit({ type: 'run', run: this.store.getRunSummary(id) });
      this.emit({ type: 'experiment', experiment: this.store.getExperimentSummary(this.experimentIdOf(id)) });
    }
  }

  async rerunExperiment(id: string) {
    if (this.store.importedSource(id)) throw new ApiError('an imported experiment records training done elsewhere and cannot be re-run');
    const spec = this.store.getSpec(id);
    const slurm = this.slurmRefusal(spec);
    if (slurm.length) throw new ApiError(`Slurm is not available here: ${slurm[0].message}`, slurm);
    // An experiment submitted with `creditlab run --executor slurm` keeps no executor in its spec; its runs
    // say where they went. Re-running a cluster sweep on this machine unasked is refused like a Slurm spec.
    const summaries = this.store.listRuns(id);
    if (!(this.executor instanceof SlurmExecutor) && summaries.some((r) => r.executor === 'slurm'))
      throw new ApiError(
        'Slurm is not available here: this experiment\'s runs went to Slurm, and the desktop app and creditlab serve run experiments on this machine only; ' +
          'submit its spec again with `creditlab run SPEC --executor slurm` from a shell that has the creditlab CLI (a checkout on the cluster\'s shared filesystem), ' +
          'or Duplicate it and set executor.type to "local" to run it here',
      );
    const runs = summaries.map((r) => this.store.getResolved(r.id));
    const { experimentId, runIds } = this.launchResolved(spec, runs);
    return { experimentId, runIds };
  }

  /**
   * Continues interrupted runs from their resume checkpoints, as the same runs (same ids, same
   * folders): what they logged after the checkpoint's step is removed, since they log it again.
   * `id` is an experiment (all its interrupted runs) or one run. Resolves once they are queued;
   * `resumed.done` (from resumeRuns) waits for them to end.
   */
  async resume(id: string): Promise<ResumeResult> {
    return this.resumeRuns(id).result;
  }

  resumeRuns(id: string): { result: ResumeResult; done: Promise<void> } {
    this.store.recoverOrphans();
    const target = this.store.resolveId(id);
    const runs = target.kind === 'experiment' ? this.store.listRuns(target.id) : [this.store.getRunSummary(target.id)];
    const result: ResumeResult = { resumed: [], restarted: [], skipped: [] };
    const jobs: RunJob[] = [];
    for (const r of runs) {
      if (r.status !== 'interrupted') {
        if (target.kind === 'run') result.skipped.push({ run: r.id, reason: `it is ${r.status}, not interrupted` });
        continue;
      }
      if (this.executor.name !== 'local' || r.executor !== 'local') {
        result.skipped.push({
          run: r.id,
          reason:
            r.executor === 'slurm'
              ? 'a Slurm run is not resumed; what its task logged is read in when a host opens the workspace, and `creditlab slurm attach` watches it again'
              : 'resume runs on the local worker pool only; this host uses Slurm',
        });
        continue;
      }
      const run = this.store.getResolved(r.id);
      if (run.config.kind !== 'rl' && run.config.kind !== 'rlhf') {
        result.skipped.push({ run: r.id, reason: 'an imported run records training done elsewhere' });
        continue;
      }
      const runDir = this.store.runDir(r.id);
      const why = whyNotResumable(run);
      const ckpt = why ? null : readResumeCheckpoint(runDir);
      const fromStep = ckpt?.step ?? 0;
      if (!this.store.reopenForResume(r.id, fromStep)) {
        result.skipped.push({ run: r.id, reason: 'another process resumed or cancelled it first' });
        continue;
      }
      // Checkpoints written after the resume point never had their metrics committed: not a resume point.
      this.dropPendingCheckpoints(runDir);
      if (ckpt) {
        result.resumed.push({ run: r.id, fromStep });
        this.store.appendLog(r.id, `resumed from the checkpoint at step ${fromStep}; what it had logged after that step was removed`);
      } else {
        if (!why) rmSync(join(runDir, 'checkpoints', RESUME_FILE), { force: true });
        const reason = why ?? 'it had written no checkpoint yet';
        result.restarted.push({ run: r.id, reason });
        this.store.appendLog(r.id, `restarted from step 0 (${reason}); what it had logged was removed`);
      }
      jobs.push({ runId: r.id, run, runDir, resume: ckpt !== null });
    }
    const ids = jobs.map((j) => j.runId);
    const expOf = new Map(ids.map((rid) => [rid, this.store.getRunSummary(rid).experimentId]));
    const done = Promise.all(
      [...new Set(expOf.values())].map(
        (exp) =>
          new Promise<void>((resolveDone) => {
            const mine = ids.filter((rid) => expOf.get(rid) === exp);
            const prev = this.runWaiters.get(exp);
            const remaining = new Set([...(prev?.remaining ?? []), ...mine]);
            this.runWaiters.set(exp, {
              remaining,
              resolve: () => {
                prev?.resolve();
                resolveDone();
              },
            });
          }),
      ),
    ).then(() => undefined);
    for (const rid of ids) {
      this.runExperiment.set(rid, expOf.get(rid)!);
      this.held.add(rid);
      this.emit({ type: 'run', run: this.store.getRunSummary(rid) });
    }
    for (const exp of new Set(expOf.values())) this.emit({ type: 'experiment', experiment: this.store.getExperimentSummary(exp) });
    if (jobs.length) this.executor.submit(jobs, this.onWorkerEvent);
    return { result, done };
  }

  private dropPendingCheckpoints(runDir: string): void {
    const dir = join(runDir, 'checkpoints');
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)) if (f.endsWith('.pending.json') || f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
  }

  async setRunMeta(id: string, meta: { tags?: string[]; notes?: string }) {
    this.store.setRunMeta(id, meta);
    this.emit({ type: 'run', run: this.store.getRunSummary(id) });
  }

  async getSeries(experimentId: string, metric: string, sinceStep?: number) {
    return this.store.series(experimentId, metric, sinceStep);
  }

  async scoreEpisode(reward: RewardDraft, episode: EpisodeRecord) {
    this.scorer ??= new ScoreService();
    return this.scorer.score(reward, episode);
  }

  async listRewardVersions(name?: string) {
    return this.store.listRewardVersions(name);
  }

  async saveRewardVersion(name: string, code: string, note?: string) {
    return this.store.saveRewardVersion(name, code, note);
  }

  async previewImport(req: ImportRequest) {
    return previewImport(await planImport(req));
  }

  async importRuns(req: ImportRequest) {
    const { plan, result: written } = await runImport(req, () => this.store);
    const result = written ?? writeImport(this.store, plan, req.name);
    const summary = this.store.getExperimentSummary(result.experimentId);
    this.emit({ type: 'experiment', experiment: summary });
    return result;
  }

  async getSamples(runId: string, kind?: string, limit?: number) {
    return this.store.getSamples(runId, kind, limit);
  }

  async exportExperiment(id: string, format: 'csv' | 'json') {
    const name = safeFileName(this.store.getExperimentSummary(id).name, 'experiment');
    if (format === 'csv') return { filename: `${name}-${id}.csv`, mime: 'text/csv', content: [...exportCsvLines(this.store, id)].join('\n') + '\n' };
    return { filename: `${name}-${id}.json`, mime: 'application/json', content: exportJson(this.store, id) };
  }
}
