// Every preset as an experiment design: it validates and resolves; each arm is a real treatment (it differs
// from the control arm, the first one) that leaves the shared conditions alone (task, SFT model, model,
// evaluation set: the basis of seed-paired comparisons); the description claims only the seeds the preset
// runs. Then the RLHF config errors a user can make, each reported at its JSON path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveExperiment, validateExperiment, SpecValidationError, RlhfRunConfigSchema } from '@creditlab/spec';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../presets');
const presets = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, spec: JSON.parse(readFileSync(join(dir, f), 'utf8')) }));
const resolve = (spec: unknown) => resolveExperiment(spec, { readRewardFile: (p) => ({ filename: p, code: readFileSync(join(dir, p), 'utf8') }) });

/** Leaf paths of a config ("algo.macro.n") with their JSON values. */
function leaves(o: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (o && typeof o === 'object' && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  else out.set(prefix, JSON.stringify(o));
  return out;
}
const differing = (a: Map<string, string>, b: Map<string, string>) => [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));

/**
 * The environment an id names, whichever implementation runs it: `gymnasium:CartPole-v1` (Gymnasium's
 * own, through the bridge) and `CartPole-v1` (the TypeScript port) are the same task, so an arm may swap
 * one for the other (the gym-cartpole preset's treatment); any other change of env.id is a different task.
 */
const sameEnv = (a: string | undefined, b: string | undefined) => (a ?? '').replace(/^"gymnasium:/, '"') === (b ?? '').replace(/^"gymnasium:/, '"');

// What every arm of an experiment shares, per kind: a difference here is a different experiment, not an arm.
const SHARED: Record<string, readonly string[]> = {
  rlhf: ['task', 'sft', 'model', 'evaluation'],
  rl: ['env.id', 'evaluation'],
};

/** Seed lists a description claims: "seeds 0-4", "seeds 0, 1 and 2", "3 seeds", "seed 0". */
function claimedSeedSets(text: string): number[][] {
  const out: number[][] = [];
  for (const m of text.matchAll(/\bseeds? (\d+)\s*[-–]\s*(\d+)\b/g)) out.push(Array.from({ length: +m[2] - +m[1] + 1 }, (_, i) => +m[1] + i));
  for (const m of text.matchAll(/\bseeds? ((?:\d+, )*\d+(?:,? and \d+)?)\b(?!\s*[-–])/g)) out.push(m[1].split(/,? and |, /).map(Number));
  return out;
}
const countClaims = (text: string) => [...text.matchAll(/\b(\d+) seeds\b/g)].map((m) => +m[1]);

test('the seed-claim parser reads the forms descriptions use', () => {
  assert.deepEqual(claimedSeedSets('mean over seeds 0-2 of'), [[0, 1, 2]]);
  assert.deepEqual(claimedSeedSets('final return 500 on seeds 0, 1 and 2.'), [[0, 1, 2]]);
  assert.deepEqual(claimedSeedSets('measured on seed 0'), [[0]]);
  assert.deepEqual(countClaims('80 iterations, 3 seeds)'), [3]);
});

for (const { file, spec } of presets) {
  test(`preset ${file}: validates, resolves, every arm a distinct treatment over shared conditions`, () => {
    const { runs } = resolve(spec);
    const arms = [...new Set(runs.map((r) => r.arm))];
    assert.equal(runs.length, arms.length * spec.seeds.length);
    for (const r of runs) if (r.config.kind === 'rlhf') RlhfRunConfigSchema.parse(r.config);
    const cfg = (arm: string) => leaves(runs.find((r) => r.arm === arm)!.config);
    const control = cfg(arms[0]);
    const kind = String((runs[0].config as { kind: string }).kind);
    for (const arm of arms.slice(1)) {
      const keys = differing(control, cfg(arm));
      assert.ok(keys.length > 0, `${arm} resolves to the same config as the control ${arms[0]}`);
      const other = cfg(arm);
      const shared = keys
        .filter((k) => (SHARED[kind] ?? []).some((s) => k === s || k.startsWith(`${s}.`)))
        .filter((k) => !(k === 'env.id' && sameEnv(control.get(k), other.get(k))));
      assert.deepEqual(shared, [], `${arm} changes conditions every arm must share: ${shared.join(', ')}`);
    }
    for (let i = 0; i < arms.length; i++)
      for (let j = i + 1; j < arms.length; j++) assert.ok(differing(cfg(arms[i]), cfg(arms[j])).length > 0, `${arms[i]} and ${arms[j]} are the same arm`);
  });

  test(`preset ${file}: the description claims only the seeds the preset runs`, () => {
    const text: string = spec.description ?? '';
    for (const s of claimedSeedSets(text)) for (const seed of s) assert.ok(spec.seeds.includes(seed), `description claims seed ${seed}; the preset runs ${JSON.stringify(spec.seeds)}`);
    for (const n of countClaims(text)) assert.equal(n, spec.seeds.length, `description claims ${n} seeds; the preset runs ${spec.seeds.length}`);
  });
}

const prm = presets.find((p) => p.file === 'prm-hacking.json')!.spec;

test('bad RLHF configs fail validation with the JSON path, before training', () => {
  const bad = (arm: Record<string, unknown>) => {
    try {
      validateExperiment({ ...prm, arms: [{ name: 'x', ...arm }] });
    } catch (e) {
      assert.ok(e instanceof SpecValidationError);
      return e.errors.map((x) => `${x.path}: ${x.message}`).join('\n');
    }
    assert.fail('expected a validation error');
  };
  assert.match(bad({ reward: { eta: -0.5 } }), /^arms\[0\]\.reward\.eta: /);
  assert.match(bad({ reward: { type: 'lsc-magic' } }), /^arms\[0\]\.reward\.type: /);
  assert.match(bad({ reward: { placement: 'k+2' } }), /^arms\[0\]\.reward\.placement: /);
  assert.match(bad({ algo: { type: 'rloo', samplesPerPrompt: 1 } }), /^arms\[0\]\.algo\.samplesPerPrompt: /);
  assert.match(bad({ rewardModel: { type: 'mc-prm', labels: 'medium' } }), /^arms\[0\]\.rewardModel\.labels: /);
  assert.match(bad({ kl: { coef: 0.1, estimator: 'k2' } }), /^arms\[0\]\.kl\.estimator: /);
  assert.match(bad({ sft: { restateRate: 0.95 } }), /^arms\[0\]\.sft\.restateRate: /);
  assert.match(bad({ task: { countMax: 12 } }), /^arms\[0\]\.task\.countMax: /);
  assert.match(bad({ unknownKey: 1 }), /unknownKey/);
});

test('RLHF defaults are filled in', () => {
  const c = RlhfRunConfigSchema.parse({ kind: 'rlhf' });
  assert.equal(c.reward.type, 'success');
  assert.equal(c.reward.placement, 'auto');
  assert.equal(c.algo.type, 'rloo');
  assert.equal(c.algo.samplesPerPrompt, 8);
  assert.equal(c.model.hidden, 64);
  assert.equal(c.rewardModel.type, 'oracle');
  assert.equal(c.kl.coef, 0);
});
