// @creditlab/stats: honest comparison of runs (arms × seeds) after Agarwal et al., "Deep Reinforcement
// Learning at the Edge of the Statistical Precipice", NeurIPS 2021, arXiv:2108.13264. Pure TypeScript, no
// DOM or Node APIs, shared by the CLI and the renderer.
export * from './types';
export * from './errors';
export * from './series';
export * from './aggregate';
export * from './bootstrap';
export * from './improvement';
export * from './profile';
export * from './smooth';
export * from './curves';
export * from './hacking';
export * from './distributions';
export * from './paired';
export * from './arm-intervals';
export * from './interval-notes';
