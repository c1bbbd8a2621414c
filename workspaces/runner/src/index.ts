export * from './protocol';
export * from './executor';
export * from './local-pool';
export { executeRun } from './execute';
export * from './slurm/index';
export { ScoreService } from './score-service';
export { scoreEpisode } from './score-episode';
