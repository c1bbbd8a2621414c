// The one typed API between the renderer and the host. Electron's preload and the web host
// (`creditlab serve`, HTTP + WebSocket) are two transports for this same interface.
import type { ExperimentSpec, ResolvedRun, SpecError } from '@creditlab/spec';

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
  backend: string | null;
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
  description: string;
  status: ExperimentStatus;
  createdAt: string;
  arms: string[];
  seeds: number[];
  runCounts: Record<RunStatus, number>;
  tags: string[];
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
}

export interface SampleRecord {
  run: string;
  step: number;
  kind: string;
  data: unknown;
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
  | { type: 'metrics'; run: string; points: { step: number; metric: string; value: number }[] }
  | { type: 'sample'; sample: SampleRecord }
  | { type: 'log'; run: string; line: string };

export interface CreditlabApi {
  doctor(): Promise<DoctorInfo>;
  listPresets(): Promise<Preset[]>;
  /** JSON Schema of the experiment spec and the reward API's .d.ts, for the editor. */
  editorSupport(): Promise<{ specSchema: unknown; rewardApiDts: string }>;
  validateSpec(spec: unknown): Promise<ValidationResult>;
  startExperiment(spec: unknown, opts?: StartOptions): Promise<{ experimentId: string; runIds: string[] }>;
  listExperiments(): Promise<ExperimentSummary[]>;
  getExperiment(id: string): Promise<ExperimentDetail>;
  getRun(id: string): Promise<RunDetail>;
  cancelRun(id: string): Promise<void>;
  cancelExperiment(id: string): Promise<void>;
  /** Re-runs the same resolved runs as a new experiment. */
  rerunExperiment(id: string): Promise<{ experimentId: string; runIds: string[] }>;
  setRunMeta(id: string, meta: { tags?: string[]; notes?: string }): Promise<void>;
  getSeries(experimentId: string, metric: string): Promise<Series[]>;
  getSamples(runId: string, kind?: string, limit?: number): Promise<SampleRecord[]>;
  exportExperiment(id: string, format: 'csv' | 'json'): Promise<ExportResult>;
  /** Subscribes to host events; returns an unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
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
  'setRunMeta',
  'getSeries',
  'getSamples',
  'exportExperiment',
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
