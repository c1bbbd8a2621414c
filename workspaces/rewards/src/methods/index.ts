// The method registry. Adding a method: a file in this folder and one line in a list below.
import { potentialShaping } from './pbrs';
import { subgoalShaping, subgoalPotential } from './subgoal';
import { countShaping } from './count';
import { processClipTransform, processDeltaTransform, processClipDeltaTransform } from './process';
import { lscTransform, lscAndTransform } from './lsc';
import { scaleTransform } from './scale';
import { clipTransform } from './clip';
import { normalizeTransform } from './normalize';

export const SHAPING_METHODS = [potentialShaping, subgoalShaping, subgoalPotential, countShaping] as const;
export const TRANSFORM_METHODS = [
  scaleTransform,
  clipTransform,
  normalizeTransform,
  lscTransform,
  lscAndTransform,
  processClipTransform,
  processDeltaTransform,
  processClipDeltaTransform,
] as const;

export * from './pbrs';
export * from './subgoal';
export * from './count';
export * from './process';
export * from './lsc';
export * from './scale';
export * from './clip';
export * from './normalize';
