import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '@creditlab/api';
import { armSummary } from './run';

const run = (arm: string, seed: number, status: string, final: Record<string, number>) => ({ id: `${arm}${seed}`, arm, seed, status, final }) as unknown as RunSummary;

test('the end-of-run table averages each headline metric over an arm’s finished seeds', () => {
  const lines = armSummary(
    [
      run('success-only', 0, 'finished', { 'eval/accuracy': 0.8, 'eval/steps_per_solution': 5 }),
      run('success-only', 1, 'finished', { 'eval/accuracy': 0.7, 'eval/steps_per_solution': 6 }),
      run('pr', 0, 'finished', { 'eval/accuracy': 0.4 }),
      run('pr', 1, 'failed', { 'eval/accuracy': 0.9, 'eval/steps_per_solution': 9 }),
    ],
    ['eval/accuracy', 'eval/steps_per_solution'],
  );
  const row = (arm: string) => lines.find((l) => l.startsWith(arm + ' '))!.trim().split(/\s+/);
  assert.deepEqual(row('success-only'), ['success-only', '2', '0.750', '5.500']);
  assert.deepEqual(row('pr'), ['pr', '1', '0.400', '-']);
  assert.deepEqual(armSummary([], []), []);
});
