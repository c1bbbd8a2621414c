// Versioned schema migrations of the workspace index. Append only: never edit a shipped step.
export const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        spec_json TEXT NOT NULL,
        status TEXT NOT NULL,
        tags_json TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
      );
      CREATE TABLE runs (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        experiment_id TEXT NOT NULL REFERENCES experiments(id),
        idx INTEGER NOT NULL,
        arm TEXT NOT NULL,
        seed INTEGER NOT NULL,
        hash TEXT NOT NULL,
        resolved_json TEXT NOT NULL,
        status TEXT NOT NULL,
        progress REAL NOT NULL DEFAULT 0,
        total REAL NOT NULL DEFAULT 0,
        sps REAL,
        backend TEXT,
        error TEXT,
        error_line INTEGER,
        started_at TEXT,
        ended_at TEXT,
        owner_host TEXT,
        owner_pid INTEGER,
        executor TEXT NOT NULL DEFAULT 'local',
        external_id TEXT,
        tags_json TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX runs_by_experiment ON runs(experiment_id, idx);
      CREATE TABLE metric_names (mid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE metrics (rid INTEGER NOT NULL, mid INTEGER NOT NULL, step REAL NOT NULL, value REAL);
      CREATE INDEX metrics_by_run ON metrics(rid, mid, step);
      CREATE TABLE final_metrics (rid INTEGER NOT NULL, mid INTEGER NOT NULL, step REAL NOT NULL, value REAL, PRIMARY KEY (rid, mid)) WITHOUT ROWID;
      CREATE TABLE samples (rid INTEGER NOT NULL, step REAL NOT NULL, kind TEXT NOT NULL, data_json TEXT NOT NULL);
      CREATE INDEX samples_by_run ON samples(rid, kind, step);
    `,
  },
  {
    version: 2,
    sql: `
      ALTER TABLE metrics ADD COLUMN wall REAL;
      CREATE TABLE reward_versions (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        code TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX reward_versions_by_name ON reward_versions(name, created_at);
    `,
  },
  {
    version: 3,
    sql: `
      -- Experiments imported from elsewhere (TensorBoard, CSV) carry where they came from; NULL for native ones.
      ALTER TABLE experiments ADD COLUMN source_json TEXT;
    `,
  },
  {
    version: 4,
    // Leases: a run in flight is held by one process (lease_owner) until lease_until (epoch ms), renewed by
    // heartbeats; an expired lease means the run is interrupted whatever pids and hostnames say.
    // cancel_requested lets a process that does not hold the run ask its holder to stop it.
    sql: `
      ALTER TABLE runs ADD COLUMN lease_owner TEXT;
      ALTER TABLE runs ADD COLUMN lease_until REAL;
      ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    // The compute path a run resolved at start ('fused' | 'tfjs'); NULL for runs from before, imported runs.
    sql: `ALTER TABLE runs ADD COLUMN compute TEXT;`,
  },
  {
    version: 6,
    // The engine a run's reward code ran in ('isolated-vm' | 'quickjs'); NULL for runs without reward code, from before, imported runs.
    sql: `ALTER TABLE runs ADD COLUMN sandbox TEXT;`,
  },
];
