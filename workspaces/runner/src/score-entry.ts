// The scoring worker: one request at a time, answered by message; the host terminates it on a timeout.
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_MEMORY_LIMIT_MB, prepareSandbox } from '@creditlab/rewards/sandbox';
import type { EpisodeRecord, RewardDraft } from '@creditlab/api';
import { scoreEpisode } from './score-episode';

parentPort!.on('message', (req: { id: number; draft: RewardDraft; episode: EpisodeRecord }) => {
  // Loads the QuickJS engine when it is the one in use, and the draft's own instance with its memory
  // limit; should that fail, the draft's compile says so.
  void prepareSandbox(undefined, { memoryLimitMb: req.draft.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB })
    .catch(() => {})
    .then(() => parentPort!.postMessage({ id: req.id, result: scoreEpisode(req.draft, req.episode, (workerData as { watchdog: SharedArrayBuffer }).watchdog) }));
});
