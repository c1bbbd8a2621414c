// Step-by-step replay of a Gymnasium fixture (fixtures/gymnasium, see its README), shared by the classic-control tests.
// Kept independent of src/verify.ts so that the two check each other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Env } from '../src/types';

export const refDir = new URL('fixtures/gymnasium/', import.meta.url);

export function loadReference(file: string): any[] {
  return JSON.parse(readFileSync(new URL(file, refDir), 'utf8'));
}

const close = (got: number, want: number, atol: number, rtol: number) => Math.abs(got - want) <= atol + rtol * Math.abs(want);

/** Returns the number of steps compared; asserts on the first mismatch. */
export function replayReference(env: Env, file: string): number {
  const trajs = loadReference(file);
  let steps = 0;
  for (const t of trajs) {
    const where = (i: number) => `${file} seed ${t.reset_seed} step ${i}`;
    for (let i = 0; i < t.actions.length; i++) {
      env.setState(i === 0 ? t.initial_state : t.states[i - 1], i);
      const a = t.actions[i];
      const r = env.step(typeof a === 'number' && env.actionSpace.type === 'box' ? [a] : a);
      const s = env.getState();
      assert.equal(s.length, t.states[i].length, where(i));
      assert.equal(r.obs.length, t.observations[i].length, where(i));
      for (let k = 0; k < s.length; k++) {
        assert.ok(close(s[k], t.states[i][k], 1e-12, 1e-9), `${where(i)} state[${k}]: ${s[k]} vs ${t.states[i][k]}`);
      }
      for (let k = 0; k < r.obs.length; k++) {
        assert.ok(close(r.obs[k], t.observations[i][k], 1e-7, 1e-6), `${where(i)} obs[${k}]: ${r.obs[k]} vs ${t.observations[i][k]}`);
      }
      assert.ok(close(r.reward, t.rewards[i], 1e-12, 1e-9), `${where(i)} reward: ${r.reward} vs ${t.rewards[i]}`);
      assert.equal(r.terminated, t.terminated[i], `${where(i)} terminated`);
      assert.equal(r.truncated, t.truncated[i], `${where(i)} truncated`);
      steps++;
    }
  }
  return steps;
}
