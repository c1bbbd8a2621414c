// The workspace: a SQLite index (WAL; the host is its only writer) plus one folder per run.
// Every metric batch is one transaction, so after a kill -9 each committed batch is intact;
// a run in flight holds a lease (heartbeats in the index); when its lease expires it is `interrupted`,
// found so when the workspace is opened and by every live host's periodic sweep.
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync, appendFileSync, existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { hostname, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Compute, ExperimentSpec, ResolvedRun } from '@creditlab/spec';
import type { ExperimentStatus, ExperimentSummary, ImportedSource, ImportOutcome, RunStatus, RunSummary, SampleRecord, Series } from '@creditlab/api';
import { MIGRATIONS } from './migrations';
import { BackgroundCheckpointer } from './checkpointer';
import { safeFileName } from '@creditlab/common';
import { EXPERIMENT_FILE, INDEX_FILE, WorkspaceIndexError, checkIndexBeforeOpen, isCorruptionError, recoverRuns, setIndexAside, type ExperimentRecord } from './repair';

export interface MetricPoint {
  step: number;
  metric: string;
  value: number;
}

/** Runs trained elsewhere, as an importer read them (see @creditlab/importers). */
export interface ImportBatch {
  source: { kind: ImportedSource['kind']; path: string; group?: string };
  name: string;
  runs: { key: string; arm: string; seed: number; files: string[]; metrics: Map<string, { steps: ArrayLike<number>; values: ArrayLike<number>; walls: ArrayLike<number> }> }[];
}

export const TERMINAL: readonly RunStatus[] = ['finished', 'failed', 'cancelled', 'interrupted'];

export function defaultWorkspace(): string {
  return resolve(process.env.CREDITLAB_WORKSPACE || join(homedir(), '.creditlab'));
}

const now = () => new Date().toISOString();

/** How a store tells time and how long a lease lasts; tests inject a clock instead of sleeping. */
export interface LeaseOptions {
  /** Epoch milliseconds. */
  clock?: () => number;
  /** How long a heartbeat keeps a run alive. Holders renew every few seconds, well inside it. */
  leaseMs?: number;
  /**
   * For runs executing elsewhere (a Slurm task writing events.jsonl on a shared filesystem): how
   * recent the last write to the events file must be to count as a heartbeat. Longer than leaseMs
   * because network filesystems cache file attributes for up to a minute.
   */
  remoteLeaseMs?: number;
}

export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_REMOTE_LEASE_MS = 180_000;
const newId = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

/**
 * Where a pid means something: the host, this boot and this pid namespace (containers sharing a
 * hostname have their own). A pid is only checked for liveness by a process with the same place.
 */
let place: string | undefined;
function pidPlace(): string {
  if (place) return place;
  const read = (f: string, link = false) => {
    try {
      return link ? readlinkSync(f) : readFileSync(f, 'utf8').trim();
    } catch {
      return '-';
    }
  };
  const boot = process.platform === 'linux' ? read('/proc/sys/kernel/random/boot_id') : '-';
  const ns = process.platform === 'linux' ? read('/proc/self/ns/pid', true).replace(/\D/g, '') || '-' : '-';
  return (place = `${hostname()}/${boot.slice(0, 8)}/${ns}`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface RunRow {
  rid: number;
  id: string;
  experiment_id: string;
  idx: number;
  arm: string;
  seed: number;
  hash: string;
  resolved_json: string;
  status: RunStatus;
  progress: number;
  total: number;
  sps: number | null;
  backend: string | null;
  compute: Compute | null;
  sandbox: string | null;
  error: string | null;
  error_line: number | null;
  started_at: string | null;
  ended_at: string | null;
  executor: string;
  external_id: string | null;
  tags_json: string;
  notes: string;
  lease_owner: string | null;
  lease_until: number | null;
  cancel_requested: number;
}

/** What cancelling a run from this process did. */
export type CancelOutcome =
  | 'held-here' // the caller's executor holds it: cancel it there
  | 'requested' // another live process holds it: asked through the index
  | 'cancelled' // nobody holds it (interrupted, or its lease expired): marked cancelled now
  | 'ended'; // already finished, failed or cancelled

/** An import this large checkpoints on a thread of its own (smaller ones are not worth starting it). */
const IMPORT_CHECKPOINTER_POINTS = 200_000;
/** Live ingest does once a store has written this many points through appendMetrics... */
const LIVE_CHECKPOINTER_POINTS = 100_000;
/** ...asking for a checkpoint every this many points (about 2 MB of pages)... */
const CHECKPOINT_EVERY_POINTS = 50_000;
/** ...until no batch came for this long. */
const CHECKPOINTER_IDLE_MS = 3_000;

/** appendMetrics inserts this many rows per statement (5 parameters each, well under SQLite's 32766). */
const METRIC_ROWS_PER_INSERT = 100;

/**
 * Puts the index in WAL mode. Switching a new file's journal mode needs an exclusive lock, and SQLite
 * can answer SQLITE_BUSY at once instead of waiting out busy_timeout when several processes open a new
 * workspace at the same moment (seen in a test of four); so the switch is retried for up to as long.
 */
function switchToWal(db: Database.Database, budgetMs = 5000): void {
  const until = Date.now() + budgetMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
    }
  }
}

export class RunStore {
  readonly db: Database.Database;
  readonly root: string;
  private metricIds = new Map<string, number>();
  private ridCache = new Map<string, number>();
  readonly clock: () => number;
  readonly leaseMs: number;
  readonly remoteLeaseMs: number;
  /** This process's lease identity, `place:pid:nonce`: unique even when a pid is reused or a hostname is shared. */
  readonly owner = `${pidPlace()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  private constructor(root: string, lease: LeaseOptions, rebuilding = false) {
    this.root = root;
    this.clock = lease.clock ?? Date.now;
    this.leaseMs = lease.leaseMs ?? DEFAULT_LEASE_MS;
    this.remoteLeaseMs = lease.remoteLeaseMs ?? DEFAULT_REMOTE_LEASE_MS;
    mkdirSync(join(root, 'runs'), { recursive: true });
    if (!rebuilding) checkIndexBeforeOpen(root);
    // Electron needs a better-sqlite3 binary built for its own ABI; `npm start` builds one and names it here.
    const nativeBinding = process.env.CREDITLAB_SQLITE_BINDING;
    const index = join(root, INDEX_FILE);
    this.db = new Database(index, nativeBinding ? { nativeBinding } : {});
    try {
      // Set first: switching a new index to WAL takes a lock another process may hold for a moment.
      this.db.pragma('busy_timeout = 5000');
      switchToWal(this.db);
      // NORMAL is durable against a process crash in WAL mode; only an OS crash can drop the last commits.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.migrate();
    } catch (e) {
      this.db.close();
      if (isCorruptionError(e)) throw new WorkspaceIndexError(index, `is damaged (${(e as Error).message})`);
      throw e;
    }
  }

  /** Opens (creating if needed) a workspace and marks orphaned runs `interrupted`. */
  static open(root = defaultWorkspace(), lease: LeaseOptions = {}): RunStore {
    const store = new RunStore(resolve(root), lease);
    try {
      store.recoverOrphans();
    } catch (e) {
      store.db.close();
      if (isCorruptionError(e)) throw new WorkspaceIndexError(join(store.root, INDEX_FILE), `is damaged (${(e as Error).message})`);
      throw e;
    }
    return store;
  }

  /**
   * Rebuilds the index from the run folders (`creditlab doctor --repair`): the old index is moved aside,
   * every runs/<id>/run.json becomes a run again, in its experiment (experiment.json, or grouped by name
   * for folders written before that file existed), with the status its log or events record and the
   * metrics its events.jsonl holds. Metrics that lived only in the damaged index are not recoverable.
   */
  static repair(root = defaultWorkspace()): { indexPath: string; experiments: number; runs: number; points: number; kept: string | null } {
    const full = resolve(root);
    const kept = setIndexAside(full);
    const store = new RunStore(full, {}, true);
    try {
      const recovered = recoverRuns(full, newId);
      const experiments = new Map<string, ExperimentRecord>();
      for (const r of recovered) experiments.set(r.experiment.id, r.experiment);
      const insertExp = store.db.prepare(`INSERT INTO experiments (id, name, description, spec_json, status, tags_json, created_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`);
      const insertRun = store.db.prepare(
        `INSERT INTO runs (id, experiment_id, idx, arm, seed, hash, resolved_json, status, progress, total, error, ended_at, executor)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      store.db.transaction(() => {
        for (const e of experiments.values()) {
          const runs = recovered.filter((r) => r.experiment === e || r.experiment.id === e.id);
          const spec = { ...e.spec } as ExperimentSpec;
          if (!spec.seeds?.length) spec.seeds = [...new Set(runs.map((r) => r.resolved.seed))].sort((a, b) => a - b);
          if (!spec.arms?.length) spec.arms = [...new Set(runs.map((r) => r.resolved.arm))].map((name) => ({ name }));
          insertExp.run(e.id, e.name, e.description ?? '', JSON.stringify(spec), JSON.stringify(e.tags ?? []), e.createdAt ?? now());
        }
        for (const r of recovered) {
          const total = r.resolved.budget?.steps ?? 0;
          const last = r.points.reduce((m, p) => Math.max(m, p.step), 0);
          const executor = existsSync(join(full, 'runs', r.id, 'events.jsonl')) ? 'slurm' : 'local';
          insertRun.run(r.id, r.experiment.id, r.resolved.index ?? 0, r.resolved.arm, r.resolved.seed, r.resolved.hash ?? '', JSON.stringify(r.resolved), r.status, r.status === 'finished' ? total : last, total, r.error, now(), executor);
        }
      })();
      let points = 0;
      for (const r of recovered) {
        store.appendMetrics(r.id, r.points);
        points += r.points.length;
      }
      for (const e of experiments.keys()) store.refreshExperimentStatus(e);
      return { indexPath: join(full, INDEX_FILE), experiments: experiments.size, runs: recovered.length, points, kept };
    } finally {
      store.close();
    }
  }

  close(): void {
    if (this.live.idle) clearTimeout(this.live.idle);
    this.live.idle = null;
    for (const h of [...this.bgHolds]) this.releaseCheckpointer(h, true);
    this.bg?.stop();
    this.bg = null;
    this.db.close();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
    const upgrade = () => {
      const current = this.schemaVersion;
      if (current > latest) throw new Error(`workspace ${this.root} has schema version ${current}, newer than this Creditlab (${latest}); upgrade Creditlab`);
      for (const m of MIGRATIONS) {
        if (m.version <= current) continue;
        this.db.exec(m.sql);
        this.db.pragma(`user_version = ${m.version}`);
      }
    };
    if (this.schemaVersion === latest) return;
    // Two commands started at once on a new workspace both see version 0: the version is read again and
    // every missing step applied under one write lock, so each step runs once and the other process
    // waits (busy_timeout), then finds nothing left to do.
    this.db.transaction(upgrade).immediate();
  }

  /**
   * Marks `interrupted` every run in flight whose holder is gone: its lease expired (no heartbeat for
   * leaseMs), whatever pids and hostnames say. A Slurm task that already started counts as alive while
   * it keeps writing its events file; one still pending in Slurm's queue is left to the executor that
   * re-attaches to it. Rows from before leases existed fall back to the pid check on this host.
   * Returns the ids it marked.
   */
  recoverOrphans(): string[] {
    const host = hostname();
    const t = this.clock();
    const rows = this.db
      .prepare(`SELECT id, status, owner_pid, owner_host, executor, lease_owner, lease_until FROM runs WHERE status IN ('running','queued')`)
      .all() as { id: string; status: RunStatus; owner_pid: number | null; owner_host: string | null; executor: string; lease_owner: string | null; lease_until: number | null }[];
    const orphans: { id: string; why: string; owner?: string }[] = [];
    for (const r of rows) {
      if (r.lease_until === null) {
        if (r.executor === 'local' && r.owner_host === host && (r.owner_pid === null || !pidAlive(r.owner_pid)))
          orphans.push({ id: r.id, why: 'the process running it stopped (crash or kill) before it finished' });
        continue;
      }
      // A holder in this very place whose pid is gone has stopped: no need to wait for its lease to run out.
      const [place, pid] = (r.lease_owner ?? '').split(':');
      if (r.executor === 'local' && place === pidPlace() && Number(pid) > 0 && !pidAlive(Number(pid))) {
        orphans.push({ id: r.id, why: `the process running it (pid ${pid}) stopped (crash or kill) before it finished`, owner: r.lease_owner! });
        continue;
      }
      if (r.lease_until >= t) continue;
      if (r.executor === 'slurm') {
        if (r.status === 'queued') continue;
        const beat = this.lastEventWrite(r.id);
        if (beat !== null && beat + this.remoteLeaseMs >= t) continue;
      }
      const since = new Date(r.lease_until - this.leaseMs).toISOString();
      orphans.push({ id: r.id, why: `its lease expired: no heartbeat from ${r.lease_owner ?? 'its process'} since ${since} (crash, kill, reboot or lost node)` });
    }
    // Conditional on the lease seen above: a heartbeat that lands in between keeps the run alive.
    const mark = this.db.prepare(
      `UPDATE runs SET status='interrupted', ended_at=?, error=COALESCE(error, ?) WHERE id=? AND status IN ('running','queued') AND (lease_until IS NULL OR lease_until < ? OR lease_owner=?)`,
    );
    const marked: string[] = [];
    this.db.transaction(() => {
      for (const o of orphans) if (mark.run(now(), o.why, o.id, t, o.owner ?? null).changes > 0) marked.push(o.id);
    })();
    const exps = new Set(marked.map((id) => this.experimentOf(id)));
    for (const e of exps) this.refreshExperimentStatus(e);
    return marked;
  }

  /** When a run's events file (what a cluster task appends to) was last written, epoch ms; null if none. */
  private lastEventWrite(runId: string): number | null {
    try {
      return statSync(join(this.runDir(runId), 'events.jsonl')).mtimeMs;
    } catch {
      return null;
    }
  }

  /**
   * Renews this process's leases on `runIds` until `until` (default clock + leaseMs). Returns the runs
   * it no longer holds (another process marked them interrupted, cancelled or took them over): their
   * holder must stop them. Also returns the held runs another process asked to cancel, clearing the ask.
   */
  renewLeases(runIds: Iterable<string>, until = this.clock() + this.leaseMs): { lost: string[]; cancelRequested: string[] } {
    const renew = this.db.prepare(`UPDATE runs SET lease_until=MAX(COALESCE(lease_until, 0), ?) WHERE id=? AND lease_owner=? AND status IN ('queued','running')`);
    const asked = this.db.prepare(`UPDATE runs SET cancel_requested=0 WHERE id=? AND lease_owner=? AND cancel_requested=1`);
    const lost: string[] = [];
    const cancelRequested: string[] = [];
    this.db.transaction(() => {
      for (const id of runIds) {
        if (renew.run(until, id, this.owner).changes === 0) lost.push(id);
        else if (asked.run(id, this.owner).changes > 0) cancelRequested.push(id);
      }
    })();
    return { lost, cancelRequested };
  }

  /**
   * Cancel from this process. A run this process holds is its executor's to stop; one a live process
   * holds is asked through the index (its holder sees the ask at its next heartbeat); one nobody
   * holds any more (interrupted, or a lease that expired) is marked cancelled here, so it is not
   * offered for resume.
   */
  requestCancel(runId: string): CancelOutcome {
    this.recoverOrphans();
    const r = this.db.prepare('SELECT status, lease_owner FROM runs WHERE id=?').get(runId) as { status: RunStatus; lease_owner: string | null } | undefined;
    if (!r) throw new Error(`no run with id "${runId}"`);
    if (r.status === 'finished' || r.status === 'failed' || r.status === 'cancelled') return 'ended';
    if (r.status === 'interrupted') {
      const changed = this.db.prepare(`UPDATE runs SET status='cancelled', ended_at=COALESCE(ended_at, ?) WHERE id=? AND status='interrupted'`).run(now(), runId).changes;
      if (changed) this.refreshExperimentStatus(this.experimentOf(runId));
      return changed ? 'cancelled' : this.requestCancel(runId);
    }
    if (r.lease_owner === this.owner) return 'held-here';
    this.db.prepare(`UPDATE runs SET cancel_requested=1 WHERE id=? AND status IN ('queued','running')`).run(runId);
    return 'requested';
  }

  private experimentOf(runId: string): string {
    return (this.db.prepare('SELECT experiment_id FROM runs WHERE id=?').get(runId) as { experiment_id: string }).experiment_id;
  }

  runDir(runId: string): string {
    return join(this.root, 'runs', runId);
  }

  createExperiment(spec: ExperimentSpec, runs: ResolvedRun[], opts: { executor?: string; rewardSources?: Map<string, string> } = {}): { experimentId: string; runIds: string[] } {
    const experimentId = newId('e');
    const runIds: string[] = [];
    const insertRun = this.db.prepare(
      `INSERT INTO runs (id, experiment_id, idx, arm, seed, hash, resolved_json, status, total, owner_host, owner_pid, executor, lease_owner, lease_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO experiments (id, name, description, spec_json, status, tags_json, created_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`)
        .run(experimentId, spec.name, spec.description ?? '', JSON.stringify(spec), JSON.stringify(spec.tags ?? []), now());
      for (const run of runs) {
        const id = newId('r');
        runIds.push(id);
        insertRun.run(id, experimentId, run.index, run.arm, run.seed, run.hash, JSON.stringify(run), run.budget.steps, hostname(), process.pid, opts.executor ?? 'local', this.owner, this.clock() + this.leaseMs);
      }
    })();
    // The run folder makes a run self-contained: resolved spec (with the reward source inside) and its source
    // file, and the experiment it belongs to, from which `doctor --repair` can rebuild a lost index.
    const record: ExperimentRecord = { id: experimentId, name: spec.name, description: spec.description ?? '', spec, tags: spec.tags ?? [], createdAt: now() };
    runs.forEach((run, i) => {
      const dir = this.runDir(runIds[i]);
      mkdirSync(join(dir, 'checkpoints'), { recursive: true });
      writeFileSync(join(dir, 'run.json'), JSON.stringify(run, null, 2));
      writeFileSync(join(dir, EXPERIMENT_FILE), JSON.stringify(record));
      const src = run.config.kind === 'rl' ? run.config.reward?.source : undefined;
      if (src) writeFileSync(join(dir, safeFileName(src.filename, 'reward.ts')), src.code);
    });
    return { experimentId, runIds };
  }

  /** The compute path a run resolved at start, and what does its arithmetic on that path. */
  setCompute(runId: string, compute: Compute, backend: string): void {
    this.db.prepare('UPDATE runs SET compute=?, backend=? WHERE id=?').run(compute, backend, runId);
  }

  /** The engine the run's reward code runs in. */
  setSandbox(runId: string, sandbox: string): void {
    this.db.prepare('UPDATE runs SET sandbox=? WHERE id=?').run(sandbox, runId);
  }

  markRunning(runId: string, info: { backend?: string; externalId?: string } = {}): void {
    this.db
      .prepare(
        `UPDATE runs SET status='running', started_at=COALESCE(started_at, ?), backend=COALESCE(?, backend), external_id=COALESCE(?, external_id), owner_host=?, owner_pid=?, lease_owner=?, lease_until=MAX(COALESCE(lease_until, 0), ?)
         WHERE id=? AND status IN ('queued','running') AND (lease_owner IS NULL OR lease_owner=?)`,
      )
      .run(now(), info.backend ?? null, info.externalId ?? null, hostname(), process.pid, this.owner, this.clock() + this.leaseMs, runId, this.owner);
  }

  /**
   * Takes an interrupted run back for this process to continue from its checkpoint at `fromStep` (0:
   * from scratch): queued again under this process's lease, and everything it logged after that step
   * removed, since the resumed run logs those steps again. Its final values are recomputed from what
   * remains. False if the run is no longer interrupted (another process took it first).
   */
  reopenForResume(runId: string, fromStep: number): boolean {
    const rid = this.rid(runId);
    let ok = false;
    this.db.transaction(() => {
      ok =
        this.db
          .prepare(
            `UPDATE runs SET status='queued', ended_at=NULL, error=NULL, error_line=NULL, progress=?, sps=NULL, lease_owner=?, lease_until=?, cancel_requested=0 WHERE id=? AND status='interrupted'`,
          )
          .run(fromStep, this.owner, this.clock() + this.leaseMs, runId).changes > 0;
      if (!ok) return;
      this.db.prepare('DELETE FROM metrics WHERE rid=? AND step > ?').run(rid, fromStep);
      this.db.prepare('DELETE FROM samples WHERE rid=? AND step > ?').run(rid, fromStep);
      this.db.prepare('DELETE FROM final_metrics WHERE rid=?').run(rid);
      this.db
        .prepare(
          `INSERT INTO final_metrics (rid, mid, step, value)
           SELECT m.rid, m.mid, m.step, m.value FROM metrics m
           WHERE m.rid=? AND m.rowid = (SELECT m2.rowid FROM metrics m2 WHERE m2.rid=m.rid AND m2.mid=m.mid ORDER BY m2.step DESC, m2.rowid DESC LIMIT 1)`,
        )
        .run(rid);
    })();
    if (ok) this.refreshExperimentStatus(this.experimentOf(runId));
    return ok;
  }

  /**
   * Takes over the leases of runs that this process now watches (a host re-attaching to Slurm tasks an
   * earlier host submitted, or reading what they logged): only a lease nobody holds any more, one that
   * ran out, or one whose holder in this very place has stopped, never a live holder's (two readers of
   * one events file would store its lines twice). `statuses` are the states a run may be taken in.
   * Returns the ids this process holds afterwards, and who holds each of the others.
   */
  claimLeases(runIds: readonly string[], statuses: readonly RunStatus[] = ['queued', 'running']): { held: string[]; heldBy: Map<string, { owner: string; until: number }> } {
    const read = this.db.prepare('SELECT status, lease_owner, lease_until FROM runs WHERE id=?');
    const claim = this.db.prepare(`UPDATE runs SET lease_owner=?, lease_until=? WHERE id=? AND status=? AND lease_owner IS ? AND lease_until IS ?`);
    const held: string[] = [];
    const heldBy = new Map<string, { owner: string; until: number }>();
    const t = this.clock();
    this.db
      .transaction(() => {
        for (const id of runIds) {
          const r = read.get(id) as { status: RunStatus; lease_owner: string | null; lease_until: number | null } | undefined;
          if (!r || !statuses.includes(r.status)) continue;
          const [place, pid] = (r.lease_owner ?? '').split(':');
          const free =
            r.lease_owner === null ||
            r.lease_owner === this.owner ||
            r.lease_until === null ||
            r.lease_until < t ||
            (place === pidPlace() && Number(pid) > 0 && !pidAlive(Number(pid)));
          if (!free) heldBy.set(id, { owner: r.lease_owner!, until: r.lease_until! });
          else if (claim.run(this.owner, t + this.leaseMs, id, r.status, r.lease_owner, r.lease_until).changes > 0) held.push(id);
        }
      })
      .immediate();
    return { held, heldBy };
  }

  /**
   * Gives up this process's leases on runs that go on without it (Slurm tasks when the host closes, or
   * after reading what they logged): another process may take them at once, and a Slurm run stays
   * alive as long as its task keeps writing its events file.
   */
  releaseLeases(runIds: Iterable<string>): void {
    const release = this.db.prepare(`UPDATE runs SET lease_owner=NULL, lease_until=0 WHERE id=? AND lease_owner=?`);
    this.db.transaction(() => {
      for (const id of runIds) release.run(id, this.owner);
    })();
  }

  /**
   * An interrupted Slurm run this process holds (claimLeases) is watched again: `running` (or `queued`
   * if its task never started), its interruption cleared. False if it is no longer interrupted.
   */
  reopenSlurmRun(runId: string): boolean {
    const ok =
      this.db
        .prepare(
          `UPDATE runs SET status=CASE WHEN started_at IS NULL THEN 'queued' ELSE 'running' END, ended_at=NULL, error=NULL, error_line=NULL, lease_until=?
           WHERE id=? AND status='interrupted' AND executor='slurm' AND lease_owner=?`,
        )
        .run(this.clock() + this.leaseMs, runId, this.owner).changes > 0;
    if (ok) this.refreshExperimentStatus(this.experimentOf(runId));
    return ok;
  }

  /** The highest step stored per metric and per sample kind of a run: what an ingester must not store again. */
  ingestedSteps(runId: string): { metrics: Record<string, number>; samples: Record<string, number> } {
    const rid = this.rid(runId);
    const m = this.db.prepare('SELECT n.name, f.step FROM final_metrics f JOIN metric_names n ON n.mid=f.mid WHERE f.rid=?').all(rid) as { name: string; step: number }[];
    const s = this.db.prepare('SELECT kind, MAX(step) AS step FROM samples WHERE rid=? GROUP BY kind').all(rid) as { kind: string; step: number }[];
    return { metrics: Object.fromEntries(m.map((r) => [r.name, r.step])), samples: Object.fromEntries(s.map((r) => [r.kind, r.step])) };
  }

  /**
   * Slurm runs not known to have ended (queued, running, or interrupted because nobody watched them), of
   * one experiment or run (`id`) or of the whole workspace; with `free`, only those no live process holds.
   */
  openSlurmRuns(id?: string, opts: { free?: boolean } = {}): string[] {
    const target = id === undefined ? null : this.resolveId(id);
    const rows = this.db
      .prepare(
        `SELECT id, status, lease_owner, lease_until FROM runs WHERE executor='slurm' AND status IN ('queued','running','interrupted')
         AND (? IS NULL OR (? = 'experiment' AND experiment_id=?) OR (? = 'run' AND id=?)) ORDER BY rid`,
      )
      .all(target?.id ?? null, target?.kind ?? null, target?.id ?? null, target?.kind ?? null, target?.id ?? null) as { id: string; status: RunStatus; lease_owner: string | null; lease_until: number | null }[];
    const t = this.clock();
    return rows.filter((r) => !opts.free || r.status === 'interrupted' || r.lease_owner === null || r.lease_until === null || r.lease_until < t).map((r) => r.id);
  }

  finishRun(runId: string, status: Exclude<RunStatus, 'queued' | 'running'>, error?: { message: string; line?: number | null }): void {
    this.db
      .prepare(`UPDATE runs SET status=?, ended_at=?, error=?, error_line=? WHERE id=? AND status NOT IN ('finished','failed','cancelled')`)
      .run(status, now(), error?.message ?? null, error?.line ?? null, runId);
    this.refreshExperimentStatus(this.experimentOf(runId));
  }

  updateProgress(runId: string, progress: number, sps: number | null): void {
    this.db.prepare(`UPDATE runs SET progress=?, sps=? WHERE id=?`).run(progress, sps, runId);
  }

  setRunMeta(runId: string, meta: { tags?: string[]; notes?: string }): void {
    if (meta.tags) this.db.prepare(`UPDATE runs SET tags_json=? WHERE id=?`).run(JSON.stringify(meta.tags), runId);
    if (meta.notes !== undefined) this.db.prepare(`UPDATE runs SET notes=? WHERE id=?`).run(meta.notes, runId);
  }

  private metricId(name: string): number {
    let id = this.metricIds.get(name);
    if (id === undefined) {
      this.db.prepare('INSERT OR IGNORE INTO metric_names (name) VALUES (?)').run(name);
      id = (this.db.prepare('SELECT mid FROM metric_names WHERE name=?').get(name) as { mid: number }).mid;
      this.metricIds.set(name, id);
    }
    return id;
  }

  private rid(runId: string): number {
    let rid = this.ridCache.get(runId);
    if (rid === undefined) {
      const row = this.db.prepare('SELECT rid FROM runs WHERE id=?').get(runId) as { rid: number } | undefined;
      if (!row) throw new Error(`unknown run ${runId}`);
      rid = row.rid;
      this.ridCache.set(runId, rid);
    }
    return rid;
  }

  /** appendMetrics' statements, prepared once per store. */
  private metricStatements: { many: Database.Statement; one: Database.Statement; fin: Database.Statement } | null = null;

  /**
   * One batch, one transaction. NaN/±Infinity are stored as NULL (exported as NaN). Rows go in
   * METRIC_ROWS_PER_INSERT at a time (one statement call per group instead of per point), in the
   * batch's order, so rowids keep the order points were logged in.
   */
  appendMetrics(runId: string, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    const rid = this.rid(runId);
    // OR FAIL: a multi-row INSERT that may abort half-way makes SQLite copy every page it touches to a
    // statement journal first, so that it can undo its own rows; a batch's rows span several index pages
    // (one per metric), and that copying cost about a third of the insert. With OR FAIL a failing row
    // (a NULL step) keeps the statement's earlier rows, but the error still ends the batch's transaction,
    // which rolls all of them back: a batch is stored whole or not at all either way.
    const st = (this.metricStatements ??= {
      many: this.db.prepare(`INSERT OR FAIL INTO metrics (rid, mid, step, value, wall) VALUES ${Array(METRIC_ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', ')}`),
      one: this.db.prepare('INSERT INTO metrics (rid, mid, step, value, wall) VALUES (?, ?, ?, ?, ?)'),
      fin: this.db.prepare(
        `INSERT INTO final_metrics (rid, mid, step, value) VALUES (?, ?, ?, ?)
         ON CONFLICT(rid, mid) DO UPDATE SET step=excluded.step, value=excluded.value WHERE excluded.step >= final_metrics.step`,
      ),
    });
    const wall = Date.now() / 1000;
    // The last point of each metric in the batch is the only candidate for its final value: one upsert
    // per metric per batch instead of one per point.
    const last = new Map<number, { step: number; value: number | null }>();
    const args: (number | null)[] = new Array(5 * METRIC_ROWS_PER_INSERT);
    this.db.transaction(() => {
      let k = 0;
      for (const p of points) {
        const mid = this.metricId(p.metric);
        const v = Number.isFinite(p.value) ? p.value : null;
        args[k++] = rid;
        args[k++] = mid;
        args[k++] = p.step;
        args[k++] = v;
        args[k++] = wall;
        if (k === args.length) {
          st.many.run(args);
          k = 0;
        }
        const prev = last.get(mid);
        if (!prev) last.set(mid, { step: p.step, value: v });
        else if (p.step >= prev.step) {
          prev.step = p.step;
          prev.value = v;
        }
      }
      for (let i = 0; i < k; i += 5) st.one.run(args[i], args[i + 1], args[i + 2], args[i + 3], args[i + 4]);
      for (const [m, p] of last) st.fin.run(rid, m, p.step, p.value);
    })();
    this.afterLiveBatch(points.length);
  }

  addSample(runId: string, step: number, kind: string, data: unknown): void {
    this.db.prepare('INSERT INTO samples (rid, step, kind, data_json) VALUES (?, ?, ?, ?)').run(this.rid(runId), step, kind, JSON.stringify(data));
  }

  getSamples(runId: string, kind?: string, limit = 100): SampleRecord[] {
    const rows = this.db
      .prepare(`SELECT step, kind, data_json FROM samples WHERE rid=? AND (? IS NULL OR kind=?) ORDER BY step DESC LIMIT ?`)
      .all(this.rid(runId), kind ?? null, kind ?? null, limit) as { step: number; kind: string; data_json: string }[];
    return rows.map((r) => ({ run: runId, step: r.step, kind: r.kind, data: JSON.parse(r.data_json) }));
  }

  appendLog(runId: string, line: string): void {
    const dir = this.runDir(runId);
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'log.txt'), `${now()} ${line}\n`);
  }

  readLog(runId: string, maxLines = 200): string[] {
    const f = join(this.runDir(runId), 'log.txt');
    if (!existsSync(f)) return [];
    const lines = readFileSync(f, 'utf8').split('\n').filter(Boolean);
    return lines.slice(-maxLines);
  }

  writeRunFile(runId: string, name: string, content: string): void {
    writeFileSync(join(this.runDir(runId), name), content);
  }

  private refreshExperimentStatus(experimentId: string): void {
    const counts = this.runCounts(experimentId);
    let status: ExperimentStatus = 'running';
    if (counts.queued + counts.running === 0) {
      if (counts.failed > 0) status = 'failed';
      else if (counts.interrupted > 0) status = 'interrupted';
      else if (counts.cancelled > 0 && counts.finished === 0) status = 'cancelled';
      else status = 'finished';
    }
    this.db.prepare('UPDATE experiments SET status=? WHERE id=?').run(status, experimentId);
  }

  private runCounts(experimentId: string): Record<RunStatus, number> {
    const counts: Record<RunStatus, number> = { queued: 0, running: 0, finished: 0, failed: 0, cancelled: 0, interrupted: 0 };
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM runs WHERE experiment_id=? GROUP BY status').all(experimentId) as { status: RunStatus; n: number }[];
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  private finals(rid: number): Record<string, number> {
    const rows = this.db
      .prepare('SELECT n.name, f.value FROM final_metrics f JOIN metric_names n ON n.mid=f.mid WHERE f.rid=? ORDER BY n.name')
      .all(rid) as { name: string; value: number | null }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.value ?? NaN]));
  }

  private toSummary(r: RunRow): RunSummary {
    const remaining = r.total - r.progress;
    return {
      id: r.id,
      experimentId: r.experiment_id,
      arm: r.arm,
      seed: r.seed,
      index: r.idx,
      status: r.status,
      progress: r.progress,
      total: r.total,
      sps: r.sps,
      etaSeconds: r.status === 'running' && r.sps && r.sps > 0 ? remaining / r.sps : null,
      backend: r.backend,
      compute: r.compute,
      sandbox: r.sandbox,
      error: r.error,
      errorLine: r.error_line,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      final: this.finals(r.rid),
      tags: JSON.parse(r.tags_json),
      notes: r.notes,
      executor: r.executor,
      externalId: r.external_id,
    };
  }

  /** Runs handed to `executor` that have not ended (queued or running), with their experiments. */
  unfinishedRuns(executor: string): { id: string; experimentId: string }[] {
    const rows = this.db.prepare(`SELECT id, experiment_id FROM runs WHERE executor=? AND status IN ('queued','running') ORDER BY rid`).all(executor) as { id: string; experiment_id: string }[];
    return rows.map((r) => ({ id: r.id, experimentId: r.experiment_id }));
  }

  listRuns(experimentId: string): RunSummary[] {
    const rows = this.db.prepare('SELECT * FROM runs WHERE experiment_id=? ORDER BY idx').all(experimentId) as RunRow[];
    return rows.map((r) => this.toSummary(r));
  }

  getRunSummary(runId: string): RunSummary {
    const r = this.db.prepare('SELECT * FROM runs WHERE id=?').get(runId) as RunRow | undefined;
    if (!r) throw new Error(`no run with id "${runId}"`);
    return this.toSummary(r);
  }

  getResolved(runId: string): ResolvedRun {
    const r = this.db.prepare('SELECT resolved_json FROM runs WHERE id=?').get(runId) as { resolved_json: string } | undefined;
    if (!r) throw new Error(`no run with id "${runId}"`);
    return JSON.parse(r.resolved_json);
  }

  runMetricNames(runId: string): string[] {
    return (
      this.db.prepare('SELECT DISTINCT n.name FROM final_metrics f JOIN metric_names n ON n.mid=f.mid WHERE f.rid=? ORDER BY n.name').all(this.rid(runId)) as { name: string }[]
    ).map((r) => r.name);
  }

  experimentMetricNames(experimentId: string): string[] {
    return (
      this.db
        .prepare('SELECT DISTINCT n.name FROM final_metrics f JOIN metric_names n ON n.mid=f.mid JOIN runs r ON r.rid=f.rid WHERE r.experiment_id=? ORDER BY n.name')
        .all(experimentId) as { name: string }[]
    ).map((r) => r.name);
  }

  hasExperiment(id: string): boolean {
    return Boolean(this.db.prepare('SELECT 1 FROM experiments WHERE id=?').get(id));
  }

  hasRun(id: string): boolean {
    return Boolean(this.db.prepare('SELECT 1 FROM runs WHERE id=?').get(id));
  }

  listExperiments(): ExperimentSummary[] {
    const rows = this.db.prepare('SELECT * FROM experiments ORDER BY created_at DESC, rowid DESC').all() as Record<string, string>[];
    return rows.map((e) => this.experimentSummary(e));
  }

  private experimentSummary(e: Record<string, string>): ExperimentSummary {
    const spec = JSON.parse(e.spec_json) as ExperimentSpec;
    const kinds = new Set(
      (this.db.prepare('SELECT DISTINCT json_extract(resolved_json, \'$.config.kind\') AS k FROM runs WHERE experiment_id=?').all(e.id) as { k: string }[]).map((r) => r.k),
    );
    return {
      id: e.id,
      name: e.name,
      kind: kinds.size > 1 ? 'mixed' : kinds.has('rlhf') ? 'rlhf' : kinds.has('imported') ? 'imported' : 'rl',
      description: e.description,
      status: e.status as ExperimentStatus,
      createdAt: e.created_at,
      arms: spec.arms.map((a) => a.name),
      seeds: spec.seeds,
      runCounts: this.runCounts(e.id),
      tags: JSON.parse(e.tags_json),
      source: e.source_json ? (JSON.parse(e.source_json) as ImportedSource) : null,
    };
  }

  getExperimentSummary(id: string): ExperimentSummary {
    const e = this.db.prepare('SELECT * FROM experiments WHERE id=?').get(id) as Record<string, string> | undefined;
    if (!e) throw new Error(`no experiment with id "${id}"`);
    return this.experimentSummary(e);
  }

  getSpec(id: string): ExperimentSpec {
    const e = this.db.prepare('SELECT spec_json FROM experiments WHERE id=?').get(id) as { spec_json: string } | undefined;
    if (!e) throw new Error(`no experiment with id "${id}"`);
    return JSON.parse(e.spec_json);
  }

  /** Every run's series of one metric, ordered by step (insertion order breaks ties); `sinceStep` keeps steps after it. */
  series(experimentId: string, metric: string, sinceStep = -Infinity): Series[] {
    const mid = this.db.prepare('SELECT mid FROM metric_names WHERE name=?').get(metric) as { mid: number } | undefined;
    const runs = this.db.prepare('SELECT rid, id, arm, seed, compute FROM runs WHERE experiment_id=? ORDER BY idx').all(experimentId) as { rid: number; id: string; arm: string; seed: number; compute: Compute | null }[];
    const q = this.db.prepare('SELECT step, value, wall FROM metrics WHERE rid=? AND mid=? AND step > ? ORDER BY step, rowid');
    return runs.map((r) => {
      const pts = mid ? (q.all(r.rid, mid.mid, sinceStep) as { step: number; value: number | null; wall: number | null }[]) : [];
      return { run: r.id, arm: r.arm, seed: r.seed, metric, steps: pts.map((p) => p.step), values: pts.map((p) => p.value ?? NaN), times: pts.map((p) => p.wall ?? NaN), compute: r.compute };
    });
  }

  saveRewardVersion(name: string, code: string, note = ''): { id: string; name: string; createdAt: string; code: string; note: string } {
    const v = { id: newId('v'), name, createdAt: now(), code, note };
    this.db.prepare('INSERT INTO reward_versions (id, name, created_at, code, note) VALUES (?, ?, ?, ?, ?)').run(v.id, v.name, v.createdAt, v.code, v.note);
    return v;
  }

  listRewardVersions(name?: string): { id: string; name: string; createdAt: string; code: string; note: string }[] {
    const rows = this.db
      .prepare('SELECT id, name, created_at, code, note FROM reward_versions WHERE (? IS NULL OR name=?) ORDER BY created_at DESC, rowid DESC')
      .all(name ?? null, name ?? null) as { id: string; name: string; created_at: string; code: string; note: string }[];
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, code: r.code, note: r.note }));
  }

  /** Long-format rows for export: experiment, arm, seed, run, step, metric, value. */
  *exportRows(experimentId: string): Generator<{ experiment: string; arm: string; seed: number; run: string; step: number; metric: string; value: number }> {
    const stmt = this.db.prepare(
      `SELECT r.arm, r.seed, r.id AS run, m.step, n.name AS metric, m.value
       FROM metrics m JOIN runs r ON r.rid=m.rid JOIN metric_names n ON n.mid=m.mid
       WHERE r.experiment_id=? ORDER BY r.idx, n.name, m.step, m.rowid`,
    );
    for (const row of stmt.iterate(experimentId) as Iterable<{ arm: string; seed: number; run: string; step: number; metric: string; value: number | null }>) {
      yield { experiment: experimentId, arm: row.arm, seed: row.seed, run: row.run, step: row.step, metric: row.metric, value: row.value ?? NaN };
    }
  }

  /**
   * Writes imported runs. The same source (kind, path, grouping) always lands in the same experiment:
   * runs are matched by their key in the source and points by (metric, step, wall time), so importing a
   * log folder again adds only what is new. Imported runs are `finished` and never executed.
   */
  importRuns(batch: ImportBatch): ImportOutcome {
    const w = this.beginImport(batch.source, batch.name);
    for (const run of batch.runs) w.add(run);
    return w.finish();
  }

  /**
   * importRuns one run at a time, for an importer that hands runs over while it is still reading the
   * rest: `add` writes a run (its own transaction), `finish` returns what was written. The experiment
   * is created or found at the first `add` (or at `finish` when there was none). Once the import has
   * written IMPORT_CHECKPOINTER_POINTS points (or from the start with `opts.checkpointer`), WAL
   * checkpoints run on a thread of their own (checkpointer.ts) until `finish` or `end`; an importer
   * that gives up half-way calls `end`.
   */
  beginImport(
    source: ImportBatch['source'],
    name: string,
    opts: { checkpointer?: boolean } = {},
  ): { add(run: ImportBatch['runs'][number]): void; finish(): ImportOutcome; end(): void } {
    const batch = { source, name };
    const sourceKey = `${batch.source.kind}\u0000${batch.source.path}\u0000${batch.source.group ?? ''}`;
    const at = now();
    // The experiment first, in a transaction of its own; then one transaction per run, so that a long
    // import never holds the write lock for long (the host keeps writing live runs' metrics meanwhile)
    // and a kill leaves whole runs, which importing again completes.
    const open = () => {
      const { experimentId, created } = this.db
        .transaction(() => {
          const found = this.db.prepare(`SELECT id, source_json FROM experiments WHERE json_extract(source_json, '$.key') = ?`).get(sourceKey) as
            | { id: string; source_json: string }
            | undefined;
          if (found) {
            const source = { ...(JSON.parse(found.source_json) as ImportedSource & { key: string }), lastImportAt: at };
            this.db.prepare('UPDATE experiments SET source_json=? WHERE id=?').run(JSON.stringify(source), found.id);
            return { experimentId: found.id, created: false };
          }
          const id = newId('e');
          const source = { kind: batch.source.kind, path: batch.source.path, ...(batch.source.group ? { group: batch.source.group } : {}), importedAt: at, lastImportAt: at, key: sourceKey };
          this.db
            .prepare(`INSERT INTO experiments (id, name, description, spec_json, status, tags_json, created_at, source_json) VALUES (?, ?, ?, '{}', 'finished', '["imported"]', ?, ?)`)
            .run(id, batch.name, `Imported from ${batch.source.kind === 'tensorboard' ? 'TensorBoard logs' : 'a CSV export'} at ${batch.source.path}`, at, JSON.stringify(source));
          return { experimentId: id, created: true };
        })
        .immediate();
      const outcome: ImportOutcome = { experimentId, created, runsAdded: 0, runsExtended: 0, pointsAdded: 0, pointsKnown: 0 };
      const existing = new Map(
        (this.db.prepare(`SELECT rid, arm, seed, json_extract(resolved_json, '$.config.key') AS key FROM runs WHERE experiment_id=?`).all(experimentId) as { rid: number; arm: string; seed: number; key: string }[]).map(
          (r) => [r.key, r],
        ),
      );
      const seedsTaken = new Map<string, Set<number>>();
      for (const r of existing.values()) (seedsTaken.get(r.arm) ?? seedsTaken.set(r.arm, new Set()).get(r.arm)!).add(r.seed);
      return { experimentId, outcome, existing, seedsTaken };
    };
    let state: ReturnType<typeof open> | null = null;
    const insertRun = this.db.prepare(
      `INSERT INTO runs (id, experiment_id, idx, arm, seed, hash, resolved_json, status, progress, total, started_at, ended_at, executor)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'finished', ?, ?, ?, ?, 'import')`,
    );
    // Rows go in as (step, value, wall) triples after the run and metric they share: 3 bound values a
    // row instead of 5, ROWS rows a statement.
    const ROWS = 256;
    // OR FAIL, as in appendMetrics: no statement journal; the run's transaction is what makes it whole.
    const insertMany = this.db.prepare(
      `INSERT OR FAIL INTO metrics (rid, mid, step, value, wall) SELECT ?, ?, column1, column2, column3 FROM (VALUES ${Array(ROWS).fill('(?, ?, ?)').join(', ')})`,
    );
    const insertOne = this.db.prepare('INSERT INTO metrics (rid, mid, step, value, wall) VALUES (?, ?, ?, ?, ?)');
    const known = this.db.prepare('SELECT step, wall FROM metrics WHERE rid=? AND mid=?');
    const fin = this.db.prepare(
      `INSERT INTO final_metrics (rid, mid, step, value) VALUES (?, ?, ?, ?)
       ON CONFLICT(rid, mid) DO UPDATE SET step=excluded.step, value=excluded.value WHERE excluded.step >= final_metrics.step`,
    );
    const args: (number | null)[] = new Array(2 + 3 * ROWS);
    const finite = (x: number) => (Number.isFinite(x) ? x : null);

    const writeRun = this.db.transaction((run: ImportBatch['runs'][number]): { id: string; resolved: unknown } | null => {
      const { experimentId, outcome, existing, seedsTaken } = state!;
      let lastStep = 0;
      let firstWall = Infinity;
      let lastWall = -Infinity;
      for (const p of run.metrics.values())
        for (let i = 0; i < p.steps.length; i++) {
          if (p.steps[i] > lastStep) lastStep = p.steps[i];
          if (p.walls[i] < firstWall) firstWall = p.walls[i];
          if (p.walls[i] > lastWall) lastWall = p.walls[i];
        }
      let row = existing.get(run.key);
      let written: { id: string; resolved: unknown } | null = null;
      if (!row) {
        const taken = seedsTaken.get(run.arm) ?? seedsTaken.set(run.arm, new Set()).get(run.arm)!;
        let seed = run.seed;
        while (taken.has(seed)) seed++;
        const idx = (this.db.prepare('SELECT COALESCE(MAX(idx), -1) AS m FROM runs WHERE experiment_id=?').get(experimentId) as { m: number }).m + 1;
        const config = { kind: 'imported' as const, source: batch.source.kind, key: run.key, files: run.files };
        const hash = createHash('sha256').update(JSON.stringify([sourceKey, run.key])).digest('hex').slice(0, 16);
        const resolved = { schema: 'creditlab.run/1', experiment: batch.name, arm: run.arm, seed, index: idx, budget: { steps: Math.max(1, lastStep) }, config, hash };
        const id = newId('r');
        const iso = (t: number) => (Number.isFinite(t) ? new Date(t * 1000).toISOString() : null);
        const rid = Number(insertRun.run(id, experimentId, idx, run.arm, seed, hash, JSON.stringify(resolved), lastStep, Math.max(1, lastStep), iso(firstWall), iso(lastWall)).lastInsertRowid);
        row = { rid, arm: run.arm, seed, key: run.key };
        written = { id, resolved };
      } else {
        this.db.prepare('UPDATE runs SET progress=MAX(progress, ?), total=MAX(total, ?) WHERE rid=?').run(lastStep, Math.max(1, lastStep), row.rid);
      }
      const rid = row.rid;
      let added = 0;
      let knownHere = 0;
      // Metrics in id order, so a new run's rows extend the (run, metric, step) index at its end.
      const metrics = [...run.metrics].map(([name, p]) => ({ mid: this.metricId(name), p })).sort((a, b) => a.mid - b.mid);
      for (const { mid, p } of metrics) {
        let keep: number[] | null = null; // null: every point
        if (!written) {
          keep = [];
          const have = new Set((known.all(rid, mid) as { step: number; wall: number | null }[]).map((k) => `${k.step}|${k.wall ?? NaN}`));
          for (let i = 0; i < p.steps.length; i++) {
            const k = `${p.steps[i]}|${Number.isFinite(p.walls[i]) ? p.walls[i] : NaN}`;
            if (have.has(k)) knownHere++;
            else {
              have.add(k);
              keep.push(i);
            }
          }
        }
        const n = keep ? keep.length : p.steps.length;
        args[0] = rid;
        args[1] = mid;
        let j = 0;
        for (; j + ROWS <= n; j += ROWS) {
          for (let k = 0; k < ROWS; k++) {
            const i = keep ? keep[j + k] : j + k;
            args[2 + 3 * k] = p.steps[i];
            args[3 + 3 * k] = finite(p.values[i]);
            args[4 + 3 * k] = finite(p.walls[i]);
          }
          insertMany.run(...args);
        }
        for (; j < n; j++) {
          const i = keep ? keep[j] : j;
          insertOne.run(rid, mid, p.steps[i], finite(p.values[i]), finite(p.walls[i]));
        }
        // The final value is the one at the largest step (the last written among equal steps).
        let last = -1;
        for (let j = 0; j < n; j++) {
          const i = keep ? keep[j] : j;
          if (last < 0 || p.steps[i] >= p.steps[last]) last = i;
        }
        if (last >= 0) fin.run(rid, mid, p.steps[last], finite(p.values[last]));
        added += n;
      }
      if (written) {
        seedsTaken.get(run.arm)!.add(row.seed);
        existing.set(run.key, row);
      }
      this.updateImportedSpec(experimentId, batch);
      outcome.pointsAdded += added;
      outcome.pointsKnown += knownHere;
      if (written) outcome.runsAdded++;
      else if (added > 0) outcome.runsExtended++;
      return written;
    });

    let hold: symbol | null = null;
    let tried = false;
    const end = () => {
      this.releaseCheckpointer(hold, true);
      hold = null;
    };
    return {
      add: (run) => {
        state ??= open();
        const w = writeRun.immediate(run);
        if (w) {
          mkdirSync(this.runDir(w.id), { recursive: true });
          writeFileSync(join(this.runDir(w.id), 'run.json'), JSON.stringify(w.resolved, null, 2));
        }
        if (!tried && (opts.checkpointer ?? state.outcome.pointsAdded >= IMPORT_CHECKPOINTER_POINTS)) {
          tried = true;
          hold = this.holdCheckpointer();
        }
        if (hold) this.pokeCheckpointer();
      },
      end,
      finish: () => {
        end();
        if (!state) {
          state = open();
          const id = state.experimentId;
          this.db.transaction(() => this.updateImportedSpec(id, batch)).immediate();
        }
        return state.outcome;
      },
    };
  }

  /** The background checkpointer (checkpointer.ts), its holders, and the autocheckpoint to restore when none is left. */
  private bg: BackgroundCheckpointer | null = null;
  private readonly bgHolds = new Set<symbol>();
  private autocheckpoint = 1000;

  /** A hold on the background checkpointer, started if needed; null if it cannot run (the store then checkpoints itself). */
  private holdCheckpointer(): symbol | null {
    if (!this.db.open) return null;
    this.bg ??= BackgroundCheckpointer.start(this.db.name, process.env.CREDITLAB_SQLITE_BINDING);
    if (!this.bg) return null;
    if (this.bgHolds.size === 0) {
      this.autocheckpoint = this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
      this.db.pragma('wal_autocheckpoint = 0');
    }
    const h = Symbol('checkpointer hold');
    this.bgHolds.add(h);
    return h;
  }

  /**
   * Gives a hold back. With none left the store checkpoints itself again and the thread copies what is
   * still in the WAL; `wait` waits for that copy and ends the thread.
   */
  private releaseCheckpointer(h: symbol | null, wait: boolean): void {
    if (!h || !this.bgHolds.delete(h) || this.bgHolds.size > 0) return;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.autocheckpoint}`);
    if (wait) {
      this.bg?.stop();
      this.bg = null;
    } else if (this.bg && !this.bg.poke()) this.bg = null;
  }

  /** After commits: have them copied on the checkpointer's thread; if that thread is gone, checkpoint here again. */
  private pokeCheckpointer(): void {
    if (!this.bg || this.bg.poke()) return;
    this.bg = null;
    if (this.bgHolds.size > 0 && this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.autocheckpoint}`);
    this.bgHolds.clear();
  }

  /**
   * Live ingest (appendMetrics) holds the checkpointer once this store has written LIVE_CHECKPOINTER_POINTS
   * points, pokes it every CHECKPOINT_EVERY_POINTS, and gives the hold back after CHECKPOINTER_IDLE_MS
   * without a batch, so an idle store checkpoints itself as before.
   */
  private live = { points: 0, sincePoke: 0, hold: null as symbol | null, tried: false, idle: null as NodeJS.Timeout | null };

  private afterLiveBatch(n: number): void {
    const l = this.live;
    l.points += n;
    if (l.points < LIVE_CHECKPOINTER_POINTS) return;
    if (!l.hold && !l.tried) {
      l.tried = true;
      l.hold = this.holdCheckpointer();
      if (!l.hold) return;
    }
    if (!l.hold) return;
    if ((l.sincePoke += n) >= CHECKPOINT_EVERY_POINTS) {
      l.sincePoke = 0;
      this.pokeCheckpointer();
    }
    if (l.idle) l.idle.refresh();
    else {
      l.idle = setTimeout(() => {
        this.releaseCheckpointer(l.hold, false);
        l.hold = null;
        l.tried = false;
        l.idle = null;
      }, CHECKPOINTER_IDLE_MS);
      l.idle.unref();
    }
  }

  /** The spec of an imported experiment lists what is there: its arms and seeds, nothing to execute. */
  private updateImportedSpec(experimentId: string, batch: Pick<ImportBatch, 'source' | 'name'>): void {
    const runs = this.db.prepare('SELECT arm, seed, total FROM runs WHERE experiment_id=? ORDER BY idx').all(experimentId) as { arm: string; seed: number; total: number }[];
    const spec = {
      version: 1,
      name: batch.name,
      description: `Imported from ${batch.source.path}`,
      seeds: [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b),
      budget: { steps: Math.max(1, ...runs.map((r) => r.total)) },
      base: { kind: 'imported', source: batch.source.kind },
      arms: [...new Set(runs.map((r) => r.arm))].map((name) => ({ name })),
      tags: ['imported'],
    };
    this.db.prepare('UPDATE experiments SET spec_json=? WHERE id=?').run(JSON.stringify(spec), experimentId);
  }

  /** Where an imported experiment came from; null for experiments Creditlab trained. */
  importedSource(experimentId: string): ImportedSource | null {
    const row = this.db.prepare('SELECT source_json FROM experiments WHERE id=?').get(experimentId) as { source_json: string | null } | undefined;
    if (!row) throw new Error(`no experiment with id "${experimentId}"`);
    return row.source_json ? (JSON.parse(row.source_json) as ImportedSource) : null;
  }

  /** Resolves an id prefix (as in git) to a run or experiment id. */
  resolveId(idOrPrefix: string): { kind: 'experiment' | 'run'; id: string } {
    const exps = this.db.prepare(`SELECT id FROM experiments WHERE id=? OR id LIKE ? || '%' OR name=?`).all(idOrPrefix, idOrPrefix, idOrPrefix) as { id: string }[];
    const runs = this.db.prepare(`SELECT id FROM runs WHERE id=? OR id LIKE ? || '%'`).all(idOrPrefix, idOrPrefix) as { id: string }[];
    const exact = [...exps, ...runs].find((r) => r.id === idOrPrefix);
    if (exact) return { kind: exps.includes(exact) ? 'experiment' : 'run', id: exact.id };
    if (exps.length + runs.length === 0) throw new Error(`no experiment or run matches "${idOrPrefix}"`);
    if (exps.length + runs.length > 1) {
      // A name shared by several experiments means the newest one.
      const byName = this.db.prepare('SELECT id FROM experiments WHERE name=? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(idOrPrefix) as { id: string } | undefined;
      if (byName && runs.length === 0) return { kind: 'experiment', id: byName.id };
      throw new Error(`"${idOrPrefix}" is ambiguous: ${[...exps, ...runs].map((r) => r.id).slice(0, 5).join(', ')}`);
    }
    return exps.length ? { kind: 'experiment', id: exps[0].id } : { kind: 'run', id: runs[0].id };
  }
}
