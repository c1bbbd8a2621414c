export * from './protocol';
export * from './executor';
export * from './local-pool';
export { executeRun } from './execute';
export * from './slurm/index';
export { ScoreService } from './score-service';
export { scoreEpisode } from './score-episode';
export { readResumeCheckpoint, writeFileDurably, RESUME_FILE, ENVIRONMENT_FILE } from './execute';
export { whyNotResumable } from './resume-support';
