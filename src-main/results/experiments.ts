// The headline experiments whose tables (in the markdown files below) and description figures are
// printed from committed raw data. Adding an experiment is one entry here:
//   1. run the preset: `creditlab run presets/P.json --workspace W`
//   2. commit its raw data: `creditlab export P --workspace W --format csv --out P.csv` then
//      `gzip -9n < P.csv > workspaces/rlhf/results/P.csv.gz`
//   3. add an entry { preset: 'P', doc, tables, description?, figures? } and put the two marker lines
//      `<!-- results:` ID ` -->` and `<!-- /results:` ID ` -->` (no spaces inside) where each table goes in doc
//   4. `node --import tsx scripts/results.ts --write` fills the blocks; paste the printed description
//      sentence into the preset; src-main/results/results.test.ts then keeps both in step with the data.
import type { Experiment } from './render';

export const EXPERIMENTS: Experiment[] = [];
