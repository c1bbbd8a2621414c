// The comparison's statistics worker: bootstrap bands and score tables, off the UI thread.
import { createStatsService } from './stats-service';
import type { FromStatsWorker, ToStatsWorker } from './stats-protocol';

const scope = self as unknown as { postMessage(msg: FromStatsWorker): void; onmessage: ((e: MessageEvent<ToStatsWorker>) => void) | null };
const handle = createStatsService((msg) => scope.postMessage(msg));
scope.onmessage = (e) => handle(e.data);
