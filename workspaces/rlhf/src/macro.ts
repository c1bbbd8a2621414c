// MA-RLHF: Reinforcement Learning from Human Feedback with Macro Actions — Chai et al., arXiv:2410.02743.
// Termination rules and GAE over macro steps as in the official code (ernie-research/MA-RLHF, read at
// 807551d; docs/methods.md §4): in every rule the final response token is split off as its own one-token macro,
// because it carries the reward-model score. Segments are arrays of token indices, covering 0..T−1 once.

export type Macro = number[];

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

function withLastSplit(bodyStarts: number[], T: number): Macro[] {
  if (T === 0) return [];
  const starts = [...new Set(bodyStarts.filter((s) => s < T - 1))].sort((a, b) => a - b);
  const out = starts.map((s, i) => range(s, i + 1 < starts.length ? starts[i + 1] : T - 1));
  out.push([T - 1]);
  return out;
}

/** Cut after every n tokens (n = 1 is token-level PPO). T = 12, n = 5 → sizes [5, 5, 1, 1]. */
export function fixedMacros(T: number, n: number): Macro[] {
  if (n < 1) throw new Error('n must be ≥ 1');
  const starts: number[] = [];
  for (let s = 0; s < T - 1; s += n) starts.push(s);
  return withLastSplit(starts, T);
}

/** A macro ends at every step delimiter (e.g. ';' and '.'): one macro per reasoning step. */
export function delimiterMacros(tokens: readonly number[], delimiters: readonly number[]): Macro[] {
  const starts = [0];
  tokens.forEach((t, i) => {
    if (delimiters.includes(t)) starts.push(i + 1);
  });
  return withLastSplit(starts, tokens.length);
}

/** A new macro starts at i whenever ppl[i+1] > ppl[i] (ppl under the reference). [3,2,4,1,5] → [0],[1,2],[3],[4]. */
export function perplexityMacros(ppl: readonly number[]): Macro[] {
  const starts = [0];
  for (let i = 0; i + 1 < ppl.length; i++) if (ppl[i + 1] > ppl[i]) starts.push(i);
  return withLastSplit(starts, ppl.length);
}

export type MacroWeighting = 'equal' | 'unit' | 'position';

function weights(size: number, w: MacroWeighting): number[] {
  if (w === 'equal') return new Array(size).fill(1 / size);
  if (w === 'unit') return range(0, size).map((i) => (i === size - 1 ? 1 : 0));
  const raw = range(0, size).map((i) => 1 / (i + 1));
  const z = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / z);
}

/**
 * GAE over macro steps: R_τ and V_τ are weighted aggregates of the token rewards and values in the macro,
 * δ_τ = R_τ + γV_{τ+1} − V_τ, A_τ = δ_τ + γλA_{τ+1}; every token of macro τ gets A_τ and return A_τ + V_τ.
 */
export function macroGae(rewards: readonly number[], values: readonly number[], macros: readonly Macro[], gamma: number, lambda: number, weighting: MacroWeighting = 'equal'): { advantages: number[]; returns: number[] } {
  const R = macros.map((m) => weights(m.length, weighting).reduce((s, w, i) => s + w * rewards[m[i]], 0));
  const V = macros.map((m) => weights(m.length, weighting).reduce((s, w, i) => s + w * values[m[i]], 0));
  const A = new Array<number>(macros.length);
  let last = 0;
  for (let t = macros.length - 1; t >= 0; t--) {
    const next = t + 1 < macros.length ? V[t + 1] : 0;
    A[t] = last = R[t] + gamma * next - V[t] + gamma * lambda * last;
  }
  const adv = new Array<number>(rewards.length).fill(0);
  const ret = new Array<number>(rewards.length).fill(0);
  macros.forEach((m, t) => m.forEach((i) => ((adv[i] = A[t]), (ret[i] = A[t] + V[t]))));
  return { advantages: adv, returns: ret };
}
