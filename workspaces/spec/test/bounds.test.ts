// Hostile or mistyped sizes get a clear error with their JSON path instead of a run that allocates
// without end; names that end up in file names and terminals are plain text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashValue, stableStringify } from '@creditlab/common';
import { resolveExperiment, SpecValidationError, MAX_SPEC_DEPTH } from '../src/index';

const spec = (over: Record<string, unknown> = {}, base: Record<string, unknown> = {}) => ({
  version: 1,
  name: 'exp',
  seeds: [0],
  budget: { steps: 1000 },
  base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' }, ...base },
  arms: [{ name: 'a' }],
  ...over,
});

function errorsOf(input: unknown): string[] {
  try {
    resolveExperiment(input);
  } catch (e) {
    assert.ok(e instanceof SpecValidationError, String(e));
    return e.errors.map((x) => `${x.path}: ${x.message}`);
  }
  assert.fail('expected a validation error');
}

const seeds = (n: number) => Array.from({ length: n }, (_, i) => i);

test('seeds: at most 1,000 unless the spec raises its declared limit', () => {
  assert.equal(resolveExperiment(spec({ seeds: seeds(1000) })).runs.length, 1000);
  assert.deepEqual(errorsOf(spec({ seeds: seeds(10_000) })), [
    'seeds: 10000 seeds is more than limits.maxSeeds (1000); raise "limits": {"maxSeeds": N} in the spec if you mean it',
  ]);
  assert.equal(resolveExperiment(spec({ seeds: seeds(1500), limits: { maxSeeds: 2000 } })).runs.length, 1500);
  assert.match(errorsOf(spec({ limits: { maxSeeds: 1e9 } }))[0], /^limits\.maxSeeds: expected a number <= 100000/);
});

test('sizes and budgets have upper bounds, named by JSON path', () => {
  assert.match(errorsOf(spec({}, { algo: { name: 'ppo', numEnvs: 1e8 } }))[0], /^base\.algo\.numEnvs: expected a number <= 4096, got 100000000/);
  assert.match(errorsOf(spec({}, { algo: { name: 'ppo', hiddenSizes: [1e8] } }))[0], /^base\.algo\.hiddenSizes\[0\]: expected a number <= 4096/);
  assert.match(errorsOf(spec({}, { algo: { name: 'dqn', hiddenSizes: new Array(100).fill(8) } }))[0], /^base\.algo\.hiddenSizes: expected at most 16 item/);
  assert.match(errorsOf(spec({}, { algo: { name: 'dqn', bufferSize: 1e12 } }))[0], /^base\.algo\.bufferSize: expected a number <= /);
  assert.match(errorsOf(spec({}, { algo: { name: 'a2c', numSteps: 1e9 } }))[0], /^base\.algo\.numSteps: expected a number <= /);
  assert.match(errorsOf(spec({ budget: { steps: 1e15 } }))[0], /^budget\.steps: expected a number <= 1000000000/);
  assert.match(errorsOf(spec({ budget: { steps: 1000, timeLimitSeconds: 1e12 } }))[0], /^budget\.timeLimitSeconds: expected a number <= /);
  assert.match(errorsOf(spec({ arms: Array.from({ length: 2000 }, (_, i) => ({ name: `a${i}` })) }))[0], /^arms: expected at most 1000 item/);
  // Inline reward code is copied into every run's folder: 20 MB of it × 1,000 seeds would be 40 GB written.
  const rewardArm = (reward: Record<string, unknown>) => ({ arms: [{ name: 'a', reward }] });
  assert.match(errorsOf(spec(rewardArm({ code: 'x'.repeat(1024 * 1024 + 1) })))[0], /^arms\[0\]\.reward\.code: /);
  assert.match(errorsOf(spec(rewardArm({ code: 'export default () => 1', timeoutMs: 1e15 })))[0], /^arms\[0\]\.reward\.timeoutMs: expected a number <= 60000/);
  assert.equal(resolveExperiment(spec(rewardArm({ code: '// ' + 'x'.repeat(500_000) + '\nexport default () => 1', timeoutMs: 60_000 }))).runs.length, 1);
  // The defaults and the presets' sizes stay valid.
  assert.equal(resolveExperiment(spec({}, { algo: { name: 'ppo', numEnvs: 64, hiddenSizes: [256, 256] } })).runs.length, 1);
});

test('experiment names: no control characters, path separators or ".."', () => {
  for (const name of ['bad\u001b[31mred', 'tab\there', 'a/b', 'a\\b', '..', '../../etc', 'x..y', 'nul\u0000', 'del\u007f', 'c1\u0085']) {
    const errs = errorsOf(spec({ name }));
    assert.ok(errs.length >= 1 && errs.every((e) => e.startsWith('name: ')), name);
    assert.doesNotMatch(errs.join('\n'), /[\u0000-\u0009\u000b-\u001f]/, 'the errors carry no control character');
  }
  assert.match(errorsOf(spec({ name: 'x'.repeat(300) }))[0], /^name: /);
  for (const name of ['cartpole-ppo', 'KeyDoor shaping (v2)', 'prm_hacking.1', 'é-ünïcode']) assert.equal(resolveExperiment(spec({ name })).spec.name, name);
  assert.match(errorsOf(spec({ tags: ['ok', 'bad\u001b'] }))[0], /^tags\[1\]: /);
});

test('deep nesting is refused with its path, not a stack overflow', () => {
  let deep: unknown = 0;
  for (let i = 0; i < 5000; i++) deep = { a: deep };
  const errs = errorsOf(spec({}, { env: { id: 'CartPole-v1', params: deep } }));
  assert.equal(errs.length, 1);
  assert.match(errs[0], new RegExp(`^base\\.env\\.params(\\.a)+: nested deeper than ${MAX_SPEC_DEPTH} levels`));
  let arr: unknown = 0;
  for (let i = 0; i < 5000; i++) arr = [arr];
  assert.match(errorsOf(spec({ arms: [{ name: 'a', x: arr }] }))[0], /^arms\[0\]\.x(\[0\])+: nested deeper than/);
  // Ordinary specs are nowhere near the limit.
  assert.ok(MAX_SPEC_DEPTH >= 32);
});

test('stableStringify: same output as before for ordinary values, a clear error for absurd depth', () => {
  assert.equal(stableStringify({ b: [1, { d: undefined, c: 'x' }], a: null, f: () => 1 }), '{"a":null,"b":[1,{"c":"x"}],"f":null}');
  assert.equal(stableStringify([undefined, 1]), '[null,1]');
  assert.equal(hashValue({ x: 1, y: [2, 3] }), hashValue({ y: [2, 3], x: 1 }));
  let deep: unknown = 0;
  for (let i = 0; i < 100_000; i++) deep = { a: [deep] };
  assert.throws(() => stableStringify(deep), (e: Error) => !(e instanceof RangeError && /call stack/.test(e.message)) && /nested deeper than/.test(e.message));
});
