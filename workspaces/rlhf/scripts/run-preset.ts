// Runs an RLHF preset's runs one after another in this process (no runner needed) and prints, per arm,
// the late evaluations averaged over the last `--late` evaluation points and over seeds.
// Usage: node --import tsx workspaces/rlhf/scripts/run-preset.ts presets/prm-hacking.json
//          [--arms a,b] [--seeds 0,1] [--set key.path=value]... [--out results.json]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { applySet, resolveExperiment, type RunContext } from '@creditlab/spec';
import { ensureBackend } from '@creditlab/rl/backend';
import { trainRlhf } from '../src/train';

const args = process.argv.slice(2);
const file = args[0];
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
let spec: unknown = JSON.parse(readFileSync(file, 'utf8'));
args.forEach((a, i) => {
  if (a === '--set') spec = applySet(spec, args[i + 1]);
});
const { runs } = resolveExperiment(spec);
const armFilter = opt('arms')?.split(',');
const seedFilter = opt('seeds')?.split(',').map(Number);
const late = Number(opt('late') ?? 2);
const backend = (await ensureBackend(undefined)) as string;

type Log = { step: number; metrics: Record<string, number> };
type Result = { arm: string; seed: number; seconds: number; logs: Log[]; infos: string[] };
const out = opt('out');
// --out doubles as a resume file: runs already in it are not repeated.
const results: Result[] = out && existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { results: Result[] }).results : [];
for (const run of runs) {
  if (armFilter && !armFilter.includes(run.arm)) continue;
  if (seedFilter && !seedFilter.includes(run.seed)) continue;
  if (results.some((r) => r.arm === run.arm && r.seed === run.seed)) continue;
  const logs: Log[] = [];
  const infos: string[] = [];
  const t0 = performance.now();
  const ctx: RunContext = {
    run,
    runDir: null,
    backend,
    log: (step, metrics) => {
      logs.push({ step, metrics });
      if (step % 10 === 0 && 'perf/tokens_per_second' in metrics)
        console.error(`  [${run.arm} s${run.seed}] it ${step}: train success ${metrics['train/success'].toFixed(2)} steps ${metrics['train/steps_per_solution'].toFixed(2)}, ${Math.round(metrics['perf/tokens_per_second'])} tok/s`);
      if ('eval/accuracy' in metrics)
        console.error(
          `  [${run.arm} s${run.seed}] it ${step}: acc ${metrics['eval/accuracy'].toFixed(3)} steps ${metrics['eval/steps_per_solution'].toFixed(2)} rep ${metrics['eval/repeat_fraction'].toFixed(3)} trunc ${metrics['eval/truncated_fraction'].toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
        );
    },
    progress: () => {},
    cancelled: () => false,
    info: (m) => {
      infos.push(m);
      console.error(`  [${run.arm} s${run.seed}] ${m}`);
    },
    sample: () => {},
    checkpoint: () => {},
  };
  await trainRlhf(ctx);
  const seconds = (performance.now() - t0) / 1000;
  results.push({ arm: run.arm, seed: run.seed, seconds, logs, infos });
  const evals = logs.filter((l) => 'eval/accuracy' in l.metrics);
  const line = evals.map((e) => `${e.step}:${e.metrics['eval/accuracy'].toFixed(2)}/${e.metrics['eval/steps_per_solution'].toFixed(2)}`).join(' ');
  console.error(`${run.arm} seed ${run.seed} (${seconds.toFixed(0)} s) acc/steps: ${line}`);
  if (out) writeFileSync(out, JSON.stringify({ results }));
}

const lateMean = (logs: Log[], key: string) => {
  // Train metrics are logged every iteration; average them over the last 10% of iterations instead.
  const all = logs.filter((l) => key in l.metrics);
  const ev = key.startsWith('eval/') ? all.slice(-late) : all.slice(-Math.max(1, Math.ceil(all.length / 10)));
  return ev.reduce((s, l) => s + l.metrics[key], 0) / ev.length;
};
const arms = [...new Set(results.map((r) => r.arm))];
const summary = arms.map((arm) => {
  const rs = results.filter((r) => r.arm === arm);
  const m = (key: string) => rs.reduce((s, r) => s + lateMean(r.logs, key), 0) / rs.length;
  const tps = rs.flatMap((r) => r.logs.filter((l) => 'perf/tokens_per_second' in l.metrics).map((l) => l.metrics['perf/tokens_per_second']));
  return {
    arm,
    seeds: rs.length,
    accuracy: m('eval/accuracy'),
    steps: m('eval/steps_per_solution'),
    repeat: m('eval/repeat_fraction'),
    truncated: m('eval/truncated_fraction'),
    creditAuroc: rs[0].logs.some((l) => 'eval/credit_auroc' in l.metrics) ? m('eval/credit_auroc') : NaN,
    rhatAuroc: rs[0].logs.some((l) => 'eval/credit_auroc_rhat' in l.metrics) ? m('eval/credit_auroc_rhat') : NaN,
    kl: m('train/kl'),
    tokensPerSecond: tps.reduce((a, b) => a + b, 0) / Math.max(1, tps.length),
    seconds: rs.reduce((s, r) => s + r.seconds, 0) / rs.length,
  };
});
const base = summary.find((s) => s.arm === 'success-only');
console.log('| arm | seeds | steps (× success-only) | accuracy | repeat | truncated | credit AUROC | r̂ AUROC | train KL | tok/s | s/run |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const s of summary)
  console.log(
    `| ${s.arm} | ${s.seeds} | ${base ? (s.steps / base.steps).toFixed(2) : '-'} (${s.steps.toFixed(2)}) | ${s.accuracy.toFixed(3)} | ${s.repeat.toFixed(3)} | ${s.truncated.toFixed(3)} | ${Number.isNaN(s.creditAuroc) ? '-' : s.creditAuroc.toFixed(3)} | ${Number.isNaN(s.rhatAuroc) ? '-' : s.rhatAuroc.toFixed(3)} | ${Number.isNaN(s.kl) ? '-' : s.kl.toFixed(3)} | ${Math.round(s.tokensPerSecond)} | ${s.seconds.toFixed(0)} |`,
  );
console.log(`wall time of the runs: ${results.reduce((a, r) => a + r.seconds, 0).toFixed(0)} s`);
if (out) writeFileSync(out, JSON.stringify({ summary, results }));


// Issue 4's acceptance for the PRM-hacking preset, when its arms are present.
const by = (n: string) => summary.find((x) => x.arm === n);
if (base && by('pr')) {
  const pr = by('pr')!;
  console.log(`pr steps ${(pr.steps / base.steps).toFixed(2)}× success-only (want ≥ 1.3), accuracy ${(pr.accuracy - base.accuracy).toFixed(3)} vs success-only (want < 0)`);
  for (const n of ['pr-clip', 'pr-delta', 'pr-clip-delta', 'pr-delta-literal', 'pr-clip-delta-literal']) {
    const x = by(n);
    if (x) console.log(`${n} steps ${(x.steps / base.steps).toFixed(2)}× (want ≤ 1.1), accuracy ${(x.accuracy - base.accuracy).toFixed(3)} vs success-only${n === 'pr-clip-delta' ? ' (want ≥ −0.03)' : ''}`);
  }
}
