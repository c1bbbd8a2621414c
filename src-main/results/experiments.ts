// The headline experiments (RLHF and RL presets alike) whose tables (in the markdown files below) and description figures are
// printed from committed raw data. Adding an experiment is one entry here:
//   1. run the preset: `creditlab run presets/P.json --workspace W`
//   2. commit its raw data: `creditlab export P --workspace W --format csv --out P.csv` then
//      `gzip -9n < P.csv > workspaces/rlhf/results/P.csv.gz`
//   3. add an entry { preset: 'P', doc, tables, description?, figures? } and put the two marker lines
//      `<!-- results:` ID ` -->` and `<!-- /results:` ID ` -->` (no spaces inside) where each table goes in doc
//   4. `node --import tsx scripts/results.ts --write` fills the blocks; paste the printed description
//      sentence into the preset; src-main/results/results.test.ts then keeps both in step with the data.
import type { Experiment, Figures } from './render';

const kSteps = (x: number | null) => (x === null ? '–' : `${(x / 1000).toFixed(1)}k`.replace(/^-/, '−'));

/** Arms of keydoor-shaping whose runs never reached the threshold, as "k of n". */
function neverReached(f: Figures, arm: string, metric: string, threshold: number): string {
  const runs = f.series.filter((s) => s.arm === arm && s.metric === metric);
  const never = runs.filter((s) => !s.values.some((v) => v >= threshold)).length;
  return `${never} of ${runs.length}`;
}

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
      return (
        `Measured on seeds 0-${n - 1} (printed by scripts/results.ts from workspaces/rlhf/results/keydoor-shaping.csv.gz): ` +
        `env steps to a 0.9 success rate, mean over seeds with a 95% percentile-bootstrap interval over ${n} seeds (undercovers at small n), ` +
        `runs that never reach it censored at the budget: ${f.arms.map(arm).join('; ')}. ` +
        `Paired difference from sparse, seed by seed (Student t interval on ${n} pairs): ${others.map(delta).join('; ')}.`
      );
    },
  },
  {
    // prm-hacking's arms at a reduced budget, stopped early (spec: workspaces/rlhf/results/prm-hacking-reduced.spec.json).
    preset: 'prm-hacking-reduced',
    doc: 'workspaces/rlhf/RESULTS.md',
    tables: [
      {
        id: 'prm-hacking-reduced',
        columns: [
          { label: 'steps', metric: 'eval/steps_per_solution', at: 'mean-last:2', digits: 2, pairedVs: ['success-only'] },
          { label: 'accuracy', metric: 'eval/accuracy', at: 'mean-last:2', ci: true, pairedVs: ['success-only', 'prm-first-step-only'] },
          { label: 'repeat fraction', metric: 'eval/repeat_fraction', at: 'mean-last:2' },
        ],
      },
    ],
  },
];
