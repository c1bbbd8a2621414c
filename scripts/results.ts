// Prints every results table and description figure from the committed raw data (src-main/results).
//   node --import tsx scripts/results.ts           print them
//   node --import tsx scripts/results.ts --write   rewrite the marked blocks of the markdown files
//   node --import tsx scripts/results.ts --check   exit 1 when a block or a description's figure block is out of date
// (--write also rewrites the text between a description's figure markers; it never adds the markers)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPERIMENTS } from '../src-main/results/experiments';
import { FIGURES_BEGIN, FIGURES_END, blockOf, descriptionBlock, figuresFor, loadExportGz, renderTable, replaceBlock, replaceDescriptionBlock } from '../src-main/results/render';

const root = new URL('..', import.meta.url).pathname;
const mode = process.argv[2] ?? 'print';
if (!['print', '--write', '--check'].includes(mode)) {
  console.error('usage: node --import tsx scripts/results.ts [--write|--check]');
  process.exit(2);
}
let stale = 0;
for (const exp of EXPERIMENTS) {
  const data = join(root, 'workspaces/rlhf/results', `${exp.preset}.csv.gz`);
  if (!existsSync(data)) {
    console.error(`${exp.preset}: no data at ${data}`);
    stale++;
    continue;
  }
  const f = await figuresFor(exp, loadExportGz(data));
  const docPath = exp.doc ? join(root, exp.doc) : null;
  let md = docPath ? readFileSync(docPath, 'utf8') : '';
  for (const t of exp.tables) {
    const body = renderTable(exp, t, f);
    if (mode === 'print') console.log(`\n## ${exp.preset}: ${t.id}\n\n${body}`);
    else if (blockOf(md, t.id) !== body) {
      if (mode === '--write') md = replaceBlock(md, t.id, body);
      else (console.error(`${exp.doc ?? exp.preset}: block ${t.id} differs from the data`), stale++);
    }
  }
  if (mode === '--write' && docPath) writeFileSync(docPath, md);
  for (const b of exp.ownBlocks?.() ?? []) {
    const doc = readFileSync(join(root, b.doc), 'utf8');
    const [a, e] = [doc.indexOf(b.begin), doc.indexOf(b.end)];
    const ok = a >= 0 && e > a && doc.slice(a + b.begin.length, e).trim() === b.body;
    if (mode === 'print') console.log(`\n## ${exp.preset}\n\n${b.body}`);
    else if (!ok) (console.error(`${b.doc}: the ${exp.preset} block differs from the data (its own script prints it)`), stale++);
  }
  if (exp.description) {
    const sentence = exp.description(f);
    const presetPath = join(root, 'presets', `${exp.preset}.json`);
    const raw = readFileSync(presetPath, 'utf8');
    const preset = JSON.parse(raw);
    const block = descriptionBlock(String(preset.description ?? ''));
    const ok = block === sentence;
    if (mode === 'print' || !ok) console.log(`\n${exp.preset} description figures:\n${sentence}`);
    if (!ok && mode === '--write' && block !== null) {
      // Only the description's string changes: the rest of the file keeps its hand-made layout.
      const was = JSON.stringify(preset.description);
      preset.description = replaceDescriptionBlock(preset.description, sentence);
      writeFileSync(presetPath, raw.includes(was) ? raw.replace(was, () => JSON.stringify(preset.description)) : JSON.stringify(preset, null, 2) + '\n');
    } else if (!ok && mode !== 'print')
      (console.error(`presets/${exp.preset}.json: ${block === null ? `the description needs one ${FIGURES_BEGIN} … ${FIGURES_END} block` : 'the text between the figure markers is not the sentence above'}`), stale++);
  }
}
if (stale > 0) process.exit(1);
