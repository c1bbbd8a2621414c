// KeyDoor: a sparse-reward key-and-locked-door gridworld in the style of MiniHack's KeyRoom
// (Samvelyan et al., 2021), the task used to study subgoal-based credit assignment in CALM
// (Pignatelli et al., "Assessing the Zero-Shot Capabilities of LLMs for Action Evaluation in RL",
// arXiv:2409.12798). The agent must pick up the key, open the locked door and reach the goal;
// only the goal pays. The three subgoals are reported as events so reward code can use them.
//
// Map legend (param `map`, rows separated by newlines or given as an array of strings):
//   '#' wall   '.' floor   'A' start (optional; default: the first floor cell)   'K' key
//   'D' locked door   'G' goal.  Exactly one K, D and G; at most one A.  Outside the map is wall.
//
// Actions: 0 up, 1 down, 2 left, 3 right. With `interact: false` (default) the key is picked up by
// stepping on it and the door opens when the agent bumps into it holding the key (it stays in place
// on that step). With `interact: true` there are two more actions, 4 pickup (on the key cell) and
// 5 toggle (opens a 4-adjacent locked door when holding the key); stepping and bumping then do nothing.
//
// Observation (Float64Array): [row/(H-1), col/(W-1), hasKey, doorOpen], followed, when
// `viewRadius` r > 0, by a (2r+1)² window around the agent (row-major), 5 one-hot channels per
// cell: wall (or outside the map), key, locked door, open door, goal; floor is all zeros.
//
// info (on reset and every step): events, hasKey, doorOpen, agentPos [row, col], stage
// (0 = fetch the key, 1 = open the door, 2 = reach the goal), distanceToKey (BFS moves to the key
// cell, 0 once held), distanceToDoor (BFS moves to stand in the doorway, 0 once open),
// distanceToGoal (BFS moves to the goal with the door treated as passable), and optimalStepsLeft
// (exact fewest steps to finish from here, i.e. −V* for a −1-per-step cost; −optimalStepsLeft is
// the classic optimal shaping potential).
//
// State (getState/setState): [row, col, hasKey, doorOpen].
import { Rng } from '@creditlab/common';
import type { Env, Space, StepInfo, StepResult } from './types';
import { boolParam, checkParams, checkState, discreteAction, intParam, numParam } from './params';

const WALL = 0;
const FLOOR = 1;
const KEY = 2;
const DOOR = 3;
const GOAL = 4;
const MOVES: [number, number][] = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];
const CHANNELS = 5;

export interface KeyDoorParams {
  /** Interior side of the generated two-room layout (default 5, min 3). Not allowed with `map`. */
  size?: number;
  /** Custom ASCII layout (legend above). */
  map?: string | string[];
  /** Default 4 × rows × columns of the map. */
  maxEpisodeSteps?: number;
  /** Start each episode on a random floor cell of the start room (reachable without the door). */
  randomStart?: boolean;
  /** Subtracted from every step's reward (default 0); the goal step pays 1 − stepPenalty. */
  stepPenalty?: number;
  /** Adds explicit pickup/toggle actions (default false: 4 move actions). */
  interact?: boolean;
  /** Radius of the local one-hot view appended to the observation (default 0, max 5). */
  viewRadius?: number;
}

/** The generated layout for a given interior size: a start room with the key, a wall with a locked door, a goal room. */
export function keyDoorLayout(size = 5): string[] {
  const n = size;
  const wallCol = 1 + Math.floor(n / 2);
  const doorRow = 1 + Math.floor(n / 2);
  const rows: string[] = [];
  for (let r = 0; r < n + 2; r++) {
    let line = '';
    for (let c = 0; c < n + 2; c++) {
      if (r === 0 || c === 0 || r === n + 1 || c === n + 1) line += '#';
      else if (c === wallCol) line += r === doorRow ? 'D' : '#';
      else if (r === 1 && c === 1) line += 'K';
      else if (r === n && c === 1) line += 'A';
      else if (r === n && c === n) line += 'G';
      else line += '.';
    }
    rows.push(line);
  }
  return rows;
}

interface Cell {
  r: number;
  c: number;
}

export class KeyDoor implements Env {
  readonly id = 'KeyDoor';
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly subgoals = ['key_picked', 'door_opened', 'goal_reached'] as const;
  readonly maxEpisodeSteps: number;
  readonly rows: number;
  readonly cols: number;
  private readonly grid: Uint8Array;
  private readonly key: Cell;
  private readonly door: Cell;
  private readonly goal: Cell;
  private readonly start: Cell;
  private readonly startCells: Cell[];
  private readonly interact: boolean;
  private readonly randomStart: boolean;
  private readonly stepPenalty: number;
  private readonly viewRadius: number;
  private readonly distKey: Int32Array;
  private readonly distDoor: Int32Array;
  private readonly distGoal: Int32Array;
  /** Fewest steps to the goal from every (cell, hasKey, doorOpen); -1 where unreachable. */
  private readonly optimal: Int32Array;
  private r = 0;
  private c = 0;
  private hasKey = false;
  private doorOpen = false;
  private elapsed = 0;
  private rng = new Rng(0);

  constructor(params: KeyDoorParams | Record<string, unknown> = {}) {
    const id = this.id;
    const p = checkParams(id, params, ['size', 'map', 'maxEpisodeSteps', 'randomStart', 'stepPenalty', 'interact', 'viewRadius']);
    if (p.size !== undefined && p.map !== undefined) throw new Error(`${id}: give either "size" or "map", not both`);
    const size = intParam(id, p, 'size', 5, 3, 64);
    let lines: string[];
    if (p.map === undefined) lines = keyDoorLayout(size);
    else if (typeof p.map === 'string') lines = p.map.split('\n');
    else if (Array.isArray(p.map) && p.map.every((x) => typeof x === 'string')) lines = [...p.map];
    else throw new Error(`${id}: parameter "map" must be a string or an array of strings`);
    lines = lines.map((l) => l.trim()).filter((l) => l.length > 0);
    if (lines.length === 0) throw new Error(`${id}: parameter "map" is empty`);
    this.rows = lines.length;
    this.cols = lines[0].length;
    this.grid = new Uint8Array(this.rows * this.cols);
    const found: Record<string, Cell[]> = { A: [], K: [], D: [], G: [] };
    const codes: Record<string, number> = { '#': WALL, '.': FLOOR, A: FLOOR, K: KEY, D: DOOR, G: GOAL };
    lines.forEach((line, r) => {
      if (line.length !== this.cols) {
        throw new Error(`${id}: parameter "map": row ${r} has ${line.length} cells, row 0 has ${this.cols}`);
      }
      for (let c = 0; c < line.length; c++) {
        const ch = line[c];
        if (!(ch in codes)) throw new Error(`${id}: parameter "map": unknown cell ${JSON.stringify(ch)} at row ${r}, column ${c}`);
        this.grid[r * this.cols + c] = codes[ch];
        if (ch in found) found[ch].push({ r, c });
      }
    });
    for (const [ch, what] of [['K', 'key'], ['D', 'door'], ['G', 'goal']] as const) {
      if (found[ch].length !== 1) throw new Error(`${id}: parameter "map" must contain exactly one '${ch}' (${what}), found ${found[ch].length}`);
    }
    if (found.A.length > 1) throw new Error(`${id}: parameter "map" must contain at most one 'A', found ${found.A.length}`);
    this.key = found.K[0];
    this.door = found.D[0];
    this.goal = found.G[0];
    const firstFloor = this.grid.indexOf(FLOOR);
    if (found.A.length === 0 && firstFloor < 0) throw new Error(`${id}: parameter "map" has no floor cell to start on`);
    this.start = found.A[0] ?? { r: Math.floor(firstFloor / this.cols), c: firstFloor % this.cols };

    this.interact = boolParam(id, p, 'interact', false);
    this.randomStart = boolParam(id, p, 'randomStart', false);
    this.stepPenalty = numParam(id, p, 'stepPenalty', 0, 0, 1);
    this.viewRadius = intParam(id, p, 'viewRadius', 0, 0, 5);
    this.maxEpisodeSteps = intParam(id, p, 'maxEpisodeSteps', 4 * this.rows * this.cols, 1);

    this.distKey = this.bfs(this.key);
    this.distDoor = this.bfs(this.door);
    this.distGoal = this.bfs(this.goal);
    this.optimal = this.solve();
    if (this.optimalFrom(this.start.r, this.start.c, false, false) < 0) {
      throw new Error(`${id}: parameter "map" is not solvable from the start (key, door and goal must be reachable in order)`);
    }
    // Start cells: floor reachable from the start with the door locked (the start room).
    this.startCells = [];
    const seen = new Uint8Array(this.rows * this.cols);
    const queue = [this.start];
    seen[this.idx(this.start.r, this.start.c)] = 1;
    while (queue.length) {
      const cur = queue.shift()!;
      if (this.cell(cur.r, cur.c) === FLOOR) this.startCells.push(cur);
      for (const [dr, dc] of MOVES) {
        const nr = cur.r + dr;
        const nc = cur.c + dc;
        const t = this.cell(nr, nc);
        if (t === WALL || t === DOOR || t === GOAL || seen[this.idx(nr, nc)]) continue;
        seen[this.idx(nr, nc)] = 1;
        queue.push({ r: nr, c: nc });
      }
    }

    const dim = 4 + this.viewCells() * CHANNELS;
    this.observationSpace = { type: 'box', shape: [dim], low: new Array(dim).fill(0), high: new Array(dim).fill(1) };
    this.actionSpace = { type: 'discrete', n: this.interact ? 6 : 4 };
  }

  reset(seed?: number) {
    if (seed !== undefined) this.rng = new Rng(seed);
    const s = this.randomStart ? this.startCells[this.rng.int(this.startCells.length)] : this.start;
    this.r = s.r;
    this.c = s.c;
    this.hasKey = false;
    this.doorOpen = false;
    this.elapsed = 0;
    return { obs: this.observe(), info: this.info([]) };
  }

  step(action: number | ArrayLike<number>): StepResult {
    const a = discreteAction(this.id, action, this.interact ? 6 : 4);
    const next = this.transition(this.r, this.c, this.hasKey, this.doorOpen, a);
    this.r = next.r;
    this.c = next.c;
    this.hasKey = next.hasKey;
    this.doorOpen = next.doorOpen;
    this.elapsed++;
    const terminated = next.events.includes('goal_reached');
    const reward = (terminated ? 1 : 0) - this.stepPenalty;
    const truncated = this.elapsed >= this.maxEpisodeSteps;
    return { obs: this.observe(), reward, terminated, truncated, info: this.info(next.events) };
  }

  getState(): number[] {
    return [this.r, this.c, this.hasKey ? 1 : 0, this.doorOpen ? 1 : 0];
  }

  setState(state: readonly number[], elapsed = 0): void {
    checkState(this.id, state, 4);
    const [r, c, k, d] = state;
    if (!Number.isInteger(r) || !Number.isInteger(c) || this.cell(r, c) === WALL) {
      throw new Error(`${this.id}: state position (${r}, ${c}) is not a free cell of the map`);
    }
    if ((k !== 0 && k !== 1) || (d !== 0 && d !== 1)) throw new Error(`${this.id}: state hasKey/doorOpen must be 0 or 1`);
    if (this.cell(r, c) === DOOR && d === 0) throw new Error(`${this.id}: the agent cannot stand in a locked door`);
    this.r = r;
    this.c = c;
    this.hasKey = k === 1;
    this.doorOpen = d === 1;
    this.elapsed = elapsed;
  }

  /** The map with the agent drawn as '@' (key and door drawn as they currently are), for logs and debugging. */
  render(): string {
    const out: string[] = [];
    for (let r = 0; r < this.rows; r++) {
      let line = '';
      for (let c = 0; c < this.cols; c++) {
        const t = this.cell(r, c);
        if (r === this.r && c === this.c) line += '@';
        else if (t === KEY) line += this.hasKey ? '.' : 'K';
        else if (t === DOOR) line += this.doorOpen ? '/' : 'D';
        else line += t === WALL ? '#' : t === GOAL ? 'G' : '.';
      }
      out.push(line);
    }
    return out.join('\n');
  }

  private idx(r: number, c: number): number {
    return r * this.cols + c;
  }

  private cell(r: number, c: number): number {
    if (r < 0 || c < 0 || r >= this.rows || c >= this.cols) return WALL;
    return this.grid[this.idx(r, c)];
  }

  /** The deterministic dynamics, shared by `step` and the planner behind `optimalStepsLeft`. */
  private transition(r: number, c: number, hasKey: boolean, doorOpen: boolean, a: number) {
    const events: string[] = [];
    if (a < 4) {
      const nr = r + MOVES[a][0];
      const nc = c + MOVES[a][1];
      const t = this.cell(nr, nc);
      if (t === DOOR && !doorOpen) {
        if (!this.interact && hasKey) {
          doorOpen = true;
          events.push('door_opened');
        }
      } else if (t !== WALL) {
        r = nr;
        c = nc;
        if (t === KEY && !hasKey && !this.interact) {
          hasKey = true;
          events.push('key_picked');
        }
        if (t === GOAL) events.push('goal_reached');
      }
    } else if (a === 4) {
      if (this.cell(r, c) === KEY && !hasKey) {
        hasKey = true;
        events.push('key_picked');
      }
    } else if (hasKey && !doorOpen && Math.abs(r - this.door.r) + Math.abs(c - this.door.c) === 1) {
      doorOpen = true;
      events.push('door_opened');
    }
    return { r, c, hasKey, doorOpen, events };
  }

  /** Moves from every cell to `target`, walls blocking and the door passable; -1 if unreachable. */
  private bfs(target: Cell): Int32Array {
    const dist = new Int32Array(this.rows * this.cols).fill(-1);
    dist[this.idx(target.r, target.c)] = 0;
    const queue = [target];
    for (let q = 0; q < queue.length; q++) {
      const cur = queue[q];
      for (const [dr, dc] of MOVES) {
        const nr = cur.r + dr;
        const nc = cur.c + dc;
        if (this.cell(nr, nc) === WALL || dist[this.idx(nr, nc)] >= 0) continue;
        dist[this.idx(nr, nc)] = dist[this.idx(cur.r, cur.c)] + 1;
        queue.push({ r: nr, c: nc });
      }
    }
    return dist;
  }

  /** Fewest steps to the goal over the full (cell, hasKey, doorOpen) space: BFS on the reversed transition graph. */
  private solve(): Int32Array {
    const total = this.rows * this.cols * 4;
    const best = new Int32Array(total).fill(-1);
    const nActions = this.interact ? 6 : 4;
    const sid = (r: number, c: number, k: boolean, d: boolean) => this.idx(r, c) * 4 + (k ? 2 : 0) + (d ? 1 : 0);
    const preds: number[][] = Array.from({ length: total }, () => []);
    const queue: number[] = [];
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const t = this.cell(r, c);
        if (t === WALL || t === GOAL) continue;
        for (let m = 0; m < 4; m++) {
          const s = sid(r, c, (m & 2) !== 0, (m & 1) !== 0);
          for (let a = 0; a < nActions; a++) {
            const nx = this.transition(r, c, (m & 2) !== 0, (m & 1) !== 0, a);
            if (nx.events.includes('goal_reached')) {
              if (best[s] < 0) {
                best[s] = 1;
                queue.push(s);
              }
            } else preds[sid(nx.r, nx.c, nx.hasKey, nx.doorOpen)].push(s);
          }
        }
      }
    }
    for (let q = 0; q < queue.length; q++) {
      for (const p of preds[queue[q]]) {
        if (best[p] >= 0) continue;
        best[p] = best[queue[q]] + 1;
        queue.push(p);
      }
    }
    return best;
  }

  private optimalFrom(r: number, c: number, k: boolean, d: boolean): number {
    if (this.cell(r, c) === GOAL) return 0;
    return this.optimal[this.idx(r, c) * 4 + (k ? 2 : 0) + (d ? 1 : 0)];
  }

  private info(events: string[]): StepInfo {
    const i = this.idx(this.r, this.c);
    return {
      events,
      hasKey: this.hasKey,
      doorOpen: this.doorOpen,
      agentPos: [this.r, this.c],
      stage: !this.hasKey ? 0 : !this.doorOpen ? 1 : 2,
      distanceToKey: this.hasKey ? 0 : this.distKey[i],
      distanceToDoor: this.doorOpen ? 0 : this.distDoor[i],
      distanceToGoal: this.distGoal[i],
      optimalStepsLeft: this.optimalFrom(this.r, this.c, this.hasKey, this.doorOpen),
    };
  }

  /** Radius 0 means no view at all (not a 1×1 window), to keep the default observation minimal. */
  private viewCells(): number {
    const side = 2 * this.viewRadius + 1;
    return this.viewRadius > 0 ? side * side : 0;
  }

  private observe(): Float64Array {
    const R = this.viewRadius;
    const obs = new Float64Array(4 + this.viewCells() * CHANNELS);
    obs[0] = this.rows > 1 ? this.r / (this.rows - 1) : 0;
    obs[1] = this.cols > 1 ? this.c / (this.cols - 1) : 0;
    obs[2] = this.hasKey ? 1 : 0;
    obs[3] = this.doorOpen ? 1 : 0;
    if (R === 0) return obs;
    let o = 4;
    for (let dr = -R; dr <= R; dr++) {
      for (let dc = -R; dc <= R; dc++, o += CHANNELS) {
        const t = this.cell(this.r + dr, this.c + dc);
        if (t === WALL) obs[o] = 1;
        else if (t === KEY && !this.hasKey) obs[o + 1] = 1;
        else if (t === DOOR) obs[o + (this.doorOpen ? 3 : 2)] = 1;
        else if (t === GOAL) obs[o + 4] = 1;
      }
    }
    return obs;
  }
}
