// @creditlab/rewards: reward methods (pure functions + registry), the reward pipeline, the user-code API.
// DOM-safe: the renderer imports schemas and docs from here. The Node-only sandbox is
// '@creditlab/rewards/sandbox'.
export * from './errors';
export * from './method';
export * from './methods/index';
export * from './registry';
export * from './pipeline';
export * from './api-dts';
