// Every registered env × every algorithm that supports its action space, a few hundred steps each:
// catches shape and space-handling bugs (box actions, one-step episodes, long time limits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ENVS, makeEnv } from '@creditlab/envs';
import { ALGORITHMS } from '../src/index';
import { recordingContext } from './helpers';

const SMALL: Record<string, Record<string, unknown>> = {
  ppo: { name: 'ppo', numEnvs: 2, numSteps: 32 },
  a2c: { name: 'a2c', numEnvs: 2 },
  reinforce: { name: 'reinforce', numEnvs: 2 },
  dqn: { name: 'dqn', learningStarts: 50, batchSize: 16, bufferSize: 200, targetNetworkFrequency: 50 },
};

for (const id of Object.keys(ENVS)) {
  test(`${id}: every applicable algorithm trains 256 steps`, async () => {
    const discrete = makeEnv(id).actionSpace.type === 'discrete';
    for (const [name, algo] of Object.entries(SMALL)) {
      const rec = recordingContext({ algo, steps: 256, env: { id } });
      if (name === 'dqn' && !discrete) {
        await assert.rejects(ALGORITHMS[name](rec.ctx), /discrete action space/);
        continue;
      }
      const before = tf.memory().numTensors;
      await ALGORITHMS[name](rec.ctx);
      assert.equal(tf.memory().numTensors, before, `${name} leaked tensors on ${id}`);
      assert.equal(rec.checkpoints.length, 1, `${name} on ${id} did not finish`);
      for (const l of rec.logs) for (const [k, v] of Object.entries(l.metrics)) assert.ok(Number.isFinite(v), `${name} on ${id}: ${k} = ${v}`);
    }
  });
}
