import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CartPole } from '../src/cartpole';
import { refDir } from './reference';

for (const file of ['CartPole-v1.json', 'CartPole-v1.coverage.json']) {
  test(`CartPole-v1 matches Gymnasium step by step (${file})`, () => {
    const trajs = JSON.parse(readFileSync(new URL(file, refDir), 'utf8'));
    const env = new CartPole();
    for (const t of trajs) {
      for (let i = 0; i < t.actions.length; i++) {
        env.setState(i === 0 ? t.initial_state : t.states[i - 1], i);
        const r = env.step(t.actions[i]);
        const s = env.getState();
        for (let k = 0; k < 4; k++) {
          const want = t.states[i][k];
          assert.ok(Math.abs(s[k] - want) <= 1e-12 + 1e-9 * Math.abs(want), `seed ${t.reset_seed} step ${i} state[${k}]`);
          assert.ok(Math.abs(r.obs[k] - t.observations[i][k]) <= 1e-7 + 1e-6 * Math.abs(t.observations[i][k]));
        }
        assert.equal(r.reward, t.rewards[i]);
        assert.equal(r.terminated, t.terminated[i], `seed ${t.reset_seed} step ${i} terminated`);
        assert.equal(r.truncated, t.truncated[i], `seed ${t.reset_seed} step ${i} truncated`);
      }
    }
  });
}
