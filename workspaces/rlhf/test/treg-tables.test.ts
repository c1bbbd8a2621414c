import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TREG_CSV, readExport, tregDescription, tregTables } from '../scripts/treg-tables';

test('RESULTS.md treg-dpo tables are what the script prints from the committed export', () => {
  const md = readFileSync(new URL('../RESULTS.md', import.meta.url), 'utf8');
  const begin = '<!-- treg-tables:begin (printed by workspaces/rlhf/scripts/treg-tables.ts; do not edit) -->';
  const end = '<!-- treg-tables:end -->';
  assert.ok(md.includes(begin) && md.includes(end), 'RESULTS.md has the treg-dpo table markers');
  const committed = md.slice(md.indexOf(begin) + begin.length, md.indexOf(end)).trim();
  assert.equal(committed, tregTables(readExport(readFileSync(TREG_CSV))).trim());
});

test('presets/treg-dpo.json quotes the description figures the script prints from the committed export', () => {
  const preset = JSON.parse(readFileSync(new URL('../../../presets/treg-dpo.json', import.meta.url), 'utf8'));
  const sentence = tregDescription(readExport(readFileSync(TREG_CSV)));
  assert.ok(String(preset.description).includes(sentence), `the description does not contain: ${sentence}`);
});
