// Prints the markdown table bench/README.md quotes for one `npm run bench -- --json` invocation, from
// its committed JSON lines: `node --import tsx bench/table.ts bench/results/<file>.jsonl`.
import { readFileSync } from 'node:fs';

interface Line {
  name: string;
  ours: number;
  reference: number | null;
  ratio: number | null;
  unit: string;
  note: string;
  compute?: string;
  load?: number[];
}

/** The issues' goals, checked against the figure each names. */
const GOALS: Record<string, { text: string; met: (l: Line) => boolean | null }> = {
  'rl-ppo-cartpole': { text: 'ratio ≥ 2.5', met: (l) => l.ratio !== null && l.ratio >= 2.5 },
  'gym-bridge-cartpole': { text: 'ratio ≥ 1 and native/bridged wall time ≤ 2', met: (l) => (l.ratio !== null && wall(l) !== null ? l.ratio >= 1 && wall(l)! <= 2 : null) },
  'reward-sandbox': { text: 'ratio ≥ 0.9', met: (l) => l.ratio !== null && l.ratio >= 0.9 },
  'worker-startup': { text: 'ratio ≥ 0.8', met: (l) => l.ratio !== null && l.ratio >= 0.8 },
  scaling: { text: 'ratio ≥ 1.7', met: (l) => l.ratio !== null && l.ratio >= 1.7 },
  store: { text: 'ratio ≥ 0.8', met: (l) => l.ratio !== null && l.ratio >= 0.8 },
  'ui-plot': { text: 'longest main-thread block < 50 ms', met: (l) => l.ours < 50 },
  'import-tb': { text: '5 M points in < 10 s', met: (l) => (seconds(l) === null ? null : seconds(l)! < 10) },
  'rlhf-ppo-tiny-lm': { text: 'ratio ≥ 1.5', met: (l) => l.ratio !== null && l.ratio >= 1.5 },
};

function wall(l: Line): number | null {
  const m = /wall-time ratio ([\d.]+)/.exec(l.note);
  return m ? Number(m[1]) : null;
}
function seconds(l: Line): number | null {
  const m = /ours ([\d.]+) s/.exec(l.note);
  return m ? Number(m[1]) : null;
}

const fmt = (x: number | null, digits = 0) => (x === null ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

const file = process.argv[2];
if (!file) throw new Error('usage: bench/table.ts <results.jsonl>');
const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter((s) => s.trim().startsWith('{'))
  .map((s) => JSON.parse(s) as Line);
console.log('| benchmark | ours | reference | ratio | unit | load (1 min) at its end | goal |');
console.log('|---|---|---|---|---|---|---|');
for (const l of lines) {
  const g = GOALS[l.name];
  const met = g?.met(l);
  const extra = l.name === 'gym-bridge-cartpole' ? `; wall time ratio ${fmt(wall(l), 2)}` : l.name === 'import-tb' ? `; ${fmt(seconds(l), 1)} s` : '';
  const goal = g ? `${g.text}${extra} ${met === null ? '?' : met ? '✓' : '✗'}` : '';
  const small = l.unit === 's' || l.unit === 'ms';
  console.log(`| ${l.name} | ${fmt(l.ours, small ? 2 : 0)} | ${fmt(l.reference, small ? 2 : 0)} | ${l.ratio === null ? '—' : `**${fmt(l.ratio, 2)}**`} | ${l.unit} | ${l.load ? fmt(l.load[0], 2) : '—'} | ${goal} |`);
}
