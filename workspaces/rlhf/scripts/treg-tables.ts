// Prints RESULTS.md's treg-dpo tables from the committed raw data (a gzipped `creditlab export --format csv`
// of the preset's run), so every number there can be regenerated and checked (test/treg-tables.test.ts).
// Usage: node --import tsx workspaces/rlhf/scripts/treg-tables.ts [export.csv.gz ...] (default: the committed one)
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { extractScore, pairedVs, tInterval, type SeedScore } from '@creditlab/stats';

export const TREG_CSV = fileURLToPath(new URL('../results/treg-dpo.csv.gz', import.meta.url));
/** The marker lines around the tables in workspaces/rlhf/RESULTS.md. */
export const TREG_BEGIN = '<!-- treg-tables:begin (printed by workspaces/rlhf/scripts/treg-tables.ts; do not edit) -->';
export const TREG_END = '<!-- treg-tables:end -->';
const CONTROL = 'dpo';
/** Per run: the mean of the evaluations after iteration 0 (the SFT model itself) up to `upTo`; at the preset's full budget, iterations 20–80. */
const FIRST = 20;
const BASELINES = ['uniform', 'first-token', 'position', 'ref-logprob', 'ref-sharpened'];
/** The strongest untrained credit: every arm is also compared with it, seed by seed, on the same credit set. */
const REF = 'ref-logprob';

/** Per seed: the arm's credit AUROC minus the ref-logprob baseline's on the same set, paired Student t over seeds. */
function vsRef(scores: (arm: string, metric: string, at?: string) => SeedScore[], arm: string) {
  return pairedVs(arm, scores(arm, 'eval/credit_auroc'), REF, scores(arm, `eval/credit_auroc_baseline/${REF}`, 'last'), 'mean');
}

type Runs = Map<string, { arm: string; seed: number; metrics: Map<string, { steps: number[]; values: number[] }> }>;

/**
 * The runs of one or more gzipped exports, and `upTo`: the last evaluation step every run reached (runs
 * stopped before the preset's last evaluation are compared over the evaluations all of them have).
 */
export function readExport(...csvGz: Buffer[]): { runs: Runs; upTo: number; dropped: string[] } {
  const runs: Runs = new Map();
  for (const gz of csvGz) readOne(gz, runs);
  // Runs cancelled before their first evaluation after iteration 0 have nothing to compare; named under the tables.
  const dropped: string[] = [];
  for (const [id, r] of runs)
    if (!(r.metrics.get('eval/accuracy')?.steps ?? []).some((st) => st >= FIRST)) {
      runs.delete(id);
      dropped.push(`${r.arm} seed ${r.seed}`);
    }
  const upTo = Math.min(...[...runs.values()].map((r) => Math.max(...(r.metrics.get('eval/accuracy')?.steps ?? [0]))));
  return { runs, upTo, dropped };
}

function readOne(csvGz: Buffer, runs: Runs): void {
  const rows = parse(gunzipSync(csvGz).toString('utf8'), { skip_empty_lines: true }) as string[][];
  if (rows[0].join(',') !== 'experiment,arm,seed,run,step,metric,value') throw new Error(`not a creditlab export: header ${rows[0].join(',')}`);
  for (const [, arm, seed, run, step, metric, value] of rows.slice(1)) {
    let r = runs.get(run);
    if (!r) runs.set(run, (r = { arm, seed: Number(seed), metrics: new Map() }));
    let s = r.metrics.get(metric);
    if (!s) r.metrics.set(metric, (s = { steps: [], values: [] }));
    s.steps.push(Number(step));
    s.values.push(Number(value));
  }
}

/** The evaluations of a series in [FIRST, upTo]. */
function evalWindow(x: { steps: number[]; values: number[] }, upTo: number): { steps: number[]; values: number[] } {
  const keep = x.steps.map((_, i) => i).filter((i) => x.steps[i] >= FIRST && x.steps[i] <= upTo);
  return { steps: keep.map((i) => x.steps[i]), values: keep.map((i) => x.values[i]) };
}

/** One score per seed of `arm` for `metric`, from its evaluations in [FIRST, upTo], by seed. */
function seedScores(runs: Runs, upTo: number, arm: string, metric: string, at = 'mean-last:1000'): SeedScore[] {
  return [...runs.values()]
    .filter((r) => r.arm === arm && r.metrics.has(metric))
    .map((r) => ({ seed: r.seed, value: extractScore(evalWindow(r.metrics.get(metric)!, upTo), at) }))
    .sort((a, b) => a.seed - b.seed);
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
const signed = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);

export function tregTables({ runs, upTo, dropped }: { runs: Runs; upTo: number; dropped: string[] }): string {
  const arms = [...new Set([...runs.values()].map((r) => r.arm))];
  const scores = (arm: string, metric: string, at?: string) => seedScores(runs, upTo, arm, metric, at);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const out: string[] = [];
  const cell = (arm: string, metric: string) => {
    const s = scores(arm, metric).map((x) => x.value);
    if (!s.length) return '—';
    const ci = tInterval(s, 0.95);
    return `${f3(mean(s))} [${f3(ci[0])}, ${f3(ci[1])}]`;
  };
  const diff = (arm: string, metric: string) => {
    if (arm === CONTROL) return '—';
    const d = pairedVs(arm, scores(arm, metric), CONTROL, scores(CONTROL, metric), 'mean');
    const un = Object.entries(d.unmatched).filter(([, v]) => v.length);
    return `${signed(d.estimate)} [${signed(d.ci[0])}, ${signed(d.ci[1])}]${un.length ? ` (unmatched: ${un.map(([a, v]) => `${a} ${v.join(' ')}`).join('; ')})` : ''}`;
  };
  const seedsOf = (arm: string) => scores(arm, 'eval/accuracy').map((x) => x.seed);
  const evals = [...new Set([...runs.values()].flatMap((r) => evalWindow(r.metrics.get('eval/accuracy')!, upTo).steps))].sort((a, b) => a - b);
  out.push(`Per run the mean of the evaluations at iterations ${evals.join(', ')}; per arm the mean over seeds with a 95 % Student t interval (n = seeds); "− dpo" = the mean of the per-seed differences from dpo (same seed: same SFT model, same credit set) with a 95 % Student t interval on the n paired differences (df n − 1; the method of \`creditlab compare --vs dpo --paired --stat mean\`).`);
  out.push('');
  out.push('| arm | seeds | credit AUROC [95 % t] | credit AUROC − dpo [95 % paired t] | r̂ AUROC | accuracy [95 % t] | accuracy − dpo [95 % paired t] |');
  out.push('|---|---|---|---|---|---|---|');
  for (const arm of arms)
    out.push(`| ${arm} | ${seedsOf(arm).join(',')} | ${cell(arm, 'eval/credit_auroc')} | ${diff(arm, 'eval/credit_auroc')} | ${scores(arm, 'eval/credit_auroc_rhat').length ? f3(mean(scores(arm, 'eval/credit_auroc_rhat').map((x) => x.value))) : '—'} | ${cell(arm, 'eval/accuracy')} | ${diff(arm, 'eval/accuracy')} |`);
  out.push('');
  // Baselines and the set are fixed per seed; check that every arm saw the same ones.
  const fixed = ['eval/credit_set_wrong_answers', ...BASELINES.map((b) => `eval/credit_auroc_baseline/${b}`)];
  const mismatch: string[] = [];
  for (const m of fixed)
    for (const seed of new Set([...runs.values()].map((r) => r.seed))) {
      const vals = new Set([...runs.values()].filter((r) => r.seed === seed && r.metrics.has(m)).map((r) => extractScore(r.metrics.get(m)!, 'last')));
      if (vals.size > 1) mismatch.push(`${m} seed ${seed}`);
    }
  const base = (m: string) => scores(CONTROL, m, 'last');
  const wrong = base('eval/credit_set_wrong_answers');
  out.push(`Trivial credits on the same sets (identical in every arm of a seed${mismatch.length ? `, EXCEPT ${mismatch.join(', ')}` : ''}): ${wrong.length} seeds, ${wrong.map((x) => x.value).join(' / ')} wrong answers per set (seeds ${wrong.map((x) => x.seed).join(', ')}). Mean over seeds and the per-seed range.`);
  out.push('');
  out.push('| baseline credit | AUROC | per-seed range |');
  out.push('|---|---|---|');
  for (const b of BASELINES) {
    const s = base(`eval/credit_auroc_baseline/${b}`).map((x) => x.value);
    out.push(`| ${b} | ${f3(mean(s))} | ${f3(Math.min(...s))}–${f3(Math.max(...s))} |`);
  }
  out.push('');
  out.push(`Each arm against the untrained ${REF} credit on the same set: per seed the arm's credit AUROC minus ${REF}'s, mean with a 95 % Student t interval on the n paired differences (df n − 1).`);
  out.push('');
  out.push(`| arm | credit AUROC − ${REF} [95 % paired t] | pairs |`);
  out.push('|---|---|---|');
  for (const arm of arms) {
    const d = vsRef(scores, arm);
    out.push(`| ${arm} | ${signed(d.estimate)} [${signed(d.ci[0])}, ${signed(d.ci[1])}] | ${d.n} |`);
  }
  if (dropped.length) out.push('', `Left out (cancelled before iteration ${FIRST}): ${dropped.join(', ')}.`);
  return out.join('\n');
}

/**
 * The sentence of figures presets/treg-dpo.json's description quotes, from the same runs and the same
 * computations as the tables (test/treg-tables.test.ts checks the preset contains it).
 */
export function tregDescription({ runs, upTo }: { runs: Runs; upTo: number }): string {
  const arms = [...new Set([...runs.values()].map((r) => r.arm))];
  const scores = (arm: string, metric: string, at?: string) => seedScores(runs, upTo, arm, metric, at);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cell = (arm: string, metric: string) => {
    const s = scores(arm, metric).map((x) => x.value);
    const ci = tInterval(s, 0.95);
    return `${f3(mean(s))} [${f3(ci[0])}, ${f3(ci[1])}]`;
  };
  const diff = (arm: string, metric: string) => {
    const d = pairedVs(arm, scores(arm, metric), CONTROL, scores(CONTROL, metric), 'mean');
    return `${signed(d.estimate)} [${signed(d.ci[0])}, ${signed(d.ci[1])}] (${d.n} pairs)`;
  };
  // Every logged credit AUROC of every run, all evaluations included (iteration 0 too).
  const all = [...runs.values()].map((r) => r.metrics.get('eval/credit_auroc'));
  const logged = all.filter((x) => x && x.values.length > 0) as { values: number[] }[];
  const vals = logged.flatMap((x) => x.values);
  const inUnit = vals.every((v) => Number.isFinite(v) && v >= 0 && v <= 1);
  const seeds = [...new Set([...runs.values()].map((r) => r.seed))].sort((a, b) => a - b);
  const base = (b: string) => f3(mean(scores(CONTROL, `eval/credit_auroc_baseline/${b}`, 'last').map((x) => x.value)));
  return (
    `Measured (printed by workspaces/rlhf/scripts/treg-tables.ts from workspaces/rlhf/results/treg-dpo.csv.gz): ${runs.size} runs, seeds ${seeds.join(', ')}; ` +
    `${logged.length} of ${runs.size} runs log eval/credit_auroc, ${vals.length} values, ${inUnit ? 'all' : 'NOT all'} in [0, 1] (range ${f3(Math.min(...vals))}–${f3(Math.max(...vals))}). ` +
    `Per run the mean of the evaluations at iterations ${FIRST}-${upTo}; credit AUROC, mean over seeds [95 % Student t]: ` +
    arms.map((a) => `${a} ${cell(a, 'eval/credit_auroc')}${a === CONTROL ? '' : `, − dpo ${diff(a, 'eval/credit_auroc')} (paired Student t)`}`).join('; ') +
    `. Accuracy − dpo: ${arms.filter((a) => a !== CONTROL).map((a) => `${a} ${diff(a, 'eval/accuracy')}`).join('; ')}. ` +
    `r̂'s own AUROC: ${arms.filter((a) => scores(a, 'eval/credit_auroc_rhat').length).map((a) => `${a} ${f3(mean(scores(a, 'eval/credit_auroc_rhat').map((x) => x.value)))}`).join(', ')}. ` +
    `Trivial credits on the same sets (mean over seeds): ${BASELINES.map((b) => `${b} ${base(b)}`).join(', ')}. ` +
    `Credit AUROC − ${REF} on the same set, seed by seed (paired Student t): ${arms
      .map((a) => {
        const d = vsRef(scores, a);
        return `${a} ${signed(d.estimate)} [${signed(d.ci[0])}, ${signed(d.ci[1])}] (${d.n} pairs)`;
      })
      .join('; ')}.`
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const data = readExport(...(process.argv.length > 2 ? process.argv.slice(2) : [TREG_CSV]).map((f) => readFileSync(f)));
  console.log(`${tregTables(data)}\n\nDescription figures (presets/treg-dpo.json quotes them):\n${tregDescription(data)}`);
}
