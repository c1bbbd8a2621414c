import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyDoor, keyDoorLayout } from '../src/keydoor';
import type { StepResult } from '../src/types';

const UP = 0, DOWN = 1, LEFT = 2, RIGHT = 3, PICKUP = 4, TOGGLE = 5;

// Default size 5:      #######
//                      #K.#..#
//                      #..#..#
//                      #..D..#
//                      #..#..#
//                      #A.#.G#
//                      #######
const SOLUTION = [UP, UP, UP, UP, /* key */ DOWN, DOWN, RIGHT, /* bump opens */ RIGHT, RIGHT, RIGHT, RIGHT, DOWN, DOWN];

function run(env: KeyDoor, actions: number[]): StepResult[] {
  return actions.map((a) => env.step(a));
}

test('KeyDoor default layout is the documented two-room map', () => {
  assert.deepEqual(keyDoorLayout(5), ['#######', '#K.#..#', '#..#..#', '#..D..#', '#..#..#', '#A.#.G#', '#######']);
  const env = new KeyDoor();
  assert.equal(env.maxEpisodeSteps, 4 * 7 * 7);
  assert.deepEqual(env.observationSpace, { type: 'box', shape: [4], low: [0, 0, 0, 0], high: [1, 1, 1, 1] });
  assert.deepEqual(env.actionSpace, { type: 'discrete', n: 4 });
});

test('KeyDoor subgoal events fire in order, once each, and reward comes only at the goal', () => {
  const env = new KeyDoor();
  const { info } = env.reset(0);
  assert.equal(info.optimalStepsLeft, SOLUTION.length);
  assert.equal(info.distanceToKey, 4);
  const results = run(env, SOLUTION);
  const events = results.flatMap((r, t) => (r.info.events ?? []).map((e) => [t, e] as const));
  assert.deepEqual(events, [
    [3, 'key_picked'],
    [7, 'door_opened'],
    [12, 'goal_reached'],
  ]);
  results.forEach((r, t) => {
    assert.equal(r.reward, t === 12 ? 1 : 0, `reward at step ${t}`);
    assert.equal(r.terminated, t === 12);
    // Optimal play lowers the optimal cost-to-go by exactly one every step.
    assert.equal(r.info.optimalStepsLeft, SOLUTION.length - 1 - t);
  });
  assert.equal(results[3].info.hasKey, true);
  assert.equal(results[3].info.stage, 1);
  assert.equal(results[7].info.doorOpen, true);
  assert.deepEqual(results[12].info.agentPos, [5, 5]);
});

test('KeyDoor: the locked door blocks without the key; wandering earns nothing', () => {
  const env = new KeyDoor();
  env.reset(0);
  const r = run(env, [UP, UP, RIGHT, RIGHT, RIGHT, RIGHT]); // to the doorway's left, then bump
  assert.deepEqual(r.at(-1)!.info.agentPos, [3, 2]);
  assert.equal(r.at(-1)!.info.doorOpen, false);
  assert.ok(r.every((x) => x.reward === 0 && (x.info.events ?? []).length === 0));
  // Re-visiting the key cell after pickup does not fire key_picked again.
  env.reset(0);
  const again = run(env, [UP, UP, UP, UP, DOWN, UP, DOWN, UP]);
  assert.equal(again.flatMap((x) => x.info.events ?? []).filter((e) => e === 'key_picked').length, 1);
});

test('KeyDoor step penalty and time limit', () => {
  const env = new KeyDoor({ stepPenalty: 0.01, maxEpisodeSteps: 13 });
  env.reset(0);
  const r = run(env, SOLUTION);
  assert.equal(r[0].reward, -0.01);
  assert.equal(r[12].reward, 1 - 0.01);
  assert.equal(r[12].terminated, true);
  assert.equal(r[12].truncated, true); // both flags on the same step, as Gymnasium's TimeLimit does
  const short = new KeyDoor({ maxEpisodeSteps: 2 });
  short.reset(0);
  assert.deepEqual(run(short, [LEFT, LEFT]).map((x) => x.truncated), [false, true]);
});

test('KeyDoor interact mode needs explicit pickup and toggle', () => {
  const env = new KeyDoor({ interact: true });
  assert.deepEqual(env.actionSpace, { type: 'discrete', n: 6 });
  assert.equal(env.reset(0).info.optimalStepsLeft, 14); // the 13-step route plus pickup, toggle instead of bump
  const r = run(env, [UP, UP, UP, UP, TOGGLE]);
  assert.ok(r.every((x) => (x.info.events ?? []).length === 0), 'walking onto the key does not pick it up');
  assert.deepEqual(run(env, [PICKUP])[0].info.events, ['key_picked']);
  const toDoor = run(env, [DOWN, DOWN, RIGHT, RIGHT]); // bumping with the key does not open it
  assert.ok(toDoor.every((x) => (x.info.events ?? []).length === 0));
  assert.deepEqual(run(env, [TOGGLE])[0].info.events, ['door_opened']);
  const rest = run(env, [RIGHT, RIGHT, RIGHT, DOWN, DOWN]);
  assert.equal(rest.at(-1)!.reward, 1);
  assert.throws(() => new KeyDoor().step(PICKUP), /action must be an integer in \[0, 3\]/);
});

test('KeyDoor seeded random starts are deterministic and stay in the start room', () => {
  const a = new KeyDoor({ randomStart: true });
  const b = new KeyDoor({ randomStart: true });
  const starts = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const oa = a.reset(seed);
    const ob = b.reset(seed);
    assert.deepEqual(Array.from(oa.obs), Array.from(ob.obs));
    const [r, c] = oa.info.agentPos as number[];
    assert.ok(c >= 1 && c <= 2 && r >= 1 && r <= 5 && !(r === 1 && c === 1), `start ${r},${c}`);
    starts.add(`${r},${c}`);
  }
  assert.ok(starts.size >= 5, 'several start cells are used');
  // Without a seed, reset continues the stream rather than repeating the start.
  a.reset(7);
  const seq1 = [0, 1, 2, 3, 4].map(() => String(a.reset().info.agentPos));
  a.reset(7);
  const seq2 = [0, 1, 2, 3, 4].map(() => String(a.reset().info.agentPos));
  assert.deepEqual(seq1, seq2);
});

test('KeyDoor custom map, local view and state round trip', () => {
  const map = ['#####', '#AK.#', '###D#', '#G..#', '#####'].join('\n');
  const env = new KeyDoor({ map, viewRadius: 1 });
  assert.equal(env.observationSpace.type === 'box' && env.observationSpace.shape[0], 4 + 9 * 5);
  const { obs, info } = env.reset(0);
  // right (key), right, down (bump opens), down (doorway), down, left, left (goal)
  assert.equal(info.optimalStepsLeft, 7);
  // Window around (1,1): row above is all wall; left is wall; right is the key.
  const cell = (dr: number, dc: number) => Array.from(obs.slice(4 + ((dr + 1) * 3 + (dc + 1)) * 5, 4 + ((dr + 1) * 3 + (dc + 1)) * 5 + 5));
  assert.deepEqual(cell(-1, 0), [1, 0, 0, 0, 0]);
  assert.deepEqual(cell(0, 1), [0, 1, 0, 0, 0]);
  assert.deepEqual(cell(0, 0), [0, 0, 0, 0, 0]);
  env.setState([1, 3, 1, 0], 5);
  assert.deepEqual(env.getState(), [1, 3, 1, 0]);
  const r = env.step(DOWN);
  assert.deepEqual(r.info.events, ['door_opened']);
  assert.equal(env.render(), ['#####', '#..@#', '###/#', '#G..#', '#####'].join('\n'));
  assert.throws(() => env.setState([0, 0, 0, 0]), /not a free cell/);
  assert.throws(() => env.setState([2, 3, 1, 0]), /locked door/);
});

test('KeyDoor params are validated', () => {
  assert.throws(() => new KeyDoor({ sise: 5 }), /unknown parameter "sise"/);
  assert.throws(() => new KeyDoor({ size: 'big' }), /parameter "size" must be an integer/);
  assert.throws(() => new KeyDoor({ size: 2 }), /parameter "size" must be an integer in \[3, 64\]/);
  assert.throws(() => new KeyDoor({ randomStart: 1 }), /parameter "randomStart" must be a boolean/);
  assert.throws(() => new KeyDoor({ stepPenalty: -1 }), /parameter "stepPenalty"/);
  assert.throws(() => new KeyDoor({ map: 5 }), /parameter "map" must be a string/);
  assert.throws(() => new KeyDoor({ map: '#####\n#AKG#\n#####' }), /exactly one 'D'/);
  assert.throws(() => new KeyDoor({ map: '#####\n#AKDG#\n#####' }), /row 1 has 6 cells/);
  assert.throws(() => new KeyDoor({ map: '######\n#AxDG#\n######' }), /unknown cell "x"/);
  assert.throws(() => new KeyDoor({ map: '######\n#ADKG#\n######' }), /not solvable/);
  assert.throws(() => new KeyDoor({ size: 5, map: keyDoorLayout(5) }), /either "size" or "map"/);
  assert.equal(new KeyDoor({ size: 3 }).rows, 5);
});
