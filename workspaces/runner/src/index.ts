export * from './protocol';
export * from './executor';
export * from './local-pool';
export { executeRun } from './execute';
export * from './slurm/index';
