import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolveExperiment, validateExperiment } from '@creditlab/spec/resolve';
import { SpecValidationError } from '@creditlab/spec/errors';
import { RlhfRunConfigSchema } from '@creditlab/spec/rlhf';

const preset = JSON.parse(readFileSync(new URL('../../../presets/prm-hacking.json', import.meta.url), 'utf8'));

test('the PRM-hacking preset resolves: 5 arms × 5 seeds, each a valid rlhf config', () => {
  const { runs } = resolveExperiment(preset);
  assert.equal(runs.length, 25);
  for (const r of runs) {
    assert.equal(r.config.kind, 'rlhf');
    RlhfRunConfigSchema.parse(r.config);
  }
  const placement = (arm: string) => (runs.find((r) => r.arm === arm)!.config as { reward: { placement: string } }).reward.placement;
  assert.equal(placement('pr-clip-delta'), 'own-step');
});

test('bad configs fail validation with the JSON path, before training', () => {
  const bad = (arm: Record<string, unknown>) => {
    try {
      validateExperiment({ ...preset, arms: [{ name: 'x', ...arm }] });
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

test('defaults are filled in and documented values hold', () => {
  const c = RlhfRunConfigSchema.parse({ kind: 'rlhf' });
  assert.equal(c.reward.type, 'success');
  assert.equal(c.reward.placement, 'auto');
  assert.equal(c.algo.type, 'rloo');
  assert.equal(c.algo.samplesPerPrompt, 8);
  assert.equal(c.model.hidden, 64);
  assert.equal(c.rewardModel.type, 'oracle');
  assert.equal(c.kl.coef, 0);
});
