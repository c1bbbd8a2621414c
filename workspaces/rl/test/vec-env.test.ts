import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VectorEnv } from '../src/vec-env';

test('same-step auto-reset: the final obs is returned, the env is already reset, stats are per episode', () => {
  const vec = new VectorEnv({ id: 'CartPole-v1', params: { maxEpisodeSteps: 5 } }, 2, 0);
  let done = 0;
  for (let k = 0; k < 5; k++) {
    const before = vec.obs(0);
    const r = vec.stepAll([1, 1], [1, 0])[0]!;
    assert.equal(r.episodeStep, k);
    assert.ok(r.resetInfo);
    if (k < 4) {
      assert.equal(r.episode, null);
      assert.deepEqual(vec.obs(0), r.nextObs);
    } else {
      done++;
      assert.ok(r.truncated || r.terminated);
      assert.deepEqual(r.episode, { return: 5, length: 5 });
      assert.notDeepEqual(vec.obs(0), r.nextObs, 'obs(0) should be the next episode’s first observation');
      assert.ok(Math.max(...vec.obs(0).map(Math.abs)) <= 0.05);
    }
    assert.notEqual(vec.obs(0), before);
  }
  assert.equal(done, 1);
  assert.equal(vec.stepAll([0, 0])[0]!.episodeStep, 0);
  // The float32 batch mirrors obs(i) row by row.
  for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) assert.equal(vec.obsBatch[i * 4 + k], Math.fround(vec.obs(i)[k]));
});

test('env copies get different seeds, and the same run seed reproduces them', () => {
  const a = new VectorEnv({ id: 'CartPole-v1' }, 3, 42);
  const b = new VectorEnv({ id: 'CartPole-v1' }, 3, 42);
  assert.deepEqual(Array.from(a.obsBatch), Array.from(b.obsBatch));
  assert.notDeepEqual(a.obs(0), a.obs(1));
});
