// Subgoal bonus on named subgoal events, and its potential-based once-per-subgoal form.
// Paper: "Assessing the Zero-Shot Capabilities of LLMs for Action Evaluation in RL" (CALM),
// E. Pignatelli et al., 2024, arXiv:2409.12798. docs/methods.md §7.
// CALM's LLM judge is replaced here by the env's own subgoal events (info.events); the bonus size and the
// once-per-subgoal rule are not given by the paper (UNVERIFIED there), so both are parameters.
import { defineShaping } from '../method';
import { subgoalSchema, subgoalPotentialSchema } from '@creditlab/spec';
import { pbrsTerm } from './pbrs';

export type SubgoalMode = 'every' | 'once';

export interface SubgoalOptions {
  /** Event names that count; undefined: every event. */
  subgoals?: readonly string[];
  bonus: number;
  mode: SubgoalMode;
}

/**
 * Bonus per step of one episode from that step's events. "every": λ for each counted event on the step it
 * fires; "once": λ only the first time each distinct subgoal fires in the episode.
 */
export function subgoalBonus(events: readonly (readonly string[] | undefined)[], opts: SubgoalOptions): number[] {
  const b = subgoalCounter(opts);
  return events.map((ev) => b(ev ?? []));
}

/** Counts an episode's subgoal events; `seen` (the subgoals already paid in mode "once") is its state. */
function subgoalCounter(opts: SubgoalOptions): ((events: readonly string[]) => number) & { seen: Set<string> } {
  const allowed = opts.subgoals ? new Set(opts.subgoals) : null;
  const seen = new Set<string>();
  return Object.assign((events: readonly string[]) => {
    let n = 0;
    for (const e of events) {
      if (allowed && !allowed.has(e)) continue;
      if (opts.mode === 'once') {
        if (seen.has(e)) continue;
        seen.add(e);
      }
      n++;
    }
    return n * opts.bonus;
  }, { seen });
}

/**
 * PBRS with Φ(s) = λ × (number of distinct subgoals reached so far in the episode), docs/methods.md §7.
 * With γ = 1 it pays λ when a new subgoal is reached, like mode "once"; at termination Φ drops to 0,
 * so the bonus is handed back and the shaped return equals the task return: policy-invariant.
 * `terminated` says whether the episode's last step ends in a terminal state.
 */
export function subgoalPotentialShaping(
  events: readonly (readonly string[] | undefined)[],
  opts: { subgoals?: readonly string[]; bonus: number; gamma: number; terminated: boolean },
): number[] {
  const count = subgoalCounter({ subgoals: opts.subgoals, bonus: 1, mode: 'once' });
  let reached = 0;
  return events.map((ev, t) => {
    const before = reached;
    reached += count(ev ?? []);
    return pbrsTerm(opts.bonus * before, opts.bonus * reached, opts.gamma, opts.terminated && t === events.length - 1);
  });
}

export const subgoalShaping = defineShaping({
  type: 'subgoal',
  title: 'Subgoal bonus (CALM)',
  paper: 'Pignatelli et al., "Assessing the Zero-Shot Capabilities of LLMs for Action Evaluation in RL" (CALM), arXiv:2409.12798',
  doc:
    'Adds λ on the step a subgoal event fires (info.events, e.g. key_picked). Mode "once" (default) pays each subgoal once per episode, ' +
    '"every" pays every time it fires. Not potential-based: it can change the optimal policy (use "subgoal-potential" for the invariant form).',
  template: 'shaping/subgoal',
  schema: subgoalSchema,
  create(p) {
    let counter = subgoalCounter(p);
    return {
      startEpisode() {
        counter = subgoalCounter(p);
      },
      step(s) {
        if (s.t === 0) counter = subgoalCounter(p);
        return counter(s.events);
      },
      saveState: () => [...counter.seen],
      loadState(s) {
        counter = subgoalCounter(p);
        for (const e of s as string[]) counter.seen.add(e);
      },
    };
  },
});

export const subgoalPotential = defineShaping({
  type: 'subgoal-potential',
  title: 'Subgoal potential (once per subgoal, policy-invariant)',
  paper: 'Pignatelli et al. (CALM), arXiv:2409.12798, in the potential-based form of Ng et al. 1999 (docs/methods.md §7)',
  doc:
    'Potential-based shaping with Φ = λ × (distinct subgoals reached this episode). With γ = 1 it pays λ on each new subgoal, ' +
    'like "subgoal" in mode "once", and takes the bonus back when the episode terminates, so the optimal policy is unchanged.',
  template: 'shaping/subgoal',
  schema: subgoalPotentialSchema,
  create(p) {
    let count = subgoalCounter({ subgoals: p.subgoals, bonus: 1, mode: 'once' });
    let reached = 0;
    const reset = () => {
      count = subgoalCounter({ subgoals: p.subgoals, bonus: 1, mode: 'once' });
      reached = 0;
    };
    return {
      startEpisode: reset,
      step(s) {
        if (s.t === 0) reset();
        const before = reached;
        reached += count(s.events);
        return pbrsTerm(p.bonus * before, p.bonus * reached, p.gamma, s.terminated);
      },
      saveState: () => ({ seen: [...count.seen], reached }),
      loadState(s) {
        const st = s as { seen: string[]; reached: number };
        reset();
        for (const e of st.seen) count.seen.add(e);
        reached = st.reached;
      },
    };
  },
});
