// The one typed API between the renderer and the host. Electron's preload and the web host
// (`creditlab serve`, HTTP + WebSocket) are two transports for this same interface.
import type { Compute, ExperimentSpec, ResolvedRun, SpecError } from '@creditlab/spec';

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';
export type ExperimentStatus = 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

export interface RunSummary {
  id: string;
  experimentId: string;
  arm: string;
  seed: number;
  index: number;
  status: RunStatus;
  /** Budget units done so far (env steps or iterations) and the budget. */
  progress: number;
  total: number;
  /** Steps per second over the last progress reports, and an ETA in seconds (null when unknown). */
  sps: number | null;
  etaSeconds: number | null;
  /**
   * What does the run's arithmetic: the tfjs backend ("wasm", "cpu", "tensorflow"), or for fused PPO "js+simd"
   * / "js" (plain JS loops, with or without the WebAssembly SIMD matrix product), for fused RLHF "js+simd / wasm".
   */
  backend: string | null;
  /** The compute path the run resolved at start ("fused" kernels or "tfjs" ops); null before it starts and for imported runs. */
  compute: Compute | null;
  /** The engine the run's reward code ran in ("isolated-vm" or "quickjs"); null for runs without reward code, from before, imported. */
  sandbox: string | null;
  error: string | null;
  /** 1-based line in the user's reward code, when the failure came from it. */
  errorLine: number | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Last logged value of each metric. */
  final: Record<string, number>;
  tags: string[];
  notes: string;
  executor: string;
  externalId: string | null;
}

export interface RunDetail extends RunSummary {
  resolved: ResolvedRun;
  hash: string;
  runDir: string;
  metrics: string[];
  log: string[];
}

export interface ExperimentSummary {
  id: string;
  name: string;
  /** What the arms train: "rl", "rlhf", "mixed" when arms differ, or "imported" (trained elsewhere). */
  kind: 'rl' | 'rlhf' | 'mixed' | 'imported';
  description: string;
  status: ExperimentStatus;
  createdAt: string;
  arms: string[];
  seeds: number[];
  runCounts: Record<RunStatus, number>;
  tags: string[];
  /** Set for runs imported from elsewhere: read-only, never re-run. */
  source: ImportedSource | null;
}

export interface ImportedSource {
  kind: 'tensorboard' | 'csv' | 'wandb-csv';
  path: string;
  group?: string;
  importedAt: string;
  lastImportAt: string;
}

export interface ImportRequest {
  kind: 'tensorboard' | 'csv';
  path: string;
  /** A regular expression on the run's path (TensorBoard) or name (CSV) with named groups `arm` and optionally `seed`. */
  group?: string;
  /** The experiment's name; default: the folder's or file's name. */
  name?: string;
}

/** What an import would write: shown before anything is written. */
export interface ImportPreview {
  source: { kind: 'tensorboard' | 'csv' | 'wandb-csv'; path: string; group?: string };
  arms: { name: string; seeds: number[] }[];
  runs: { key: string; arm: string; seed: number; metrics: number; points: number }[];
  metrics: string[];
  points: number;
  problems: { path: string; message: string; skipped: boolean }[];
}

/** What the store wrote for an import. */
export interface ImportOutcome {
  experimentId: string;
  created: boolean;
  runsAdded: number;
  runsExtended: number;
  pointsAdded: number;
  /** Points already in the workspace from an earlier import of the same source. */
  pointsKnown: number;
}

export interface ImportResult extends ImportOutcome {
  problems: ImportPreview['problems'];
}

export interface ExperimentDetail extends ExperimentSummary {
  spec: ExperimentSpec;
  runs: RunSummary[];
  metrics: string[];
}

export interface Series {
  run: string;
  arm: string;
  seed: number;
  metric: string;
  steps: number[];
  values: number[];
  /** Wall-clock time of each point, seconds since the epoch (when the host stored its batch). */
  times: number[];
  /** The run's compute path (RunSummary.compute), for legends; absent where the source does not say. */
  compute?: Compute | null;
}

/** One recorded RL episode (sample kind "episode"), enough to re-score it with another reward. */
export interface EpisodeRecord {
  env: string;
  envParams: Record<string, unknown>;
  /** The reward config the run trained with (for reference). */
  steps: { obs: number[]; action: number | number[]; nextObs: number[]; envReward: number; terminated: boolean; truncated: boolean; info: Record<string, unknown> }[];
  resetInfo: Record<string, unknown>;
  envReturn: number;
}

export interface RewardDraft {
  code?: string;
  filename?: string;
  combine?: 'add' | 'replace';
  shaping?: unknown[];
  transforms?: unknown[];
  timeoutMs?: number;
  memoryLimitMb?: number;
}

export interface EpisodeScore {
  /** Per step, the value of each pipeline stage (`reward/env`, `reward/user`, `reward/shaping/<name>`, `reward/total`, …). */
  steps: Record<string, number>[];
  totals: Record<string, number>;
  error: { message: string; line: number | null; column: number | null; step: number | null } | null;
  elapsedMs: number;
}

export interface RewardVersion {
  id: string;
  name: string;
  createdAt: string;
  code: string;
  note: string;
}

export interface SampleRecord {
  run: string;
  step: number;
  kind: string;
  data: unknown;
}

/** A reward method of the registry (shaping term or transform): what the editor offers as a template. */
export interface RewardMethodInfo {
  type: string;
  kind: string;
  title: string;
  /** The paper, e.g. "Ng, Harada & Russell, ICML 1999". */
  paper: string;
  doc: string;
  template: string;
  /** JSON Schema of the entry's parameters. */
  params: Record<string, unknown>;
}

export interface Preset {
  id: string;
  name: string;
  description: string;
  spec: unknown;
}

export interface DoctorInfo {
  version: string;
  node: string;
  backend: string;
  backendsTried: { name: string; error?: string }[];
  electron: { installed: boolean; reason?: string };
  workspace: string;
  workers: number;
  cores: number;
}

export type ValidationResult = { ok: true; runs: number; arms: string[] } | { ok: false; errors: SpecError[] };

export interface StartOptions {
  workers?: number;
  executor?: 'local' | 'slurm';
}

export interface ExportResult {
  filename: string;
  mime: string;
  content: string;
}

/** Events pushed from the host; metric points arrive batched. */
export type ApiEvent =
  | { type: 'experiment'; experiment: ExperimentSummary }
  | { type: 'run'; run: RunSummary }
  | { type: 'metrics'; run: string; experiment: string; /** When the host stored the batch, seconds since the epoch. */ time: number; points: { step: number; metric: string; value: number }[] }
  | { type: 'sample'; sample: SampleRecord }
  | { type: 'log'; run: string; line: string };

export interface CreditlabApi {
  doctor(): Promise<DoctorInfo>;
  listPresets(): Promise<Preset[]>;
  /** JSON Schema of the experiment spec and the reward API's .d.ts, for the editor. */
  editorSupport(): Promise<{ specSchema: unknown; rewardApiDts: string; methods: RewardMethodInfo[] }>;
  validateSpec(spec: unknown): Promise<ValidationResult>;
  startExperiment(spec: unknown, opts?: StartOptions): Promise<{ experimentId: string; runIds: string[] }>;
  listExperiments(): Promise<ExperimentSummary[]>;
  getExperiment(id: string): Promise<ExperimentDetail>;
  getRun(id: string): Promise<RunDetail>;
  cancelRun(id: string): Promise<void>;
  cancelExperiment(id: string): Promise<void>;
  /** Re-runs the same resolved runs as a new experiment. */
  rerunExperiment(id: string): Promise<{ experimentId: string; runIds: string[] }>;
  /** Continues the interrupted runs of an experiment (or one interrupted run) from their last checkpoints. */
  resume(id: string): Promise<ResumeResult>;
  setRunMeta(id: string, meta: { tags?: string[]; notes?: string }): Promise<void>;
  /** Each run's series of one metric; with `sinceStep`, only points at steps > sinceStep (incremental refresh). */
  getSeries(experimentId: string, metric: string, sinceStep?: number): Promise<Series[]>;
  getSamples(runId: string, kind?: string, limit?: number): Promise<SampleRecord[]>;
  exportExperiment(id: string, format: 'csv' | 'json'): Promise<ExportResult>;
  /** Re-scores a recorded episode (from getSamples(run, 'episode')) with a draft reward, without training. */
  scoreEpisode(reward: RewardDraft, episode: EpisodeRecord): Promise<EpisodeScore>;
  /** Saved versions of a named reward function (newest first), kept in the workspace. */
  listRewardVersions(name?: string): Promise<RewardVersion[]>;
  saveRewardVersion(name: string, code: string, note?: string): Promise<RewardVersion>;
  /** Reads TensorBoard logs or a CSV export on the host's disk and says what an import would write. */
  previewImport(request: ImportRequest): Promise<ImportPreview>;
  /** Imports them as a read-only experiment (again: only what is new). */
  importRuns(request: ImportRequest): Promise<ImportResult>;
  /** Subscribes to host events; returns an unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

/** What `resume` did with each run it was asked about. */
export interface ResumeResult {
  /** Continued from a checkpoint: the step each continues after. */
  resumed: { run: string; fromStep: number }[];
  /** Started over from step 0, and why (no checkpoint yet, or its trainer writes none). */
  restarted: { run: string; reason: string }[];
  /** Left as they are, and why (not interrupted, or executed where resume is not supported). */
  skipped: { run: string; reason: string }[];
}

/** Request/response method names (everything but `subscribe`), for the transports. */
export const API_METHODS = [
  'doctor',
  'listPresets',
  'editorSupport',
  'validateSpec',
  'startExperiment',
  'listExperiments',
  'getExperiment',
  'getRun',
  'cancelRun',
  'cancelExperiment',
  'rerunExperiment',
  'resume',
  'setRunMeta',
  'getSeries',
  'getSamples',
  'exportExperiment',
  'scoreEpisode',
  'listRewardVersions',
  'saveRewardVersion',
  'previewImport',
  'importRuns',
] as const satisfies readonly (keyof CreditlabApi)[];
export type ApiMethod = (typeof API_METHODS)[number];

/** Wire format shared by the web host and the Electron IPC bridge. */
export type RpcRequest = { id: number; method: ApiMethod; args: unknown[] };
export type RpcResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { message: string; errors?: SpecError[] } };

export class ApiError extends Error {
  constructor(message: string, readonly errors?: SpecError[]) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Sample kind "generation" (RLHF runs): one generated response with the credit each token received,
 * for the token-level credit view. `credits` has one entry per response token per source.
 */
export interface GenerationSample {
  prompt: string;
  response: string;
  /** The response split into tokens (characters for the character-level task). */
  tokens: string[];
  /** Named per-token credit series, e.g. "reward" (the per-token reward), "advantage", "dpo_implicit" (β log π/π_ref). */
  credits: Record<string, number[]>;
  /** Token index at which each reasoning step ends (inclusive), when the task has steps. */
  stepEnds?: number[];
  /** Per-step correctness from the task's checker, when known. */
  stepCorrect?: boolean[];
  correct?: boolean;
  reward?: number;
}
