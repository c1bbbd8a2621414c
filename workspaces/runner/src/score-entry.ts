// The scoring worker: one request at a time, answered by message; the host terminates it on a timeout.
import { parentPort, workerData } from 'node:worker_threads';
import { prepareSandbox } from '@creditlab/rewards/sandbox';
import { scoreEpisode } from './score-episode';

parentPort!.on('message', (req: { id: number; draft: never; episode: never }) => {
  // Loads the QuickJS engine when it is the one in use (a no-op after the first time); should that fail,
  // the draft's compile says so.
  void prepareSandbox()
    .catch(() => {})
    .then(() => parentPort!.postMessage({ id: req.id, result: scoreEpisode(req.draft, req.episode, (workerData as { watchdog: SharedArrayBuffer }).watchdog) }));
});
