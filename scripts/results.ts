// Prints every results table and description figure from the committed raw data (src-main/results).
//   node --import tsx scripts/results.ts           print them
//   node --import tsx scripts/results.ts --write   rewrite the marked blocks of the markdown files
//   node --import tsx scripts/results.ts --check   exit 1 when a block or a description is out of date
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPERIMENTS } from '../src-main/results/experiments';
import { blockOf, figuresFor, loadExportGz, renderTable, replaceBlock } from '../src-main/results/render';

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
  if (exp.description) {
    const sentence = exp.description(f);
    const preset = JSON.parse(readFileSync(join(root, 'presets', `${exp.preset}.json`), 'utf8'));
    const ok = String(preset.description ?? '').includes(sentence);
    if (mode === 'print' || !ok) console.log(`\n${exp.preset} description figures:\n${sentence}`);
    if (!ok && mode !== 'print') (console.error(`presets/${exp.preset}.json: the description does not contain the sentence above`), stale++);
  }
}
if (stale > 0) process.exit(1);
