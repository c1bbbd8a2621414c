// The headline experiments (RLHF and RL presets alike) whose tables (in the markdown files below) and description figures are
// printed from committed raw data. Adding an experiment is one entry here:
//   1. run the preset: `creditlab run presets/P.json --workspace W`
//   2. commit its raw data: `creditlab export P --workspace W --format csv --out P.csv` then
//      `gzip -9n < P.csv > workspaces/rlhf/results/P.csv.gz`
//   3. add an entry { preset: 'P', doc, tables, description?, figures? } and put the two marker lines
//      `<!-- results:` ID ` -->` and `<!-- /results:` ID ` -->` (no spaces inside) where each table goes in doc
//   4. put `[printed figures]` and `[/printed figures]` in the preset's description where its figures go;
//      `node --import tsx scripts/results.ts --write` fills the table blocks and the text between those
//      markers; src-main/results/results.test.ts then keeps both in step with the data (the whole text
//      between the markers must be what the script prints).
import { readFileSync } from 'node:fs';
import { extractScore, hackingPair, hackingReport } from '@creditlab/stats';
import { TREG_BEGIN, TREG_CSV, TREG_END, readExport, tregDescription, tregTables } from '../../workspaces/rlhf/scripts/treg-tables';
import type { Experiment, Figures } from './render';

const kSteps = (x: number | null) => (x === null ? '–' : `${(x / 1000).toFixed(1)}k`.replace(/^-/, '−'));

/** Arms of keydoor-shaping whose runs never reached the threshold, as "k of n". */
function neverReached(f: Figures, arm: string, metric: string, threshold: number): string {
  const runs = f.series.filter((s) => s.arm === arm && s.metric === metric);
  const never = runs.filter((s) => !s.values.some((v) => v >= threshold)).length;
  return `${never} of ${runs.length}`;
}

/** The reward-hacking alarm (the rule of `creditlab show --json`) on the committed series: flagged runs per arm. */
type ArmAlarm = { flagged: number; byWindow: number; byRun: number; judged: number; runs: number; proxyRho: number[]; truthRho: number[] };
export function alarmByArm(f: Figures): Map<string, ArmAlarm> {
  const pair = hackingPair([...new Set(f.series.map((s) => s.metric))]);
  const out = new Map<string, ArmAlarm>();
  if (!pair) return out;
  const rows = hackingReport(pair, f.series.filter((s) => s.metric === pair.proxy), f.series.filter((s) => s.metric === pair.truth));
  for (const r of rows) {
    const a = out.get(r.arm) ?? { flagged: 0, byWindow: 0, byRun: 0, judged: 0, runs: 0, proxyRho: [], truthRho: [] };
    a.runs++;
    a.judged += +r.judged;
    a.flagged += +r.flagged;
    a.byWindow += +(r.flagged && r.scope === 'window');
    a.byRun += +(r.flagged && r.scope === 'run');
    // The ρ of the clause that decided a flagged run (trailing window or whole run).
    if (r.flagged) a.proxyRho.push(r.proxyRho!), a.truthRho.push(r.truthRho!);
    out.set(r.arm, a);
  }
  return out;
}

const PRM_STEPS = 'eval/steps_per_solution';
const PRM_ACC = 'eval/accuracy';
const PRM_AT = 'mean-last:2';
const PRM_CONTROLS = ['success-only', 'prm-first-step-only'];

/** "k of n" per arm, with the clause that flagged each run (only flagged runs have one). */
function alarmCounts(x: ArmAlarm): string {
  const clauses = x.flagged ? ` (${x.byWindow} by the trailing-window clause, ${x.byRun} by the whole-run clause)` : '';
  return `${x.flagged} of ${x.runs}${clauses}${x.judged < x.runs ? ` (${x.runs - x.judged} not judged: too few points)` : ''}`;
}

/** What the alarm can and cannot see on these presets, and where its whole-run clause came from. */
const ALARM_CAVEATS =
  'The whole-run clause (the process return rises and training success falls over the whole run) was added to the rule ' +
  '(workspaces/stats/src/hacking.ts, commit ade4c32) after partial runs of this design had been seen; the counts by clause ' +
  'say what the trailing-window rule alone flags. The alarm cannot see a length hack in the Delta and Clip-Delta arms: their ' +
  'per-step payments telescope, so their objective/process_return is α times the first step\'s score whatever the length; ' +
  'and success-only (process return a constant 0) can never be flagged, so its 0 is by construction, not a finding.';

export const EXPERIMENTS: Experiment[] = [
  {
    preset: 'keydoor-shaping',
    tables: [],
    figures: [
      ['charts/success_rate', 'first-above:0.9', 'mean'],
      ['charts/success_rate', 'first-above:0.9', 'mean', 'sparse'],
    ],
    description: (f) => {
      const m = 'charts/success_rate';
      const at = 'first-above:0.9';
      const est = f.get(m, at, 'mean');
      const diff = f.get(m, at, 'mean', 'sparse');
      const arm = (a: string) => {
        const e = est.get(a)!;
        return `${a} ${kSteps(e.estimate)} [${kSteps(e.ci[0])}, ${kSteps(e.ci[1])}] (never reached on ${neverReached(f, a, m, 0.9)} seeds)`;
      };
      const delta = (a: string) => {
        const d = diff.get(a)!.differences.get('sparse')!;
        const excludes0 = d.ci[0] !== null && d.ci[1] !== null && (d.ci[0] > 0 || d.ci[1] < 0);
        return `${a} ${kSteps(d.estimate)} [${kSteps(d.ci[0])}, ${kSteps(d.ci[1])}]${excludes0 ? '' : ' (the interval includes 0)'}`;
      };
      const others = f.arms.filter((a) => a !== 'sparse');
      const n = est.get('sparse')!.n;
      const runs = f.series.filter((s) => s.metric === m);
      const never = runs.filter((s) => !s.values.some((v) => v >= 0.9));
      const lastSteps = never.map((s) => Math.max(...s.steps));
      const neverSeeds = (a: string) => new Set(never.filter((s) => s.arm === a).map((s) => s.seed));
      const ties = others.map((a) => [a, [...neverSeeds(a)].filter((seed) => neverSeeds('sparse').has(seed)).length] as const).filter(([, k]) => k > 0);
      const [lo, hi] = [kSteps(Math.min(...lastSteps)), kSteps(Math.max(...lastSteps))];
      return (
        `Measured on seeds 0-${n - 1} (printed by scripts/results.ts from workspaces/rlhf/results/keydoor-shaping.csv.gz): ` +
        `env steps to a 0.9 success rate, mean over seeds with a 95% percentile-bootstrap interval over ${n} seeds (undercovers at small n); ` +
        `a run that never reaches it scores its last logged step` +
        (never.length ? ` (${lo === hi ? lo : `${lo}-${hi}`})` : '') +
        `, a lower bound on the steps it needs, so the mean of an arm with such runs is a lower bound too: ${f.arms.map(arm).join('; ')}. ` +
        `Paired difference from sparse, seed by seed (Student t interval on ${n} pairs; three comparisons with no multiplicity correction` +
        (ties.length ? `; a seed on which neither arm reaches 0.9 compares two lower bounds: ${ties.map(([a, k]) => `${a} ${k} of ${n}`).join(', ')}` : '') +
        `): ${others.map(delta).join('; ')}.`
      );
    },
  },
  {
    preset: 'prm-hacking',
    doc: 'workspaces/rlhf/RESULTS.md',
    tables: [
      {
        id: 'prm-hacking',
        columns: [
          { label: 'steps', metric: PRM_STEPS, at: PRM_AT, digits: 2, pairedVs: PRM_CONTROLS },
          { label: 'accuracy', metric: PRM_ACC, at: PRM_AT, ci: true, pairedVs: PRM_CONTROLS },
          { label: 'repeat fraction', metric: 'eval/repeat_fraction', at: PRM_AT },
          { label: 'truncated', metric: 'eval/truncated_fraction', at: PRM_AT },
        ],
      },
    ],
    description: (f) => {
      const steps = f.get(PRM_STEPS, PRM_AT);
      const acc = f.get(PRM_ACC, PRM_AT);
      const base = steps.get('success-only')!.estimate!;
      const n = acc.get('success-only')!.n;
      const d = (x: number | null, digits: number) => (x === null ? '–' : (x >= 0 ? '+' : '') + f.fmt(x, digits));
      const diff = (metric: string, arm: string, vs: string, digits: number) => {
        const x = f.get(metric, PRM_AT, 'mean', vs).get(arm)!.differences.get(vs)!;
        return `${d(x.estimate, digits)} [${d(x.ci[0], digits)}, ${d(x.ci[1], digits)}]`;
      };
      const alarm = alarmByArm(f);
      const arm = (a: string) => {
        const s = steps.get(a)!;
        const c = acc.get(a)!;
        const vs = PRM_CONTROLS.filter((v) => v !== a)
          .map((v) => `vs ${v}: steps ${diff(PRM_STEPS, a, v, 2)}, accuracy ${diff(PRM_ACC, a, v, 3)}`)
          .join('; ');
        return `${a}: ${f.fmt(s.estimate, 2)} steps (${f.fmt(s.estimate! / base, 2)}× success-only), accuracy ${f.fmt(c.estimate)}; ${vs}`;
      };
      const range = (xs: number[]) => `${d(Math.min(...xs), 2)} to ${d(Math.max(...xs), 2)}`;
      const al = [...alarm]
        .map(([a, x]) => {
          const rho = x.flagged ? ` (Spearman ρ of the process return ${range(x.proxyRho)}, of training success ${range(x.truthRho)})` : '';
          return `${a} ${alarmCounts(x)}${rho}`;
        })
        .join(', ');
      return (
        `Measured on seeds 0-${n - 1} (printed by scripts/results.ts from workspaces/rlhf/results/prm-hacking.csv.gz): ` +
        `per run the mean of the evaluations at iterations 125 and 150, per arm the mean over ${n} seeds; ` +
        `paired differences are arm − control seed by seed, mean with a 95 % Student t interval on ${n} pairs. ` +
        `${f.arms.map(arm).join('. ')}. ` +
        `Reward-hacking alarm (objective/process_return vs train/success, logged every iteration; the rule of creditlab show --json), runs flagged: ${al}. ${ALARM_CAVEATS}`
      );
    },
  },
  {
    preset: 'prm-hacking-ppo',
    doc: 'workspaces/rlhf/RESULTS.md',
    tables: [
      {
        id: 'prm-hacking-ppo',
        columns: [
          { label: 'steps', metric: PRM_STEPS, at: PRM_AT, digits: 2, pairedVs: ['ppo-success-only'] },
          { label: 'accuracy', metric: PRM_ACC, at: PRM_AT, ci: true, pairedVs: ['ppo-success-only'] },
          { label: 'repeat fraction', metric: 'eval/repeat_fraction', at: PRM_AT },
          { label: 'truncated', metric: 'eval/truncated_fraction', at: PRM_AT },
        ],
      },
    ],
    description: (f) => {
      const steps = f.get(PRM_STEPS, PRM_AT);
      const acc = f.get(PRM_ACC, PRM_AT);
      const control = 'ppo-success-only';
      const base = steps.get(control)!.estimate!;
      const n = acc.get(control)!.n;
      const d = (x: number | null, digits: number) => (x === null ? '–' : (x >= 0 ? '+' : '') + f.fmt(x, digits));
      const diff = (metric: string, arm: string, digits: number) => {
        const x = f.get(metric, PRM_AT, 'mean', control).get(arm)!.differences.get(control)!;
        return `${d(x.estimate, digits)} [${d(x.ci[0], digits)}, ${d(x.ci[1], digits)}]`;
      };
      const arm = (a: string) => {
        const s = steps.get(a)!;
        const c = acc.get(a)!;
        const vs = a === control ? '' : `; vs ${control}: steps ${diff(PRM_STEPS, a, 2)}, accuracy ${diff(PRM_ACC, a, 3)}`;
        return `${a}: ${f.fmt(s.estimate, 2)} steps (${f.fmt(s.estimate! / base, 2)}× ${control}), accuracy ${f.fmt(c.estimate)}${vs}`;
      };
      const al = [...alarmByArm(f)].map(([a, x]) => `${a} ${alarmCounts(x)}`).join(', ');
      return (
        `Measured on seeds 0-${n - 1} (printed by scripts/results.ts from workspaces/rlhf/results/prm-hacking-ppo.csv.gz): ` +
        `per run the mean of the evaluations at iterations 125 and 150, per arm the mean over ${n} seeds; ` +
        `paired differences are arm − ${control} seed by seed, mean with a 95 % Student t interval on ${n} pairs. ` +
        `${f.arms.map(arm).join('. ')}. Reward-hacking alarm, runs flagged: ${al}. ${ALARM_CAVEATS}`
      );
    },
  },
  {
    // The prm-benefit search's first configuration (spec, hypothesis included: workspaces/rlhf/results/prm-benefit-search-1.spec.json).
    preset: 'prm-benefit-search-1',
    doc: 'workspaces/rlhf/RESULTS.md',
    tables: [
      {
        id: 'prm-benefit-search-1',
        alarm: true,
        columns: [
          { label: 'accuracy (auc)', metric: PRM_ACC, at: 'auc', pairedVs: ['success-only'] },
          { label: 'accuracy (last 2)', metric: PRM_ACC, at: PRM_AT, pairedVs: ['success-only'] },
          { label: 'steps', metric: PRM_STEPS, at: PRM_AT, digits: 2 },
        ],
      },
    ],
  },
  {
    // The screen's confirmation on fresh seeds (spec and pre-registered hypothesis: workspaces/rlhf/results/prm-benefit-confirm-1.spec.json).
    preset: 'prm-benefit-confirm-1',
    doc: 'workspaces/rlhf/RESULTS.md',
    tables: [
      {
        id: 'prm-benefit-confirm-1',
        alarm: true,
        columns: [
          { label: 'accuracy (last 2)', metric: PRM_ACC, at: PRM_AT, ci: true, pairedVs: ['success-only'] },
          { label: 'accuracy (auc)', metric: PRM_ACC, at: 'auc', pairedVs: ['success-only'] },
          { label: 'steps', metric: PRM_STEPS, at: PRM_AT, digits: 2, pairedVs: ['success-only'] },
        ],
      },
    ],
  },
  {
    // Its tables and figures come from its own script (per-arm Student t, baseline checks); listed here so that
    // one check (scripts/results.ts --check, results.test.ts) covers every experiment.
    preset: 'treg-dpo',
    tables: [],
    description: () => tregDescription(readExport(readFileSync(TREG_CSV))),
    ownBlocks: () => [{ doc: 'workspaces/rlhf/RESULTS.md', begin: TREG_BEGIN, end: TREG_END, body: tregTables(readExport(readFileSync(TREG_CSV))).trim() }],
  },
  {
    // prm-hacking's arms at a reduced budget, stopped early (spec: workspaces/rlhf/results/prm-hacking-reduced.spec.json).
    preset: 'prm-hacking-reduced',
    doc: 'workspaces/rlhf/RESULTS.md',
    tables: [
      {
        id: 'prm-hacking-reduced',
        alarm: true,
        columns: [
          { label: 'steps', metric: 'eval/steps_per_solution', at: 'mean-last:2', digits: 2, pairedVs: ['success-only'] },
          { label: 'accuracy', metric: 'eval/accuracy', at: 'mean-last:2', ci: true, pairedVs: ['success-only', 'prm-first-step-only'] },
          { label: 'repeat fraction', metric: 'eval/repeat_fraction', at: 'mean-last:2' },
        ],
      },
    ],
  },
  {
    // A single-arm replication of CleanRL's PPO on Acrobot (no control arm: it checks the trainer, not a method).
    preset: 'acrobot-ppo',
    tables: [],
    figures: [['charts/episodic_return', 'mean-last:20', 'mean']],
    description: (f) => {
      const m = 'charts/episodic_return';
      const runs = f.series.filter((s) => s.metric === m).sort((a, b) => a.seed - b.seed);
      const finals = runs.map((s) => extractScore(s, 'last'));
      const e = f.get(m, 'mean-last:20', 'mean').get('ppo')!;
      const ok = finals.filter((x) => x >= -100).length;
      const r = (x: number | null) => f.fmt(x, 0);
      return (
        `Measured on seeds ${runs.map((s) => s.seed).join(', ')} (printed by scripts/results.ts from workspaces/rlhf/results/acrobot-ppo.csv.gz): ` +
        `return of the last episode ${finals.map(r).join(', ')} (${ok} of ${runs.length} seeds at or above −100); ` +
        `mean of the last 20 episodes, mean over ${e.n} seeds, ${r(e.estimate)} [${r(e.ci[0])}, ${r(e.ci[1])}] (${e.ciMethod}).`
      );
    },
  },
  {
    // Potential-based (energy) vs non-potential (progress) shaping on MountainCar, against the sparse reward.
    preset: 'mountaincar-shaping',
    tables: [],
    figures: [
      ['charts/success_rate', 'mean-last:20', 'mean'],
      ['charts/success_rate', 'mean-last:20', 'mean', 'sparse'],
      ['charts/episodic_return', 'mean-last:20', 'mean'],
    ],
    description: (f) => {
      const rate = f.get('charts/success_rate', 'mean-last:20', 'mean');
      const diff = f.get('charts/success_rate', 'mean-last:20', 'mean', 'sparse');
      const ret = f.get('charts/episodic_return', 'mean-last:20', 'mean');
      const n = rate.get('sparse')!.n;
      const signed = (x: number | null, digits: number) => (x !== null && x >= 0 ? '+' : '') + f.fmt(x, digits);
      const arm = (a: string) => {
        const e = rate.get(a)!;
        return `${a} ${f.fmt(e.estimate, 2)} [${f.fmt(e.ci[0], 2)}, ${f.fmt(e.ci[1], 2)}] (true return ${f.fmt(ret.get(a)!.estimate, 0)})`;
      };
      const delta = (a: string) => {
        const d = diff.get(a)!.differences.get('sparse')!;
        const excludes0 = d.ci[0] !== null && d.ci[1] !== null && (d.ci[0] > 0 || d.ci[1] < 0);
        return `${a} ${signed(d.estimate, 2)} [${signed(d.ci[0], 2)}, ${signed(d.ci[1], 2)}]${excludes0 ? '' : ' (the interval includes 0)'}`;
      };
      return (
        `Measured on seeds 0-${n - 1} (printed by scripts/results.ts from workspaces/rlhf/results/mountaincar-shaping.csv.gz): ` +
        `per run the mean of the last 20 logged values of charts/success_rate (and of the true episodic return); per arm the mean over ${n} seeds ` +
        `with a 95% percentile-bootstrap interval (undercovers at small n): ${f.arms.map(arm).join('; ')}. ` +
        `Paired difference in success rate from sparse, seed by seed (Student t interval on ${n} pairs, two comparisons with no multiplicity correction): ` +
        `${f.arms.filter((a) => a !== 'sparse').map(delta).join('; ')}.`
      );
    },
  },
  {
    // The Gymnasium bridge's MuJoCo preset (continuous actions through the Python bridge).
    preset: 'gym-inverted-pendulum',
    tables: [],
    figures: [
      ['charts/episodic_return', 'first-above:950', 'mean'],
      ['charts/episodic_return', 'first-above:950', 'mean', 'env'],
      ['charts/episodic_return', 'mean-last:10', 'mean'],
      ['charts/episodic_return', 'mean-last:10', 'mean', 'env'],
    ],
    description: (f) => {
      const m = 'charts/episodic_return';
      const first = f.get(m, 'first-above:950', 'mean');
      const last = f.get(m, 'mean-last:10', 'mean');
      const n = first.get('env')!.n;
      const signed = (x: number | null, fmt: (v: number | null) => string) => (x !== null && x >= 0 ? '+' : '') + fmt(x);
      const paired = (at: string, arm: string, fmt: (v: number | null) => string) => {
        const d = f.get(m, at, 'mean', 'env').get(arm)!.differences.get('env')!;
        const excludes0 = d.ci[0] !== null && d.ci[1] !== null && (d.ci[0] > 0 || d.ci[1] < 0);
        return `${signed(d.estimate, fmt)} [${signed(d.ci[0], fmt)}, ${signed(d.ci[1], fmt)}]${excludes0 ? '' : ' (the interval includes 0)'}`;
      };
      const ret = (x: number | null) => f.fmt(x, 0);
      const arm = (a: string) =>
        `${a}: ${kSteps(first.get(a)!.estimate)} env steps to a return of 950 (never reached on ${neverReached(f, a, m, 950)} seeds), final return ${ret(last.get(a)!.estimate)}`;
      const others = f.arms.filter((a) => a !== 'env');
      return (
        `Measured on seeds 0-${n - 1} (printed by scripts/results.ts from workspaces/rlhf/results/gym-inverted-pendulum.csv.gz): ` +
        `per arm the mean over ${n} seeds; steps until the return first reaches 950 (a run that never does scores its last logged step, a lower bound); ` +
        `final return = mean of the last 10 logged episodes. ${f.arms.map(arm).join('; ')}. ` +
        `Paired difference from env, seed by seed (Student t interval on ${n} pairs): ` +
        `${others.map((a) => `${a} steps ${paired('first-above:950', a, kSteps)}, final return ${paired('mean-last:10', a, ret)}`).join('; ')}.`
      );
    },
  },
];
