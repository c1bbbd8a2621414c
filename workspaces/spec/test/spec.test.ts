import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySet, deepMerge, experimentJsonSchema, fieldIssues, resolveCompute, resolveExperiment, RunConfigSchema, SpecValidationError, validateExperiment } from '../src/index';

const base = {
  version: 1,
  name: 'exp',
  seeds: [0, 1, 2],
  budget: { steps: 1000 },
  base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
  arms: [{ name: 'a' }, { name: 'b', algo: { learningRate: 1e-3 } }],
};

function errorsOf(input: unknown): string[] {
  try {
    resolveExperiment(input);
  } catch (e) {
    assert.ok(e instanceof SpecValidationError, String(e));
    return e.errors.map((x) => `${x.path}: ${x.message}`);
  }
  assert.fail('expected a validation error');
}

test('a valid spec expands to arms × seeds, arm-major, with defaults filled', () => {
  const { runs } = resolveExperiment(base);
  assert.equal(runs.length, 6);
  assert.deepEqual(runs.map((r) => `${r.arm}/${r.seed}`), ['a/0', 'a/1', 'a/2', 'b/0', 'b/1', 'b/2']);
  const cfgA = runs[0].config, cfgB = runs[3].config;
  assert.equal(cfgA.kind, 'rl');
  if (cfgA.kind !== 'rl' || cfgB.kind !== 'rl') return;
  assert.equal(cfgA.algo.learningRate, 2.5e-4);
  assert.equal(cfgB.algo.learningRate, 1e-3);
  assert.equal(cfgB.algo.numEnvs, 4, 'deep merge keeps base fields next to the override');
  assert.equal(new Set(runs.map((r) => r.hash)).size, 6, 'every run has its own hash');
  assert.equal(resolveExperiment(base).runs[4].hash, runs[4].hash, 'hashes are stable');
});

test('errors name the JSON path and the expectation', () => {
  assert.deepEqual(errorsOf({ ...base, arms: [{ name: 'a' }, { name: 'b', algo: { learningRate: 'x' } }] }), ['arms[1].algo.learningRate: expected a number, got "x"']);
  assert.deepEqual(errorsOf({ ...base, seeds: [] }), ['seeds: expected at least 1 item(s)']);
  assert.deepEqual(errorsOf({ ...base, budget: { steps: -5 } }), ['budget.steps: expected a number > 0, got -5']);
  assert.deepEqual(errorsOf({ ...base, base: { ...base.base, algo: { name: 'ppo', clipCoef: 0.2, bogus: 1 } } }), ['base.algo.bogus: unknown field']);
  assert.deepEqual(errorsOf({ ...base, base: { env: { id: 'CartPole-v1' }, algo: { name: 'nope' } } }), ['base.algo.name: unknown value "nope"']);
  assert.deepEqual(errorsOf({ ...base, arms: [{ name: 'a' }, { name: 'a' }] }), ['arms[1].name: duplicate arm name "a"']);
  assert.deepEqual(errorsOf({ ...base, version: 7 }), ['version: unsupported spec version 7; this Creditlab reads version 1']);
  assert.deepEqual(errorsOf({ ...base, arms: [{ name: 'x', reward: { code: 'export default () => 1', timeoutMs: 'soon' } }] }), ['arms[0].reward.timeoutMs: expected a number, got "soon"']);
});

test('an error in base is reported once, not once per arm', () => {
  const errs = errorsOf({ ...base, base: { env: { id: 'CartPole-v1' }, algo: { name: 'ppo', gamma: 2 } } });
  assert.deepEqual(errs, ['base.algo.gamma: expected a number <= 1, got 2']);
});

test('deepMerge: objects merge, arrays replace, null deletes', () => {
  assert.deepEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null }), { a: { b: 1, c: [3] } });
});

test('--set refuses paths through __proto__, constructor or prototype (they reached Object.prototype)', () => {
  for (const key of ['__proto__.polluted', 'arms[0].__proto__.polluted', 'constructor.prototype.polluted', 'base.prototype']) {
    assert.throws(() => applySet(base, `${key}=1`), (e: unknown) => e instanceof SpecValidationError && /is not a spec field/.test(e.message), key);
  }
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});

test('--set takes a dotted path and a JSON value', () => {
  let s = applySet(base, 'seeds=[0,1]');
  s = applySet(s, 'budget.steps=20000');
  s = applySet(s, 'arms[1].algo.learningRate=0.01');
  s = applySet(s, 'name=plain string');
  const v = validateExperiment(s);
  assert.deepEqual(v.spec.seeds, [0, 1]);
  assert.equal(v.spec.budget.steps, 20000);
  assert.equal(v.spec.name, 'plain string');
  const b = v.armConfigs[1].config;
  assert.ok(b.kind === 'rl' && b.algo.learningRate === 0.01);
  assert.throws(() => applySet(base, 'novalue'), /key\.path=value/);
});

test('a reward file is inlined into the resolved run', () => {
  const spec = { ...base, arms: [{ name: 'r', reward: { file: 'my.reward.ts' } }] };
  const { runs } = resolveExperiment(spec, { readRewardFile: (p) => ({ filename: p, code: 'export default () => 0' }) });
  const c = runs[0].config;
  assert.ok(c.kind === 'rl' && c.reward?.source?.code === 'export default () => 0');
  const errs = (() => {
    try {
      resolveExperiment(spec, { readRewardFile: () => { throw new Error('ENOENT'); } });
    } catch (e) {
      return (e as SpecValidationError).errors;
    }
  })();
  assert.equal(errs?.[0].path, 'arms[0].reward.file');
});

test('the JSON Schema export describes the spec', () => {
  const s = experimentJsonSchema() as { properties: Record<string, unknown>; required: string[] };
  assert.ok(s.properties.arms && s.properties.seeds && s.properties.budget);
  assert.ok(s.required.includes('version'));
});

test('gymnasium: env fields are accepted for gymnasium ids and rejected, by name, for built-in ones', () => {
  const gym = { ...base, base: { env: { id: 'gymnasium:CartPole-v1', python: '/usr/bin/python3', vector: 'async', wrappers: [{ name: 'gymnasium.wrappers.ClipReward', kwargs: { min_reward: 0 } }] }, algo: { name: 'ppo' } } };
  const { runs } = resolveExperiment(gym);
  assert.equal(runs[0].config.kind === 'rl' && runs[0].config.env.vector, 'async');
  const errs = errorsOf({ ...base, base: { env: { id: 'CartPole-v1', python: 'python3' }, algo: { name: 'ppo' } } });
  assert.deepEqual(errs, ['base.env.python: only for "gymnasium:" envs, not "CartPole-v1"']);
  assert.match(errorsOf({ ...base, base: { env: { id: 'gymnasium:' }, algo: { name: 'ppo' } } })[0], /^base\.env\.id: expected "gymnasium:<ID>"/);
  assert.match(errorsOf({ ...base, base: { env: { id: 'gymnasium:X-v0', wrappers: [{ name: 'NoModule' }] }, algo: { name: 'ppo' } } })[0], /wrappers\[0\]\.name/);
});

test('subgoal shaping on an env without subgoal events fails at validation, naming the entry', () => {
  const spec = (env: Record<string, unknown>, shaping: unknown[], arms: unknown[] = [{ name: 'a' }]) => ({
    ...base,
    base: { env, algo: { name: 'ppo' }, reward: { shaping } },
    arms,
  });
  assert.deepEqual(errorsOf(spec({ id: 'gymnasium:CartPole-v1' }, [{ type: 'subgoal' }])), [
    'base.reward.shaping[0].type: "subgoal" shaping counts subgoal events (info.events), and env "gymnasium:CartPole-v1" emits none',
  ]);
  assert.match(errorsOf(spec({ id: 'CartPole-v1' }, [{ type: 'count' }, { type: 'subgoal-potential' }]))[0], /^base\.reward\.shaping\[1\]\.type: .*"CartPole-v1" emits none/);
  assert.deepEqual(errorsOf(spec({ id: 'KeyDoor' }, [{ type: 'subgoal', subgoals: ['key_picked', 'door_kicked'] }])), [
    'base.reward.shaping[0].subgoals: env "KeyDoor" never emits "door_kicked"; its events: key_picked, door_opened, goal_reached',
  ]);
  // An arm that moves to an env without events is the arm's error.
  assert.deepEqual(errorsOf(spec({ id: 'KeyDoor' }, [{ type: 'subgoal' }], [{ name: 'a' }, { name: 'gym', env: { id: 'gymnasium:MountainCar-v0' } }])).map((e) => e.split(':')[0]), [
    'arms[1].reward.shaping[0].type',
  ]);
  resolveExperiment(spec({ id: 'KeyDoor' }, [{ type: 'subgoal', subgoals: ['key_picked'] }]));
});

test('a built-in potential reading a field the env does not provide fails at validation, naming the field, the entry and the env', () => {
  const spec = (env: Record<string, unknown>, terms: unknown[]) => ({
    ...base,
    base: { env, algo: { name: 'ppo' }, reward: { shaping: [{ type: 'count' }, { type: 'potential', name: 'phi', terms }] } },
  });
  assert.deepEqual(errorsOf(spec({ id: 'CartPole-v1' }, [{ field: 'obs[3]' }, { field: 'distance' }])), [
    'base.reward.shaping[1].terms[1].field: potential shaping "phi" reads info field "distance", which env "CartPole-v1" does not provide (its info after reset: no numeric fields)',
  ]);
  assert.deepEqual(errorsOf(spec({ id: 'CartPole-v1' }, [{ field: 'obs[4]' }])), [
    'base.reward.shaping[1].terms[0].field: potential shaping "phi" reads "obs[4]", and env "CartPole-v1" has 4 observation entries (obs[0]..obs[3])',
  ]);
  const keydoor = errorsOf(spec({ id: 'KeyDoor' }, [{ field: 'optimalStepsLeft' }, { field: 'optimalStepsLef' }]));
  assert.equal(keydoor.length, 1);
  assert.match(keydoor[0], /^base\.reward\.shaping\[1\]\.terms\[1\]\.field: .*"optimalStepsLef", which env "KeyDoor" does not provide \(its info after reset: .*"optimalStepsLeft"/);
  // A Gymnasium env's fields are known only to its Python: checked by the callers that may start it.
  resolveExperiment(spec({ id: 'gymnasium:CartPole-v1' }, [{ field: 'distance' }]));
});

test('EnvFields checks: a field given at reset but not after a step, nested dot paths, booleans', () => {
  const config = RunConfigSchema.parse({ env: { id: 'gymnasium:X-v0' }, algo: { name: 'ppo' }, reward: { shaping: [{ type: 'potential', terms: [{ field: 'agent.x' }, { field: 'done_flag' }, { field: 'late' }] }] } });
  const issues = fieldIssues(config, { obsWidth: 2, resetInfo: { agent: { x: 1 }, done_flag: false, late: 3, events: [] }, stepInfo: { agent: { x: 2 }, done_flag: true } });
  assert.deepEqual(issues, [
    { path: ['reward', 'shaping', 0, 'terms', 2, 'field'], message: 'potential shaping "potential" reads info field "late", which env "gymnasium:X-v0" gives at reset but not after a step (its info after a step: "agent.x", "done_flag")' },
  ]);
  // A first step that terminated says nothing about later steps' info.
  assert.deepEqual(fieldIssues(config, { obsWidth: 2, resetInfo: { agent: { x: 1 }, done_flag: false, late: 3 }, stepInfo: null }), []);
});

test('the JSON Schema offers env ids as completions of base.env.id and arms[].env.id without constraining them', () => {
  const s = experimentJsonSchema(['CartPole-v1', 'gymnasium:Ant-v5']) as { properties: Record<string, { properties?: Record<string, { properties: { id: { examples: string[]; enum?: unknown } } }>; items?: { properties: Record<string, { properties: { id: { examples: string[] } } }> } }> };
  assert.deepEqual(s.properties.base.properties!.env.properties.id.examples, ['CartPole-v1', 'gymnasium:Ant-v5']);
  assert.equal(s.properties.base.properties!.env.properties.id.enum, undefined);
  assert.deepEqual(s.properties.arms.items!.properties.env.properties.id.examples, ['CartPole-v1', 'gymnasium:Ant-v5']);
  assert.equal((experimentJsonSchema() as { properties: { base: { properties?: unknown } } }).properties.base.properties, undefined);
});

test('compute: "fused" is refused for algorithms without fused kernels; absent leaves the resolved run unchanged', () => {
  assert.deepEqual(errorsOf({ ...base, base: { ...base.base, algo: { name: 'a2c' }, compute: 'fused' } }), ['base.compute: "fused" kernels exist for ppo only, not a2c; use "auto" or "tfjs"']);
  assert.deepEqual(errorsOf({ ...base, arms: [{ name: 'a', compute: 'gpu' }] }), ['arms[0].compute: expected one of "auto", "fused", "tfjs", got "gpu"']);
  const { runs } = resolveExperiment({ ...base, arms: [{ name: 'a' }, { name: 'b', compute: 'tfjs' }] });
  assert.equal('compute' in runs[0].config, false, 'an absent request adds no field, so existing run hashes stay');
  assert.equal((runs[3].config as { compute?: string }).compute, 'tfjs');
  const rlhf = resolveExperiment({ ...base, base: { kind: 'rlhf', compute: 'tfjs' }, arms: [{ name: 'a' }] }).runs[0].config;
  assert.equal((rlhf as { compute?: string }).compute, 'tfjs');
});

test('resolveCompute: explicit requests win, auto follows availability and the kind\'s variable, a resume keeps its path', () => {
  const r = (o: Partial<Parameters<typeof resolveCompute>[0]>) => resolveCompute({ requested: undefined, kind: 'rl', fusedUnavailable: null, env: {}, ...o });
  assert.equal(r({}).compute, 'fused');
  assert.equal(r({ requested: 'auto', fusedUnavailable: 'box actions' }).compute, 'tfjs');
  assert.equal(r({ env: { CREDITLAB_PPO_FUSED: '0' } }).compute, 'tfjs');
  assert.equal(r({ env: { CREDITLAB_GRU: 'tf' } }).compute, 'fused', "RLHF's variable does not steer RL");
  assert.equal(r({ kind: 'rlhf', env: { CREDITLAB_GRU: 'tf' } }).compute, 'tfjs');
  assert.equal(r({ requested: 'fused', env: { CREDITLAB_PPO_FUSED: '0' } }).compute, 'fused');
  assert.equal(r({ requested: 'tfjs' }).compute, 'tfjs');
  assert.throws(() => r({ requested: 'fused', fusedUnavailable: 'box actions' }), /"fused" is not available for this run \(box actions\)/);
  assert.equal(r({ resumed: 'tfjs' }).compute, 'tfjs');
  assert.equal(r({ resumed: 'fused', env: { CREDITLAB_PPO_FUSED: '0' } }).compute, 'fused');
  assert.throws(() => r({ requested: 'tfjs', resumed: 'fused' }), /checkpoint was written by the fused path/);
});
