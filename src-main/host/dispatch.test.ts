// Hostile arguments to the API (both transports go through dispatch): every one is refused with the path
// of what is wrong before the host, the store or a scoring process sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CreditlabApi } from '@creditlab/api';
import { dispatch } from './dispatch';

const calls: unknown[][] = [];
const api = { scoreEpisode: async (...a: unknown[]) => (calls.push(a), { ok: 1 }), validateSpec: async (...a: unknown[]) => (calls.push(a), null) } as unknown as CreditlabApi;
const step = (over: Record<string, unknown> = {}) => ({ obs: [0, 1], action: 0, nextObs: [1, 1], envReward: 1, terminated: false, truncated: false, info: {}, ...over });
const episode = (steps: unknown[]) => ({ env: 'CartPole-v1', envParams: {}, resetInfo: {}, envReturn: 0, steps });
const draft = { code: 'export default () => 1' };
const refused = async (method: string, args: unknown, path: RegExp) => {
  const r = await dispatch(api, 1, method, args);
  assert.equal(r.ok, false, String(path));
  assert.match((r as { error: { message: string } }).error.message, path);
};
const nest = (n: number) => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

test("an episode to re-score: a vector that is not an array of numbers, a missing reward or step is refused by path", async () => {
  // Float64Array.from({ length: 4e8 }) in the scoring worker was 3.2 GB and minutes; "x" and null became NaN and 0.
  await refused('scoreEpisode', [draft, episode([step({ obs: { length: 4e8 } })])], /args\[1\]\.steps\[0\]\.obs: expected an array/);
  await refused('scoreEpisode', [draft, episode([step(), step({ action: { length: 3e8 } })])], /args\[1\]\.steps\[1\]\.action/);
  await refused('scoreEpisode', [draft, episode([step({ envReward: 'x' })])], /args\[1\]\.steps\[0\]\.envReward: expected a number/);
  await refused('scoreEpisode', [draft, episode([step({ envReward: null })])], /args\[1\]\.steps\[0\]\.envReward: expected a number/);
  await refused('scoreEpisode', [draft, episode([step({ nextObs: [1, Infinity] })])], /args\[1\]\.steps\[0\]\.nextObs\[1\]/);
  await refused('scoreEpisode', [draft, episode([null])], /args\[1\]\.steps\[0\]: expected an object/);
  assert.deepEqual(calls, []);
  await dispatch(api, 1, 'scoreEpisode', [draft, episode([step(), step({ action: [0.5, -1] })])]);
  assert.equal(calls.length, 1);
});

test('arguments nested deeper than a spec may be are refused before anything recurses into them', async () => {
  // 200,000 levels: the copy to the scoring process overflowed the host's stack.
  await refused('scoreEpisode', [draft, episode([step({ info: { a: nest(200_000) } })])], /args\[1\]\.steps\[0\]\.info\.a(\[0\])+: nested deeper than 64 levels/);
  await refused('validateSpec', [nest(200_000)], /nested deeper than 64 levels/);
  await refused('scoreEpisode', nest(200_000), /nested deeper than 64 levels/);
});

test('__proto__ and constructor keys are unknown fields and pollute nothing', async () => {
  const body = JSON.parse('[{"code":"export default () => 1","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}, {"env":"x","envParams":{"__proto__":{"polluted":1}},"resetInfo":{},"envReturn":0,"steps":[]}]');
  await refused('scoreEpisode', body, /args\[0\]: unknown field\(s\) "__proto__", "constructor"/);
  assert.equal(({} as { polluted?: number }).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});
