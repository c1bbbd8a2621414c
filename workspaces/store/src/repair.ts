// The index (index.sqlite) is a cache of what the run folders hold plus the metrics. When it is damaged,
// emptied or deleted while runs/ still holds runs, opening the workspace stops and says so instead of
// starting an empty index over the user's results; `creditlab doctor --repair` rebuilds it from runs/.
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExperimentSpec, ResolvedRun } from '@creditlab/spec';

export const INDEX_FILE = 'index.sqlite';
/** Written next to run.json by createExperiment, so the experiment a run belongs to survives the index. */
export const EXPERIMENT_FILE = 'experiment.json';

export interface ExperimentRecord {
  id: string;
  name: string;
  description: string;
  spec: ExperimentSpec;
  tags: string[];
  createdAt: string;
}

export class WorkspaceIndexError extends Error {
  constructor(
    readonly indexPath: string,
    problem: string,
  ) {
    const root = resolve(indexPath, '..');
    super(`the workspace index ${indexPath} ${problem}; run \`creditlab doctor --repair --workspace ${root}\` to rebuild it from ${join(root, 'runs')} (the old file is kept beside it)`);
    this.name = 'WorkspaceIndexError';
  }
}

/** Run folders that hold a run.json. */
export function runFolders(root: string): string[] {
  const dir = join(root, 'runs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((id) => existsSync(join(dir, id, 'run.json')))
    .sort();
}

/** Refuses to open an index that would hide the runs in runs/ (missing or zero-length). */
export function checkIndexBeforeOpen(root: string): void {
  const index = join(root, INDEX_FILE);
  const present = existsSync(index);
  if (present && statSync(index).size > 0) return;
  // WAL mode keeps recent commits in -wal: an empty main file with a WAL beside it is a live index.
  if (present && existsSync(`${index}-wal`) && statSync(`${index}-wal`).size > 0) return;
  const n = runFolders(root).length;
  if (n === 0) return;
  throw new WorkspaceIndexError(index, `is ${present ? 'empty' : 'missing'} but ${n} run folder(s) remain in runs/`);
}

/** SQLite's ways of saying the file is not a usable database. */
export function isCorruptionError(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return /^SQLITE_(NOTADB|CORRUPT)/.test(code) || /file is not a database|database disk image is malformed/.test((e as Error).message ?? '');
}

export interface RecoveredRun {
  id: string;
  experiment: ExperimentRecord;
  resolved: ResolvedRun;
  status: 'finished' | 'failed' | 'cancelled' | 'interrupted';
  error: string | null;
  /** Metric points recorded in the folder (events.jsonl, written by Slurm tasks). */
  points: { step: number; metric: string; value: number }[];
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** What the folder says about how the run ended: its log's last word, else interrupted. */
function endOf(dir: string): { status: RecoveredRun['status']; error: string | null } {
  const log = join(dir, 'log.txt');
  if (existsSync(log)) {
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    for (let i = lines.length - 1; i >= 0; i--) {
      const text = lines[i].replace(/^\S+ /, '');
      if (text === 'finished') return { status: 'finished', error: null };
      if (text === 'cancelled') return { status: 'cancelled', error: null };
      if (text.startsWith('failed: ')) return { status: 'failed', error: text.slice(8) };
    }
  }
  return { status: 'interrupted', error: 'recovered by doctor --repair: the run folder does not say how the run ended' };
}

function eventsOf(dir: string): RecoveredRun['points'] & { ended?: { status: RecoveredRun['status']; error: string | null } } {
  const points: RecoveredRun['points'] & { ended?: { status: RecoveredRun['status']; error: string | null } } = [];
  const file = join(dir, 'events.jsonl');
  if (!existsSync(file)) return points;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let e: { type?: string; points?: { step: number; metric: string; value: number }[]; cancelled?: boolean; message?: string };
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a torn last line after a crash
    }
    if (e.type === 'metrics' && Array.isArray(e.points)) points.push(...e.points);
    else if (e.type === 'done') points.ended = { status: e.cancelled ? 'cancelled' : 'finished', error: null };
    else if (e.type === 'failed') points.ended = { status: 'failed', error: e.message ?? null };
  }
  return points;
}

/** Reads every run folder; runs without experiment.json (older workspaces) are grouped by experiment name. */
export function recoverRuns(root: string, newId: (prefix: string) => string): RecoveredRun[] {
  const byName = new Map<string, ExperimentRecord>();
  const out: RecoveredRun[] = [];
  for (const id of runFolders(root)) {
    const dir = join(root, 'runs', id);
    const resolved = readJson<ResolvedRun>(join(dir, 'run.json'));
    if (!resolved || typeof resolved !== 'object' || typeof resolved.arm !== 'string') continue;
    let experiment = readJson<ExperimentRecord>(join(dir, EXPERIMENT_FILE));
    if (!experiment || typeof experiment.id !== 'string') {
      const name = String(resolved.experiment ?? 'recovered');
      experiment = byName.get(name) ?? null;
      if (!experiment) {
        const created = statSync(dir).mtime.toISOString();
        const spec = { version: 1, name, description: 'recovered by doctor --repair', seeds: [], budget: resolved.budget, base: {}, arms: [], tags: [] } as unknown as ExperimentSpec;
        experiment = { id: newId('e'), name, description: spec.description, spec, tags: ['recovered'], createdAt: created };
        byName.set(name, experiment);
      }
    }
    const points = eventsOf(dir);
    const ended = points.ended ?? endOf(dir);
    out.push({ id, experiment, resolved, status: ended.status, error: ended.error, points });
  }
  return out;
}

/** Moves the damaged index (and its WAL files) aside; returns where the main file went. */
export function setIndexAside(root: string): string | null {
  const index = join(root, INDEX_FILE);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let kept: string | null = null;
  for (const suffix of ['', '-wal', '-shm']) {
    const f = index + suffix;
    if (!existsSync(f)) continue;
    const to = `${index}.damaged-${stamp}${suffix}`;
    renameSync(f, to);
    if (suffix === '') kept = to;
  }
  return kept;
}
