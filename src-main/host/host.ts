// The host: the only writer of the workspace index. It resolves specs, hands runs to an executor,
// turns worker events into batched store transactions, and implements the typed API for both shells.
import { readFileSync, readdirSync, existsSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { resolveExperiment, SpecValidationError, experimentJsonSchema, type ResolvedRun } from '@creditlab/spec';
import { RunStore, exportCsvLines, exportJson } from '@creditlab/store';
import { LocalPool, ScoreService, SlurmExecutor, type Executor, type WorkerEvent } from '@creditlab/runner';
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
  type RunDetail,
  type StartOptions,
  type ValidationResult,
} from '@creditlab/api';
import { rewardApiDts } from './reward-api';
import { detectElectron } from './electron-detect';
import { planImport, previewImport, writeImport } from './import-service';
import { preloadRewardFiles, rewardFileReader, type RewardFilePolicy, type RewardSource } from './reward-files';

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
export const PRESETS_DIR = join(REPO_ROOT, 'presets');
export const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface HostOptions {
  workspace?: string;
  workers?: number;
  executor?: Executor;
}

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
  private pickedRewardFiles = new Set<string>();

  constructor(opts: HostOptions = {}) {
    this.store = RunStore.open(opts.workspace);
    this.workers = opts.workers ?? availableParallelism();
    this.executor = opts.executor ?? new LocalPool({ workers: this.workers });
    this.reattachSlurm();
  }

  /** Slurm runs outlive the process that submitted them: watch the ones still queued or running again. */
  private reattachSlurm(): void {
    if (!(this.executor instanceof SlurmExecutor)) return;
    const rows = this.store.db.prepare(`SELECT id, experiment_id FROM runs WHERE executor='slurm' AND status IN ('queued','running')`).all() as { id: string; experiment_id: string }[];
    if (rows.length === 0) return;
    rows.forEach((r) => this.runExperiment.set(r.id, r.experiment_id));
    const { missing } = this.executor.attach(
      rows.map((r) => ({ runId: r.id, run: this.store.getResolved(r.id), runDir: this.store.runDir(r.id) })),
      this.onWorkerEvent,
    );
    for (const id of missing) this.store.finishRun(id, 'interrupted', { message: 'sent to Slurm, but no job id was recorded (the host stopped before sbatch answered)' });
  }

  async close(): Promise<void> {
    await this.scorer?.close();
    await this.executor.shutdown();
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
    switch (e.type) {
      case 'started':
        s.markRunning(runId, { backend: e.backend, externalId: e.externalId });
        s.appendLog(runId, `started on backend ${e.backend} (pid ${e.pid})${e.externalId ? ` as Slurm task ${e.externalId}` : ''}`);
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
        s.finishRun(runId, e.cancelled ? 'cancelled' : 'finished');
        s.appendLog(runId, e.cancelled ? 'cancelled' : 'finished');
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
    runIds.forEach((id) => this.runExperiment.set(id, experimentId));
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
    return { specSchema: experimentJsonSchema(), rewardApiDts: await rewardApiDts(), methods: methodCatalog() as RewardMethodInfo[] };
  }

  async validateSpec(spec: unknown): Promise<ValidationResult> {
    try {
      // Specs from the UI have no folder of their own; the presets' folder stands in for it.
      const read = await this.preloadRewardFiles(spec, PRESETS_DIR);
      const { runs, spec: s } = resolveExperiment(spec, { readRewardFile: read });
      return { ok: true, runs: runs.length, arms: s.arms.map((a) => a.name) };
    } catch (e) {
      if (e instanceof SpecValidationError) return { ok: false, errors: e.errors };
      throw e;
    }
  }

  async startExperiment(spec: unknown, opts: StartOptions = {}) {
    try {
      const read = await this.preloadRewardFiles(spec, PRESETS_DIR);
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
    this.executor.cancel(id);
  }

  async cancelExperiment(id: string) {
    for (const r of this.store.listRuns(id)) if (r.status === 'queued' || r.status === 'running') this.executor.cancel(r.id);
  }

  async rerunExperiment(id: string) {
    if (this.store.importedSource(id)) throw new ApiError('an imported experiment records training done elsewhere and cannot be re-run');
    const spec = this.store.getSpec(id);
    const runs = this.store.listRuns(id).map((r) => this.store.getResolved(r.id));
    const { experimentId, runIds } = this.launchResolved(spec, runs);
    return { experimentId, runIds };
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
    const result = writeImport(this.store, await planImport(req), req.name);
    const summary = this.store.getExperimentSummary(result.experimentId);
    this.emit({ type: 'experiment', experiment: summary });
    return result;
  }

  async getSamples(runId: string, kind?: string, limit?: number) {
    return this.store.getSamples(runId, kind, limit);
  }

  async exportExperiment(id: string, format: 'csv' | 'json') {
    const name = this.store.getExperimentSummary(id).name.replace(/[^\w.\-]+/g, '_');
    if (format === 'csv') return { filename: `${name}-${id}.csv`, mime: 'text/csv', content: [...exportCsvLines(this.store, id)].join('\n') + '\n' };
    return { filename: `${name}-${id}.json`, mime: 'application/json', content: exportJson(this.store, id) };
  }
}
