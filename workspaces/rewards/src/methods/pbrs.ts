// Potential-based reward shaping.
// Paper: "Policy Invariance Under Reward Transformations: Theory and Application to Reward Shaping",
// A. Y. Ng, D. Harada, S. Russell, ICML 1999 (not on arXiv). docs/methods.md §6.
// F(s, a, s') = γΦ(s') − Φ(s) with Φ(absorbing terminal) = 0 keeps every optimal policy, provided γ is
// the agent's own discount: that is why γ defaults to the algorithm's.
import type { StepInfo } from '@creditlab/envs/types';
import { RewardError } from '../errors';
import { defineShaping } from '../method';
import { potentialSchema, type PotentialTerm } from '@creditlab/spec';

/** One shaping step. On termination s' is absorbing, so its potential counts as 0; on truncation it is not. */
export function pbrsTerm(phiS: number, phiNext: number, gamma: number, terminated: boolean): number {
  return gamma * (terminated ? 0 : phiNext) - phiS;
}

/**
 * Shaping terms along one trajectory from the potentials of its states s_0..s_T (length T+1).
 * `terminated` says whether s_T is terminal (then Φ(s_T) is taken as 0). Returns F_0..F_{T-1}.
 */
export function pbrsShaping(phis: readonly number[], gamma: number, terminated: boolean): number[] {
  const out: number[] = [];
  for (let t = 0; t + 1 < phis.length; t++) out.push(pbrsTerm(phis[t], phis[t + 1], gamma, terminated && t + 2 === phis.length));
  return out;
}

export type { PotentialTerm };

/** Φ(s) = Σ weight × value(field): a built-in potential needing no code (e.g. KeyDoor: −0.1 × distance + 1 × hasKey). */
export function linearPotential(terms: readonly PotentialTerm[], obs: ArrayLike<number>, info: StepInfo): number {
  let phi = 0;
  for (const term of terms) phi += term.weight * fieldValue(term.field, obs, info);
  return phi;
}

const OBS_FIELD = /^obs\[(\d+)\]$/;

export function fieldValue(field: string, obs: ArrayLike<number>, info: StepInfo): number {
  const m = OBS_FIELD.exec(field);
  let v: unknown;
  if (m) v = Number(m[1]) < obs.length ? obs[Number(m[1])] : undefined;
  else {
    v = info;
    for (const key of field.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const known = m ? `the observation has ${obs.length} entries` : `info has ${Object.keys(info).map((k) => JSON.stringify(k)).join(', ') || 'no fields'}`;
  throw new RewardError(`potential field "${field}" is ${v === undefined ? 'missing' : `not a finite number (${String(v)})`}; ${known}`, { kind: 'missing-field' });
}

export const potentialShaping = defineShaping({
  type: 'potential',
  title: 'Potential-based shaping',
  paper: 'Ng, Harada & Russell, "Policy Invariance Under Reward Transformations: Theory and Application to Reward Shaping", ICML 1999',
  doc:
    'Adds F = γΦ(s′) − Φ(s), with Φ = 0 at terminal states, which leaves the optimal policy unchanged. ' +
    'Φ is either a weighted sum of info/observation fields ("terms") or, without terms, the `potential(obs, info)` export of your reward module. ' +
    'Keep γ equal to the algorithm\'s discount (the default).',
  template: 'shaping/potential',
  schema: potentialSchema,
  create(p, ctx) {
    const gamma = p.gamma ?? ctx.gamma;
    const user = ctx.user;
    if (!p.terms && !user?.hasPotential) {
      throw new RewardError(
        `shaping "${ctx.name}" has no "terms" and ${user ? `${user.filename} does not export a potential(obs, info) function` : 'the run has no reward code'}`,
        { kind: 'config', filename: user?.filename },
      );
    }
    const phi = (obs: ArrayLike<number>, info: StepInfo, episode: number, step: number) =>
      p.terms ? linearPotential(p.terms, obs, info) : user!.potential(obs, info, { copy: ctx.copy, episode, step });
    let phiS: number | null = null;
    return {
      startEpisode(first, episode) {
        phiS = first ? phi(first.obs, first.info, episode, 0) : null;
      },
      step(s) {
        if (phiS === null) {
          if (s.t !== 0) throw new RewardError('potential shaping lost track of the episode start', { kind: 'config' });
          // Without the reset info, Φ(s_0) can only come from the observation; an info-field potential
          // then fails loudly instead of guessing, see the pipeline's startEpisode.
          phiS = phi(s.obs, {}, s.episode, 0);
        }
        const done = s.terminated || s.truncated;
        const phiNext = s.terminated ? 0 : phi(s.nextObs, s.info, s.episode, s.t + 1);
        const f = pbrsTerm(phiS, phiNext, gamma, s.terminated);
        phiS = done ? null : phiNext;
        return f;
      },
      saveState: () => phiS,
      loadState(s) {
        phiS = s as number | null;
      },
    };
  },
});
