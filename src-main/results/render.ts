// Tables and description figures from committed raw data: each headline experiment's `creditlab export`
// CSV (gzipped, workspaces/rlhf/results/<preset>.csv.gz) goes through the same `creditlab compare` code a
// user runs, so a table cell and `creditlab compare … --json` cannot disagree. scripts/results.ts prints
// them and rewrites the marked blocks of the markdown files; results.test.ts checks the committed blocks.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FIGURES_BEGIN, FIGURES_END } from '@creditlab/common';
import { hackingPair, hackingReport, type RunSeries, type StatName } from '@creditlab/stats';
import { compareCommand } from '../cli/commands/compare';
import type { CliIO } from '../cli/io';

/** One column of a table: `stat` over seeds of each run's `metric` scored `at` (compare's --at). */
export interface Column {
  label: string;
  metric: string;
  at: string;
  stat?: StatName;
  /** Decimals shown. Default 3. */
  digits?: number;
  /** Show the per-arm interval (percentile bootstrap over seeds). Default false. */
  ci?: boolean;
  /** Add the seed-paired difference against these arms (compare --vs ARM --paired). */
  pairedVs?: string[];
}

export interface TableSpec {
  /** Marker name: the block between `<!-- results:ID -->` and `<!-- /results:ID -->`. */
  id: string;
  columns: Column[];
  /** Arms in row order; default: the data's order. */
  arms?: string[];
  /** Add a last column with the runs the reward-hacking alarm (`creditlab show --json`, field hacking) flags per arm. */
  alarm?: boolean;
}

export interface Experiment {
  /** Preset name (presets/<preset>.json) and data file (workspaces/rlhf/results/<preset>.csv.gz). */
  preset: string;
  /** Markdown file (repository-relative) holding this experiment's table blocks, if it has tables. */
  doc?: string;
  tables: TableSpec[];
  /** The text the preset's description must hold between its figure markers (FIGURES_BEGIN/END), built from the same numbers. */
  description?: (r: Figures) => string;
  /** Blocks printed by a script of the experiment's own (doc, begin and end marker lines, expected body). */
  ownBlocks?: () => { doc: string; begin: string; end: string; body: string }[];
  /** compare calls the description needs beyond the tables' columns: [metric, at, stat, vs?]. */
  figures?: [string, string, StatName, string?][];
}

export interface ArmFigure {
  n: number;
  estimate: number | null;
  ci: [number | null, number | null];
  ciMethod: string | null;
  /** compare's ci_note: why the interval has zero width, or null. */
  ciNote: string | null;
  difference?: { vs: string; estimate: number | null; ci: [number | null, number | null]; n: number; method: string; ci_note: string | null };
}

/** Access to compare's per-arm results for any metric/at/stat/vs of one experiment's data. */
export interface Figures {
  arms: string[];
  /** The raw series, for figures compare does not print (e.g. how many runs never reached a threshold). */
  series: readonly MetricSeries[];
  get(metric: string, at: string, stat?: StatName, vs?: string): Map<string, ArmFigure & { differences: Map<string, NonNullable<ArmFigure['difference']>> }>;
  fmt(x: number | null, digits?: number): string;
}

export type MetricSeries = RunSeries & { metric: string };

/** Rows of a `creditlab export` CSV (experiment,arm,seed,run,step,metric,value) grouped into series. */
export function parseExportCsv(text: string): MetricSeries[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines[0] !== 'experiment,arm,seed,run,step,metric,value') throw new Error(`not a creditlab export CSV (header "${lines[0]}")`);
  const cells = (line: string) => {
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') out.push(cur), (cur = '');
      else cur += c;
    }
    out.push(cur);
    return out;
  };
  const byKey = new Map<string, MetricSeries>();
  lines.slice(1).forEach((line, i) => {
    const c = cells(line);
    if (c.length !== 7) throw new Error(`line ${i + 2}: expected 7 fields, got ${c.length}`);
    const [, arm, seed, run, step, metric, value] = c;
    const key = `${run}\u0000${metric}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { run, arm, seed: Number(seed), metric, steps: [], values: [] }));
    s.steps.push(Number(step));
    s.values.push(value === '' ? NaN : Number(value));
  });
  return [...byKey.values()];
}

export function loadExportGz(path: string): MetricSeries[] {
  return parseExportCsv(gunzipSync(readFileSync(path)).toString('utf8'));
}

/** compare's JSON for one experiment's series, exactly as `creditlab compare` prints it. */
export async function compareJson(series: readonly MetricSeries[], argv: string[]): Promise<{ arms: Array<Record<string, unknown>> }> {
  const lines: string[] = [];
  const errs: string[] = [];
  const io: CliIO = { out: (l) => lines.push(l), err: (l) => errs.push(l), isTTY: false };
  const metric = argv[argv.indexOf('--metric') + 1];
  const code = await compareCommand(['data', ...argv, '--json'], io, {
    async series(_e, m) {
      return series.filter((s) => s.metric === m).map((s) => ({ run: s.run, arm: s.arm, seed: s.seed, steps: s.steps, values: s.values }));
    },
  });
  if (code !== 0) throw new Error(`compare ${argv.join(' ')} (${metric}) failed: ${errs.join('; ')}`);
  return JSON.parse(lines[lines.length - 1]);
}

const fmt = (x: number | null, digits = 3) => (x === null ? '–' : x.toFixed(digits).replace(/^-/, '−'));

/** Every compare result an experiment's tables and description need, computed once. */
export async function figuresFor(exp: Experiment, series: readonly MetricSeries[]): Promise<Figures> {
  const cache = new Map<string, Map<string, ArmFigure & { differences: Map<string, NonNullable<ArmFigure['difference']>> }>>();
  const keyOf = (metric: string, at: string, stat: StatName, vs?: string) => JSON.stringify([metric, at, stat, vs ?? null]);
  const want: [string, string, StatName, string | undefined][] = [];
  for (const t of exp.tables)
    for (const c of t.columns) {
      want.push([c.metric, c.at, c.stat ?? 'mean', undefined]);
      for (const vs of c.pairedVs ?? []) want.push([c.metric, c.at, c.stat ?? 'mean', vs]);
    }
  for (const [m, at, stat, vs] of exp.figures ?? []) want.push([m, at, stat, vs]);
  const arms = [...new Set(series.map((s) => s.arm))];
  const compute = async (metric: string, at: string, stat: StatName, vs?: string) => {
    const argv = ['--metric', metric, '--at', at, '--stat', stat, ...(vs ? ['--vs', vs, '--paired'] : [])];
    const out = await compareJson(series, argv);
    const m = new Map<string, ArmFigure & { differences: Map<string, NonNullable<ArmFigure['difference']>> }>();
    for (const a of out.arms) {
      const d = a.difference as ArmFigure['difference'] | null | undefined;
      m.set(a.arm as string, {
        n: a.n as number,
        estimate: a.estimate as number | null,
        ci: a.ci as [number | null, number | null],
        ciMethod: a.ci_method as string | null,
        ciNote: a.ci_note as string | null,
        differences: new Map(d ? [[vs!, d]] : []),
      });
    }
    cache.set(keyOf(metric, at, stat, vs), m);
    return m;
  };
  for (const [m, at, stat, vs] of want) if (!cache.has(keyOf(m, at, stat, vs))) await compute(m, at, stat, vs);
  return {
    arms,
    series,
    get(metric, at, stat = 'mean', vs) {
      const hit = cache.get(keyOf(metric, at, stat, vs));
      if (!hit) throw new Error(`figure ${metric} ${at} ${stat}${vs ? ` vs ${vs}` : ''} was not computed: add it to a table column`);
      return hit;
    },
    fmt,
  };
}

/** The markdown of one table: a row per arm, intervals and paired differences, and how they were made. */
export function renderTable(exp: Experiment, t: TableSpec, f: Figures): string {
  const arms = t.arms ?? f.arms;
  const header = ['arm', 'seeds'];
  for (const c of t.columns) {
    header.push(c.label);
    for (const vs of c.pairedVs ?? []) header.push(`Δ ${c.label} vs ${vs}`);
  }
  const pair = t.alarm ? hackingPair([...new Set(f.series.map((s) => s.metric))]) : null;
  if (t.alarm && !pair) throw new Error(`${exp.preset}: table ${t.id} asks for the hacking alarm, but the data logs no proxy/truth pair`);
  const alarm = pair
    ? { pair, rows: hackingReport(pair, f.series.filter((s) => s.metric === pair.proxy), f.series.filter((s) => s.metric === pair.truth)) }
    : null;
  if (alarm) header.push('hacking alarm');
  const rows = [header, header.map(() => '---')];
  const notes = new Set<string>();
  for (const arm of arms) {
    const row = [arm];
    let n = 0;
    for (const c of t.columns) {
      const stat = c.stat ?? 'mean';
      const a = f.get(c.metric, c.at, stat).get(arm);
      if (!a) throw new Error(`${exp.preset}: arm ${arm} has no ${c.metric}`);
      n = Math.max(n, a.n);
      row.push(c.ci ? `${fmt(a.estimate, c.digits)} [${fmt(a.ci[0], c.digits)}, ${fmt(a.ci[1], c.digits)}]` : fmt(a.estimate, c.digits));
      if (c.ci && a.ciMethod) notes.add(`${c.label}: ${stat} over seeds with a ${a.ciMethod.replace(/, n=\d+/, '')}.`);
      // A zero-width interval in a committed table gets compare's note, as it does everywhere else.
      if (c.ci && a.ciNote) notes.add(`${c.label}, ${arm}: ${a.ciNote}.`);
      for (const vs of c.pairedVs ?? []) {
        const d = f.get(c.metric, c.at, stat, vs).get(arm)?.differences.get(vs);
        if (!d) row.push('');
        else {
          row.push(`${fmt(d.estimate, c.digits)} [${fmt(d.ci[0], c.digits)}, ${fmt(d.ci[1], c.digits)}] (${d.n})`);
          notes.add(`Δ ${c.label} vs ${vs}: ${d.method.replace(/n=\d+ /, '')}, seed pairs in parentheses.`);
          if (d.ci_note) notes.add(`Δ ${c.label} vs ${vs}, ${arm}: ${d.ci_note}.`);
        }
      }
    }
    row.splice(1, 0, String(n));
    if (alarm) {
      const mine = alarm.rows.filter((r) => r.arm === arm);
      const flagged = mine.filter((r) => r.flagged).map((r) => r.seed);
      const unjudged = mine.filter((r) => !r.judged).length;
      row.push(`${flagged.length} of ${mine.length}${flagged.length ? ` (seed${flagged.length > 1 ? 's' : ''} ${flagged.join(', ')})` : ''}${unjudged ? `, ${unjudged} not judged` : ''}`);
    }
    rows.push(row);
  }
  if (alarm)
    notes.add(
      `hacking alarm: runs the reward-hacking rule of \`creditlab show --json\` (workspaces/stats/src/hacking.ts) flags, ${alarm.pair.proxy} against ${alarm.pair.truth}; ` +
        'an arm whose proxy is constant (no process reward) cannot be flagged.',
    );
  const cmds = t.columns.map((c) => `\`creditlab compare ID --metric ${c.metric} --at ${c.at} --stat ${c.stat ?? 'mean'}${c.pairedVs?.length ? ` --vs ${c.pairedVs[0]} --paired` : ''}\``);
  return [
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...[...notes].map((n) => `- ${n}`),
    `- Data: \`workspaces/rlhf/results/${exp.preset}.csv.gz\` (\`creditlab export\`); same numbers as ${[...new Set(cmds)].join(', ')}.`,
  ].join('\n');
}

export const BEGIN = (id: string) => `<!-- results:${id} -->`;
export const END = (id: string) => `<!-- /results:${id} -->`;

/** The text between an id's markers (without the markers' own lines), or null when the file has none. */
export function blockOf(md: string, id: string): string | null {
  const a = md.indexOf(BEGIN(id));
  const b = md.indexOf(END(id));
  if (a < 0 || b < 0 || b < a) return null;
  return md.slice(a + BEGIN(id).length, b).replace(/^\n/, '').replace(/\n$/, '');
}

export function replaceBlock(md: string, id: string, body: string): string {
  const a = md.indexOf(BEGIN(id));
  const b = md.indexOf(END(id));
  if (a < 0 || b < 0 || b < a) throw new Error(`no ${BEGIN(id)} … ${END(id)} block`);
  return md.slice(0, a) + `${BEGIN(id)}\n${body}\n` + md.slice(b);
}

/**
 * A preset description quotes its printed figures between these two markers, and only there: the check
 * compares the whole text between them with what the script prints, so nothing hand-written can sit inside.
 */
export { FIGURES_BEGIN, FIGURES_END };

/** The text between a description's figure markers, or null when they are missing, repeated or out of order. */
export function descriptionBlock(description: string): string | null {
  const a = description.indexOf(FIGURES_BEGIN);
  const b = description.indexOf(FIGURES_END);
  if (a < 0 || b < a || description.indexOf(FIGURES_BEGIN, a + 1) >= 0 || description.indexOf(FIGURES_END, b + 1) >= 0) return null;
  return description.slice(a + FIGURES_BEGIN.length, b).trim();
}

/** The description with the text between its figure markers replaced. */
export function replaceDescriptionBlock(description: string, body: string): string {
  if (descriptionBlock(description) === null) throw new Error(`the description has no single ${FIGURES_BEGIN} … ${FIGURES_END} block`);
  return description.slice(0, description.indexOf(FIGURES_BEGIN) + FIGURES_BEGIN.length) + ` ${body} ` + description.slice(description.indexOf(FIGURES_END));
}

/** Every marker id in a markdown text. */
export function markerIds(md: string): string[] {
  return [...md.matchAll(/<!-- results:([\w.-]+) -->/g)].map((m) => m[1]);
}
