// Reads two CSV layouts (RFC 4180, parsed by csv-parse):
//  - Creditlab's own long export `experiment,arm,seed,run,step,metric,value` (a round trip of `export`);
//  - Weights & Biases' "Export CSV" wide table: a `Step` column, then one `<run> - <metric>` column per
//    run and metric (its `__MIN`/`__MAX` band columns are ignored). An empty cell is no point.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { assignArmsAndSeeds, compileGroup, pushPoint, type ImportPlan, type ImportProblem, type PlannedRun, type Points } from './plan';
import { ImportSourceError } from './tensorboard';

const LONG_HEADER = ['experiment', 'arm', 'seed', 'run', 'step', 'metric', 'value'];

const parseValue = (s: string) => (s === 'NaN' || s === 'nan' ? NaN : s.trim() === '' ? null : Number(s));

export async function planCsv(file: string, opts: { group?: string } = {}): Promise<ImportPlan> {
  const path = resolve(file);
  let text: string;
  try {
    // A FIFO or device would block a reader thread forever: only regular files are read.
    if (!(await stat(path)).isFile()) throw new ImportSourceError(`${file} is not a regular file`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof ImportSourceError) throw e;
    throw new ImportSourceError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let rows: string[][];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: false, skip_empty_lines: true });
  } catch (e) {
    throw new ImportSourceError(`${file}: not a well-formed CSV: ${(e as Error).message}`);
  }
  if (rows.length === 0) throw new ImportSourceError(`${file} is empty`);
  const header = rows[0].map((h) => h.trim());
  const group = opts.group ? compileGroup(opts.group) : null;
  if (header.length === LONG_HEADER.length && header.every((h, i) => h === LONG_HEADER[i])) return planLong(path, rows, group, opts.group);
  if (header[0] === 'Step' && header.slice(1).some((h) => h.includes(' - '))) return planWandb(path, header, rows, group, opts.group);
  throw new ImportSourceError(`${file}: unknown CSV layout; expected the header "${LONG_HEADER.join(',')}" (creditlab export) or "Step,<run> - <metric>,…" (W&B Export CSV)`);
}

function planLong(path: string, rows: string[][], group: RegExp | null, groupSrc?: string): ImportPlan {
  const problems: ImportProblem[] = [];
  const byRun = new Map<string, { arm: string; seed: string; metrics: Map<string, Points> }>();
  let bad = 0;
  for (let i = 1; i < rows.length; i++) {
    const [experiment, arm, seed, run, stepS, metric, valueS] = rows[i];
    const step = Number(stepS);
    const value = parseValue(valueS);
    if (!run || !metric || !Number.isFinite(step) || value === null || (Number.isNaN(value) && !/^nan$/i.test(valueS))) {
      if (bad++ < 5) problems.push({ path: `line ${i + 1}`, message: `unreadable row (step ${JSON.stringify(stepS)}, value ${JSON.stringify(valueS)}); left out`, skipped: true });
      continue;
    }
    const key = `${experiment}/${run}`;
    let r = byRun.get(key);
    if (!r) byRun.set(key, (r = { arm, seed, metrics: new Map() }));
    pushPoint(r.metrics, metric, step, value, NaN);
  }
  if (bad > 5) problems.push({ path: 'more lines', message: `${bad - 5} more unreadable row(s) left out`, skipped: true });
  // Without --group the file's own arm and seed columns decide.
  const assigned = assignArmsAndSeeds(
    [...byRun].map(([key, r]) => ({ key, arm: r.arm, name: /^\d+$/.test(r.seed) ? r.seed : '' })),
    group,
    problems,
  );
  const runs: PlannedRun[] = [];
  for (const [key, r] of byRun) {
    const a = assigned.get(key);
    if (a) runs.push({ key, arm: a.arm, seed: a.seed, metrics: r.metrics, files: [] });
  }
  return { source: { kind: 'csv', path, ...(groupSrc ? { group: groupSrc } : {}) }, runs, problems };
}

/** W&B run names often end in a seed (`ppo-seed3`, `ppo_3`): that suffix is the seed, the rest the arm. */
const SEED_SUFFIX = /^(.*?)[\s_\-]*(?:seed[\s_\-=]*)?(\d+)$/i;

function planWandb(path: string, header: string[], rows: string[][], group: RegExp | null, groupSrc?: string): ImportPlan {
  const problems: ImportProblem[] = [];
  const cols: { col: number; run: string; metric: string }[] = [];
  header.forEach((h, col) => {
    if (col === 0 || /__(MIN|MAX)$/.test(h)) return;
    const cut = h.indexOf(' - ');
    if (cut <= 0) {
      problems.push({ path: `column ${col + 1}`, message: `"${h}" is not "<run> - <metric>"; left out`, skipped: true });
      return;
    }
    cols.push({ col, run: h.slice(0, cut), metric: h.slice(cut + 3) });
  });
  const byRun = new Map<string, Map<string, Points>>();
  for (const c of cols) if (!byRun.has(c.run)) byRun.set(c.run, new Map());
  let bad = 0;
  for (let i = 1; i < rows.length; i++) {
    const step = Number(rows[i][0]);
    if (rows[i][0].trim() === '' || !Number.isFinite(step)) {
      if (bad++ < 5) problems.push({ path: `line ${i + 1}`, message: `Step ${JSON.stringify(rows[i][0])} is not a number; row left out`, skipped: true });
      continue;
    }
    for (const c of cols) {
      const v = parseValue(rows[i][c.col] ?? '');
      if (v !== null) pushPoint(byRun.get(c.run)!, c.metric, step, v, NaN);
    }
  }
  if (bad > 5) problems.push({ path: 'more lines', message: `${bad - 5} more unreadable row(s) left out`, skipped: true });
  const named = [...byRun.keys()].map((run) => {
    const m = SEED_SUFFIX.exec(run);
    return m && m[1] ? { key: run, arm: m[1], name: m[2] } : { key: run, arm: run, name: '' };
  });
  const assigned = assignArmsAndSeeds(named, group, problems);
  const runs: PlannedRun[] = [];
  for (const [key, metrics] of byRun) {
    const a = assigned.get(key);
    if (a && metrics.size) runs.push({ key, arm: a.arm, seed: a.seed, metrics, files: [] });
  }
  return { source: { kind: 'wandb-csv', path, ...(groupSrc ? { group: groupSrc } : {}) }, runs, problems };
}
