import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@creditlab/common';
import { pbrsShaping, pbrsTerm, subgoalBonus, subgoalPotentialShaping, countBonus, linearPotential } from '../src/index';

test('PBRS telescopes on random trajectories: Σ γ^t F_t = γ^T Φ(s_T) − Φ(s_0), Φ(terminal) = 0', () => {
  const rng = new Rng(10);
  for (let trial = 0; trial < 200; trial++) {
    const T = 1 + rng.int(30);
    const phis = Array.from({ length: T + 1 }, () => rng.uniform(-5, 5));
    const gamma = rng.next();
    const terminated = rng.next() < 0.5;
    const F = pbrsShaping(phis, gamma, terminated);
    assert.equal(F.length, T);
    const disc = F.reduce((s, f, t) => s + gamma ** t * f, 0);
    const want = gamma ** T * (terminated ? 0 : phis[T]) - phis[0];
    assert.ok(Math.abs(disc - want) < 1e-9, `${disc} vs ${want}`);
  }
  assert.equal(pbrsTerm(2, 5, 0.5, true), -2);
});

// A random tabular MDP: P[s][a] a distribution over next states, R[s][a][s'] rewards, terminal states absorbing.
interface Mdp {
  S: number;
  A: number;
  P: number[][][];
  R: number[][][];
  terminal: boolean[];
}
function randomMdp(rng: Rng): Mdp {
  const S = 3 + rng.int(5);
  const A = 2 + rng.int(3);
  const terminal = Array.from({ length: S }, (_, s) => s === S - 1 || rng.next() < 0.1);
  const P = Array.from({ length: S }, () =>
    Array.from({ length: A }, () => {
      const w = Array.from({ length: S }, () => (rng.next() < 0.5 ? rng.next() : 0));
      w[rng.int(S)] += 0.1;
      const z = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / z);
    }),
  );
  const R = Array.from({ length: S }, () => Array.from({ length: A }, () => Array.from({ length: S }, () => rng.uniform(-1, 1))));
  return { S, A, P, R, terminal };
}
function valueIteration(m: Mdp, gamma: number, bonus: (s: number, a: number, s2: number) => number): number[][] {
  let V = new Array(m.S).fill(0);
  let Q: number[][] = [];
  for (let it = 0; it < 2000; it++) {
    Q = Array.from({ length: m.S }, (_, s) =>
      Array.from({ length: m.A }, (_, a) =>
        m.terminal[s] ? 0 : m.P[s][a].reduce((q, p, s2) => q + p * (m.R[s][a][s2] + bonus(s, a, s2) + gamma * (m.terminal[s2] ? 0 : V[s2])), 0),
      ),
    );
    const V2 = Q.map((q) => Math.max(...q));
    const diff = Math.max(...V2.map((v, i) => Math.abs(v - V[i])));
    V = V2;
    if (diff < 1e-12) break;
  }
  return Q;
}
const argmax = (q: number[]) => q.indexOf(Math.max(...q));

test('PBRS keeps the optimal policy of random small MDPs: Q′ = Q − Φ(s), same argmax (value iteration)', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 60; trial++) {
    const m = randomMdp(rng);
    const gamma = 0.5 + 0.45 * rng.next();
    const phi = Array.from({ length: m.S }, (_, s) => (m.terminal[s] ? 0 : rng.uniform(-10, 10)));
    const Q = valueIteration(m, gamma, () => 0);
    const Qs = valueIteration(m, gamma, (s, _a, s2) => pbrsTerm(phi[s], phi[s2], gamma, m.terminal[s2]));
    for (let s = 0; s < m.S; s++) {
      if (m.terminal[s]) continue;
      for (let a = 0; a < m.A; a++) assert.ok(Math.abs(Qs[s][a] - (Q[s][a] - phi[s])) < 1e-6, `trial ${trial} Q′(${s},${a})`);
      // Near-ties can flip argmax by rounding alone; compare only clear winners.
      const sorted = [...Q[s]].sort((x, y) => y - x);
      if (sorted[0] - sorted[1] > 1e-6) assert.equal(argmax(Qs[s]), argmax(Q[s]), `trial ${trial} state ${s}`);
    }
  }
});

test('a bonus that is not potential-based changes the optimal policy (positive-reward cycle)', () => {
  // Chain 0 ↔ 1 → 2 (goal, terminal, reward 1). Action 0 = back, 1 = forward. A "progress" bonus for
  // entering state 1, with no penalty for leaving it, makes cycling 0 → 1 → 0 → … beat reaching the goal.
  const m: Mdp = {
    S: 3,
    A: 2,
    P: [
      [[1, 0, 0], [0, 1, 0]],
      [[1, 0, 0], [0, 0, 1]],
      [[0, 0, 1], [0, 0, 1]],
    ],
    R: [
      [[0, 0, 0], [0, 0, 0]],
      [[0, 0, 0], [0, 0, 1]],
      [[0, 0, 0], [0, 0, 0]],
    ],
    terminal: [false, false, true],
  };
  const gamma = 0.9;
  const Q = valueIteration(m, gamma, () => 0);
  assert.equal(argmax(Q[1]), 1, 'without a bonus, go to the goal');
  const Qb = valueIteration(m, gamma, (_s, _a, s2) => (s2 === 1 ? 1 : 0));
  assert.equal(argmax(Qb[1]), 0, 'the bonus makes the agent turn back to farm it');
  // The same encouragement as a potential (Φ(1) = 1) leaves the policy alone.
  const phi = [0, 1, 0];
  const Qp = valueIteration(m, gamma, (s, _a, s2) => pbrsTerm(phi[s], phi[s2], gamma, m.terminal[s2]));
  assert.equal(argmax(Qp[1]), 1);
});

test('built-in potential: weight × info field / obs entry; booleans count as 0/1; missing fields fail loudly', () => {
  const terms = [
    { field: 'distance', weight: -0.1 },
    { field: 'hasKey', weight: 1 },
    { field: 'obs[1]', weight: 2 },
    { field: 'agent.x', weight: 0.5 },
  ];
  assert.ok(Math.abs(linearPotential(terms, [0, 3], { distance: 4, hasKey: true, agent: { x: 2 } }) - (-0.4 + 1 + 6 + 1)) < 1e-12);
  assert.throws(() => linearPotential(terms, [0, 3], { distance: 4 }), /potential field "hasKey" is missing/);
  assert.throws(() => linearPotential([{ field: 'obs[5]', weight: 1 }], [0], {}), /2|1 entries/);
});

test('subgoal bonus: no events → no bonus; fires only on the event step; "once" pays λ × distinct subgoals', () => {
  assert.deepEqual(subgoalBonus([[], undefined, []], { bonus: 0.5, mode: 'every' }), [0, 0, 0]);
  const events = [[], ['key_picked'], [], ['key_picked'], ['door_opened', 'noise'], ['key_picked']];
  assert.deepEqual(subgoalBonus(events, { bonus: 0.5, mode: 'every', subgoals: ['key_picked', 'door_opened'] }), [0, 0.5, 0, 0.5, 0.5, 0.5]);
  const once = subgoalBonus(events, { bonus: 0.5, mode: 'once', subgoals: ['key_picked', 'door_opened'] });
  assert.deepEqual(once, [0, 0.5, 0, 0, 0.5, 0]);
  assert.equal(once.reduce((a, b) => a + b, 0), 0.5 * 2);
  assert.equal(subgoalBonus(events, { bonus: 1, mode: 'once' }).reduce((a, b) => a + b, 0), 3, 'all events count by default');
});

test('subgoal potential (γ = 1): equals the once-bonus before the end and telescopes to 0 at termination', () => {
  const events = [[], ['key_picked'], [], ['key_picked'], ['door_opened'], []];
  const once = subgoalBonus(events, { bonus: 0.5, mode: 'once' });
  const pot = subgoalPotentialShaping(events, { bonus: 0.5, gamma: 1, terminated: false });
  assert.deepEqual(pot, once);
  const term = subgoalPotentialShaping(events, { bonus: 0.5, gamma: 1, terminated: true });
  assert.deepEqual(term.slice(0, -1), once.slice(0, -1));
  assert.equal(term.reduce((a, b) => a + b, 0), 0);
});

test('count bonus: β/√N(s′) over cells', () => {
  const counts = new Map<string, number>();
  const b = countBonus([[0.2, 1], [0.7, 1.4], [2, 1], [0.1, 1.9]], { beta: 1, cell: 1 }, counts);
  assert.deepEqual(b, [1, 1 / Math.SQRT2, 1, 1 / Math.sqrt(3)]);
  assert.equal(counts.get('0,1'), 3);
});
