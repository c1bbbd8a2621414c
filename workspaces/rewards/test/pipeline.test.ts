import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RewardConfigSchema, type RewardConfig } from '@creditlab/spec';
import { createRewardPipeline, RewardError, methodCatalog, REWARD_METHODS, type RewardPipelineConfig, type Transition, type UserRewardModule } from '../src/index';

const tr = (t: number, over: Partial<Transition> = {}): Transition => ({
  obs: [t],
  action: 0,
  nextObs: [t + 1],
  envReward: 0,
  terminated: false,
  truncated: false,
  info: {},
  t,
  ...over,
});

// The spec's RewardConfig is what the runner hands the pipeline.
const _fits: RewardPipelineConfig = {} as RewardConfig;
void _fits;

test('no config: the env reward passes through and is logged as env and total', () => {
  const p = createRewardPipeline(undefined, { envId: 'x' });
  assert.equal(p.step(tr(0, { envReward: 2 })), 2);
  assert.equal(p.step(tr(1, { envReward: -1, terminated: true })), -1);
  assert.deepEqual(p.endEpisode(), { 'reward/env': 1, 'reward/total': 1 });
});

test('order env → user → shaping → transforms, each stage summed per episode', () => {
  const user: UserRewardModule = {
    filename: 'u.ts',
    hasReward: true,
    hasPotential: false,
    reward: (x) => (x.events.includes('key_picked') ? 0.5 : 0) + x.episode.index * 0,
    potential: () => 0,
  };
  const cfg = RewardConfigSchema.parse({
    code: 'x',
    shaping: [
      { type: 'subgoal', bonus: 1, mode: 'once' },
      { type: 'potential', gamma: 1, terms: [{ field: 'obs[0]', weight: 1 }] },
    ],
    transforms: [{ type: 'scale', factor: 2 }],
  });
  const p = createRewardPipeline(cfg, { envId: 'KeyDoor', user });
  p.startEpisode([0], {});
  const r0 = p.step(tr(0, { info: { events: ['key_picked'] } })); // env 0, user .5, subgoal 1, pbrs 1 → ×2
  assert.equal(r0, 5);
  const r1 = p.step(tr(1, { envReward: 1, terminated: true, info: { events: ['key_picked'] } })); // 1 + .5 + 0 + (0 − 1) → ×2
  assert.equal(r1, 1);
  assert.deepEqual(p.endEpisode(), {
    'reward/env': 1,
    'reward/user': 1,
    'reward/shaping/subgoal': 1,
    'reward/shaping/potential': 0,
    'reward/transform/scale': 3,
    'reward/total': 6,
  });
  // A new episode: the once-bonus pays again, sums start from zero.
  p.startEpisode([0], {});
  assert.equal(p.step(tr(0, { info: { events: ['key_picked'] } })), 5);
  assert.equal(p.episode, 1);
});

test('PBRS in the pipeline telescopes over an episode and needs the reset info for info-field potentials', () => {
  const cfg = { shaping: [{ type: 'potential', gamma: 0.9, terms: [{ field: 'dist', weight: -1 }] }] };
  const p = createRewardPipeline(cfg, { envId: 'x' });
  p.startEpisode([0], { dist: 5 });
  const dists = [4, 3, 4, 2, 1];
  let disc = 0;
  dists.forEach((d, t) => (disc += 0.9 ** t * p.step(tr(t, { info: { dist: d }, terminated: t === dists.length - 1 }))));
  assert.ok(Math.abs(disc - (0 - -5)) < 1e-12, 'Σγ^t F = γ^T·0 − Φ(s0)');
  const q = createRewardPipeline(cfg, { envId: 'x' });
  assert.throws(() => q.step(tr(0, { info: { dist: 1 } })), (e: RewardError) => e.kind === 'missing-field' && /startEpisode/.test(e.message) && e.episode === 0);
});

test('"replace" makes the user value the reward; Clip-Delta refines the dense part and keeps the env reward', () => {
  const user: UserRewardModule = { filename: 'u.ts', hasReward: true, hasPotential: false, reward: (x) => [0.7, 0.2, 0.4, 0.8][x.t], potential: () => 0 };
  const p = createRewardPipeline({ code: 'x', transforms: [{ type: 'process-clip-delta', eta: 0.5 }] }, { envId: 'x', user });
  const rs = [0, 1, 2, 3].map((t) => p.step(tr(t, { envReward: t === 3 ? 1 : 0, terminated: t === 3 })));
  // docs/methods.md §1 Clip-Delta [0.3, −0.2, −0.1, 0] paid at step k+1, plus Correct = 1 at the end.
  const want = [0, 0.3, -0.2, -0.1 + 1];
  rs.forEach((r, i) => assert.ok(Math.abs(r - want[i]) < 1e-12, `${rs}`));
  const q = createRewardPipeline({ code: 'x', combine: 'replace' }, { envId: 'x', user: { ...user, reward: () => 3 } });
  assert.equal(q.step(tr(0, { envReward: 10 })), 3);
});

test('invalid entries name their path; user code without a module, or pbrs without a potential, fail at creation', () => {
  assert.throws(() => createRewardPipeline({ transforms: [{ type: 'process-clip', eta: 'x' }] }, { envId: 'x' }), /transforms\[0\]\.eta/);
  assert.throws(() => createRewardPipeline({ transforms: [{ type: 'process-delta', placement: 'step-k' }] }, { envId: 'x' }), /placement.*step-k\+1/);
  assert.throws(() => createRewardPipeline({ code: 'x' }, { envId: 'x' }), /opts.user/);
  assert.throws(() => createRewardPipeline({ shaping: [{ type: 'potential' }] }, { envId: 'x' }), /no "terms"/);
  const r = RewardConfigSchema.safeParse({ transforms: [{ type: 'normalize', gamma: 2 }] });
  assert.ok(!r.success && r.error.issues[0].path.join('.') === 'transforms.0.gamma');
});

test('count bonus is shared across env copies through opts.shared; repeated types get distinct log names', () => {
  const shared = new Map<string, unknown>();
  const cfg = { shaping: [{ type: 'count', beta: 1 }, { type: 'count', beta: 2 }] };
  const a = createRewardPipeline(cfg, { envId: 'x', shared, copy: 0 });
  const b = createRewardPipeline(cfg, { envId: 'x', shared, copy: 1 });
  a.step(tr(0));
  b.step(tr(0));
  assert.deepEqual(b.lastStep(), { 'reward/env': 0, 'reward/shaping/count': 1 / Math.SQRT2, 'reward/shaping/count_2': 2 / Math.SQRT2, 'reward/total': 3 / Math.SQRT2 });
});

test('lsc-and combines named stages; the catalogue documents every method', () => {
  const user: UserRewardModule = { filename: 'u.ts', hasReward: true, hasPotential: false, reward: () => 2, potential: () => 0 };
  const p = createRewardPipeline({ code: 'x', transforms: [{ type: 'lsc-and', components: [{ of: 'user' }, { of: 'env', ref: 0 }] }] }, { envId: 'x', user });
  assert.ok(Math.abs(p.step(tr(0, { envReward: -2 })) - -2.253856) < 1e-6);
  const cat = methodCatalog();
  assert.equal(cat.length, REWARD_METHODS.length);
  for (const m of cat) assert.ok(m.doc && m.paper && m.template && m.params, m.type);
  assert.equal(new Set(cat.map((m) => m.type)).size, cat.length);
});
