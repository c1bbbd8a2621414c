// The one message protocol between the comparison and its statistics worker. Every job has an id chosen
// by the client; the worker answers each id exactly once: with a result, an error, or "cancelled".
import type { StatsRequest, StatsResult } from './comparison-stats';

export type ToStatsWorker = { type: 'compute'; id: number; request: StatsRequest } | { type: 'cancel'; id: number };

export type FromStatsWorker =
  | { type: 'result'; id: number; result: StatsResult }
  | { type: 'error'; id: number; message: string }
  | { type: 'cancelled'; id: number };
