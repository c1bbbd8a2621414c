// The scoring service's own process (ScoreService with isolation 'process'): the warm scoring worker
// and its watchdog, as ScoreService runs them in-process, answering the host over IPC. Draft reward code
// that aborts V8 (an out-of-memory it cannot recover from) ends this process, not the web host or app.
import { ScoreService } from './score-service';
import type { EpisodeRecord, EpisodeScore, RewardDraft } from '@creditlab/api';

export type ToScoreProcess = { id: number; draft: RewardDraft; episode: EpisodeRecord };
export type FromScoreProcess = { id: number; result: EpisodeScore };

const service = new ScoreService({ isolation: 'thread' });
process.on('message', (m: ToScoreProcess) => {
  void service.score(m.draft, m.episode).then((result) => process.send!({ id: m.id, result } satisfies FromScoreProcess));
});
process.on('disconnect', () => process.exit(0));
