import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descriptionParts } from '../src/description';

test('the printed-figures block becomes its own part and the markers disappear', () => {
  const parts = descriptionParts('Setup text. RESULTS (run once): [printed figures] a: 0.5 [0.1, 0.9]. [/printed figures] Reading: no effect.');
  assert.deepEqual(parts, [
    { kind: 'text', text: 'Setup text.' },
    { kind: 'text', text: 'RESULTS (run once):' },
    { kind: 'figures', text: 'a: 0.5 [0.1, 0.9].' },
    { kind: 'text', text: 'Reading: no effect.' },
  ]);
  assert.ok(parts.every((p) => !p.text.includes('printed figures]')));
});

test('section words start paragraphs; lower-case or embedded words do not', () => {
  const parts = descriptionParts('Intro about results. HYPOTHESES, written before running: (1) x. METRICS: accuracy. The METRICSX word stays.');
  assert.deepEqual(
    parts.map((p) => p.text),
    ['Intro about results.', 'HYPOTHESES, written before running: (1) x.', 'METRICS: accuracy. The METRICSX word stays.'],
  );
});

test('a description without a single well-ordered pair of markers keeps them as text', () => {
  for (const d of ['no markers at all', 'b [/printed figures] then [printed figures] a', '[printed figures] x [printed figures] y [/printed figures]']) {
    const parts = descriptionParts(d);
    assert.ok(parts.every((p) => p.kind === 'text'), d);
    assert.equal(parts.map((p) => p.text).join(' '), d);
  }
});
