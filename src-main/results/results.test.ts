// The results script's contract: every table block in the docs and every description figure is what the
// committed raw data prints today; and the table builder itself computes what a hand calculation on a
// small export gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EXPERIMENTS } from './experiments';
import { FIGURES_BEGIN, FIGURES_END, blockOf, descriptionBlock, figuresFor, loadExportGz, markerIds, parseExportCsv, renderTable, replaceBlock, replaceDescriptionBlock, type Experiment } from './render';

const root = new URL('../..', import.meta.url).pathname;

for (const exp of EXPERIMENTS) {
  test(`results: ${exp.preset} tables and description figures are printed from its committed data`, async () => {
    const data = join(root, 'workspaces/rlhf/results', `${exp.preset}.csv.gz`);
    assert.ok(existsSync(data), `missing ${data}`);
    const f = await figuresFor(exp, loadExportGz(data));
    assert.ok(exp.tables.length === 0 || exp.doc, `${exp.preset} has tables but no doc`);
    const md = exp.doc ? readFileSync(join(root, exp.doc), 'utf8') : '';
    for (const t of exp.tables) {
      const block = blockOf(md, t.id);
      assert.notEqual(block, null, `${exp.doc} has no block ${t.id}`);
      assert.equal(block, renderTable(exp, t, f), `${exp.doc} block ${t.id} is stale: run node --import tsx scripts/results.ts --write`);
    }
    for (const b of exp.ownBlocks?.() ?? []) {
      const doc = readFileSync(join(root, b.doc), 'utf8');
      const [a, e] = [doc.indexOf(b.begin), doc.indexOf(b.end)];
      assert.ok(a >= 0 && e > a, `${b.doc} has no ${exp.preset} block`);
      assert.equal(doc.slice(a + b.begin.length, e).trim(), b.body, `${b.doc}: the ${exp.preset} block is stale`);
    }
    if (exp.description) {
      const preset = JSON.parse(readFileSync(join(root, 'presets', `${exp.preset}.json`), 'utf8'));
      assert.equal(descriptionBlock(String(preset.description)), exp.description(f), `presets/${exp.preset}.json: the text between its figure markers is stale (scripts/results.ts --write)`);
    }
  });
}

test('results: every marked block in the docs belongs to an experiment entry (no orphaned, hand-edited tables)', () => {
  const docs = new Set(['workspaces/rlhf/RESULTS.md', ...EXPERIMENTS.flatMap((e) => (e.doc ? [e.doc] : []))]);
  const known = new Set(EXPERIMENTS.flatMap((e) => e.tables.map((t) => t.id)));
  for (const doc of docs) for (const id of markerIds(readFileSync(join(root, doc), 'utf8'))) assert.ok(known.has(id), `${doc}: block ${id} has no entry in src-main/results/experiments.ts`);
});

test('results: a description figure block is the whole text between one pair of markers', () => {
  const d = `Hypothesis. ${FIGURES_BEGIN} a 0.5 [0.4, 0.6]. ${FIGURES_END} Verdict.`;
  assert.equal(descriptionBlock(d), 'a 0.5 [0.4, 0.6].');
  // A hand-written figure added inside the block makes it differ from the printed sentence.
  assert.notEqual(descriptionBlock(d.replace('0.6].', '0.6]. b 0.7.')), 'a 0.5 [0.4, 0.6].');
  assert.equal(descriptionBlock('a 0.5 [0.4, 0.6].'), null, 'no markers');
  assert.equal(descriptionBlock(`${d} ${FIGURES_BEGIN} x ${FIGURES_END}`), null, 'two blocks');
  assert.equal(descriptionBlock(`${FIGURES_END} x ${FIGURES_BEGIN}`), null, 'out of order');
  assert.equal(replaceDescriptionBlock(d, 'a 0.6.'), `Hypothesis. ${FIGURES_BEGIN} a 0.6. ${FIGURES_END} Verdict.`);
  assert.throws(() => replaceDescriptionBlock('no block', 'x'));
});

// Two arms × three seeds, plus a seed only arm b ran; every number below is worked out by hand.
const CSV = [
  'experiment,arm,seed,run,step,metric,value',
  // arm a: last accuracy 0.5, 0.6, 0.7 (seeds 0, 1, 2)
  'x,a,0,r1,1,acc,0.1', 'x,a,0,r1,2,acc,0.5',
  'x,a,1,r2,1,acc,0.2', 'x,a,1,r2,2,acc,0.6',
  'x,a,2,r3,1,acc,0.3', 'x,a,2,r3,2,acc,0.7',
  // arm b: last accuracy 0.6, 0.8, 0.7 and seed 3 (unmatched)
  'x,b,0,r4,1,acc,0.2', 'x,b,0,r4,2,acc,0.6',
  'x,b,1,r5,1,acc,0.2', 'x,b,1,r5,2,acc,0.8',
  'x,b,2,r6,1,acc,0.2', 'x,b,2,r6,2,acc,0.7',
  'x,b,3,r7,1,acc,0.9', 'x,b,3,r7,2,acc,0.9',
].join('\n');

test('results: the table builder on a hand-checked export (means, paired differences with a t interval)', async () => {
  const series = parseExportCsv(CSV);
  assert.equal(series.length, 7);
  const exp: Experiment = { preset: 'x', doc: 'none.md', tables: [{ id: 'x', columns: [{ label: 'accuracy', metric: 'acc', at: 'last', ci: true, pairedVs: ['a'] }] }] };
  const f = await figuresFor(exp, series);
  const acc = f.get('acc', 'last');
  // a: (0.5 + 0.6 + 0.7)/3 = 0.6; b: (0.6 + 0.8 + 0.7 + 0.9)/4 = 0.75.
  assert.ok(Math.abs(acc.get('a')!.estimate! - 0.6) < 1e-12);
  assert.ok(Math.abs(acc.get('b')!.estimate! - 0.75) < 1e-12);
  // b − a on seeds 0-2: 0.1, 0.2, 0.0 → mean 0.1, sd 0.1, half-width t(0.975; 2)·0.1/√3 = 0.2484138...
  const d = f.get('acc', 'last', 'mean', 'a').get('b')!.differences.get('a')!;
  assert.equal(d.n, 3);
  assert.ok(Math.abs(d.estimate! - 0.1) < 1e-12);
  const h = (4.302652729749462 * 0.1) / Math.sqrt(3);
  assert.ok(Math.abs(d.ci[0]! - (0.1 - h)) < 1e-9 && Math.abs(d.ci[1]! - (0.1 + h)) < 1e-9);
  const md = renderTable(exp, exp.tables[0], f);
  const lines = md.split('\n');
  assert.equal(lines[0], '| arm | seeds | accuracy | Δ accuracy vs a |');
  assert.match(lines[2], /^\| a \| 3 \| 0\.600 \[[0-9.]+, [0-9.]+\] \|  \|$/);
  assert.match(lines[3], /^\| b \| 4 \| 0\.750 \[[0-9.]+, [0-9.]+\] \| 0\.100 \[−0\.148, 0\.348\] \(3\) \|$/);
  assert.match(md, /percentile bootstrap .*undercovers at small n/);
  assert.match(md, /Student t interval on the mean/);
});

test('results: blocks are found and replaced between their markers only; gzipped exports round-trip', () => {
  const md = 'intro\n<!-- results:t1 -->\nold\n<!-- /results:t1 -->\nafter\n';
  assert.equal(blockOf(md, 't1'), 'old');
  assert.equal(blockOf(md, 't2'), null);
  const next = replaceBlock(md, 't1', '| new |');
  assert.equal(next, 'intro\n<!-- results:t1 -->\n| new |\n<!-- /results:t1 -->\nafter\n');
  assert.deepEqual(markerIds(next), ['t1']);
  assert.throws(() => replaceBlock(md, 't2', 'x'), /no <!-- results:t2 -->/);
  const file = join(mkdtempSync(join(tmpdir(), 'creditlab-results-')), 'x.csv.gz');
  writeFileSync(file, gzipSync(CSV));
  assert.deepEqual(loadExportGz(file), parseExportCsv(CSV));
  assert.throws(() => parseExportCsv('a,b\n1,2'), /not a creditlab export CSV/);
});

// The headline comparison recomputed without the stats package: per run the mean of its last two
// evaluations read straight from the committed CSV, per seed the difference from success-only, then a
// Student t interval with t(0.975; 4) = 2.7764451051977934 (scipy.stats.t.ppf). A pairing by anything but
// the seed (the CSV lists arms one after another, and seeds need not come in order) would change the interval.
test('results: prm-hacking paired differences equal an independent per-seed computation on the raw CSV', async () => {
  const data = join(root, 'workspaces/rlhf/results/prm-hacking.csv.gz');
  const exp = EXPERIMENTS.find((e) => e.preset === 'prm-hacking')!;
  const series = loadExportGz(data);
  const f = await figuresFor(exp, series);
  const lastTwo = (arm: string, metric: string) => {
    const bySeed = new Map<number, number>();
    for (const s of series.filter((x) => x.arm === arm && x.metric === metric)) {
      const order = s.steps.map((_, i) => i).sort((i, j) => s.steps[i] - s.steps[j]);
      const v = order.slice(-2).map((i) => s.values[i]);
      bySeed.set(s.seed, (v[0] + v[1]) / 2);
    }
    return bySeed;
  };
  let checked = 0;
  for (const metric of ['eval/accuracy', 'eval/steps_per_solution'])
    for (const vs of ['success-only', 'prm-first-step-only']) {
      const ref = lastTwo(vs, metric);
      for (const arm of f.arms.filter((a) => a !== vs)) {
        const mine = lastTwo(arm, metric);
        const d = [...mine.keys()].filter((s) => ref.has(s)).map((s) => mine.get(s)! - ref.get(s)!);
        assert.equal(d.length, 5, `${arm} − ${vs}: 5 seed pairs`);
        const m = d.reduce((a, b) => a + b, 0) / d.length;
        const h = (2.7764451051977934 * Math.sqrt(d.reduce((a, x) => a + (x - m) ** 2, 0) / 4)) / Math.sqrt(5);
        const got = f.get(metric, 'mean-last:2', 'mean', vs).get(arm)!.differences.get(vs)!;
        assert.equal(got.n, 5);
        assert.ok(Math.abs(got.estimate! - m) < 1e-12, `${metric} ${arm} − ${vs}: ${got.estimate} vs ${m}`);
        assert.ok(Math.abs(got.ci[0]! - (m - h)) < 1e-9 && Math.abs(got.ci[1]! - (m + h)) < 1e-9, `${metric} ${arm} − ${vs}: [${got.ci}] vs [${m - h}, ${m + h}]`);
        checked++;
      }
    }
  assert.equal(checked, 16);
});

// A preset's measured figures live only inside its printed block: a hand-written "Measured …" sentence or an
// interval outside it has no script (and maybe no data) behind it. gym-cartpole is the one named exception
// (README): it quotes the committed output of `creditlab compare` in presets/results/, its raw data not kept.
test('results: no preset quotes a measured figure or an interval outside its printed block', () => {
  const presets = readdirSync(join(root, 'presets')).filter((f) => f.endsWith('.json'));
  assert.ok(presets.length > 5);
  for (const file of presets) {
    if (file === 'gym-cartpole.json') continue;
    const d = String(JSON.parse(readFileSync(join(root, 'presets', file), 'utf8')).description ?? '');
    const a = d.indexOf(FIGURES_BEGIN);
    const b = d.indexOf(FIGURES_END);
    const outside = a >= 0 && b > a ? d.slice(0, a) + d.slice(b + FIGURES_END.length) : d;
    assert.doesNotMatch(outside, /\bMeasured\b/, `presets/${file}: a "Measured" sentence outside [printed figures]`);
    assert.doesNotMatch(outside, /\d[\d.]*k? \[[−-]?\d[\d.]*k?, [−+-]?\d/, `presets/${file}: an interval outside [printed figures]`);
    if (a >= 0) assert.ok(EXPERIMENTS.some((e) => `${e.preset}.json` === file), `presets/${file} has a figure block but no entry in experiments.ts`);
  }
});
