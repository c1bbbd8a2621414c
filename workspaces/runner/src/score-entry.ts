// The scoring worker: one request at a time, answered by message; the host terminates it on a timeout.
import { parentPort, workerData } from 'node:worker_threads';
import { scoreEpisode } from './score-episode';

parentPort!.on('message', (req: { id: number; draft: never; episode: never }) => {
  parentPort!.postMessage({ id: req.id, result: scoreEpisode(req.draft, req.episode, (workerData as { watchdog: SharedArrayBuffer }).watchdog) });
});
