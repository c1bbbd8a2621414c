import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { ObsNormalizer } from '../src/obs-norm';
import { VectorEnv } from '../src/vec-env';

test('running statistics match the batch mean and variance; output is standardised and clipped', () => {
  const rng = new Rng(3);
  const n = new ObsNormalizer(2);
  const xs: number[][] = [];
  for (let i = 0; i < 2000; i++) {
    const x = [5 + 2 * rng.normal(), 0.01 * rng.normal()];
    xs.push(x);
    n.update(x);
  }
  for (let k = 0; k < 2; k++) {
    const m = xs.reduce((a, x) => a + x[k], 0) / xs.length;
    const v = xs.reduce((a, x) => a + (x[k] - m) ** 2, 0) / xs.length;
    assert.ok(Math.abs(n.mean[k] - m) < 1e-9 * Math.max(1, Math.abs(m)));
    assert.ok(Math.abs(n.var[k] - v) / v < 1e-6);
  }
  const out = new Float32Array(2);
  n.apply([5, 0.01], out, 0);
  assert.ok(Math.abs(out[0]) < 0.1 && Math.abs(out[1] - 1) < 0.1);
  n.apply([1e6, 0], out, 0);
  assert.equal(out[0], 10);
  const frozen = n.frozenView();
  const before = n.count;
  frozen.update([100, 100]);
  assert.equal(n.count, before, 'a frozen view never changes the statistics');
});

test('a normalising vector env feeds standardised MountainCar observations', () => {
  const vec = new VectorEnv({ id: 'MountainCar-v0' }, 4, 0, { normalize: true });
  for (let t = 0; t < 300; t++) vec.stepAll(new Array(4).fill(t % 40 < 20 ? 0 : 2));
  const v = Array.from(vec.obsBatch).filter((_, i) => i % 2 === 1);
  assert.ok(v.some((x) => Math.abs(x) > 0.3), 'velocity is on a unit scale, not ~0.01');
});
