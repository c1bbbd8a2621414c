// One error type for everything that can go wrong with a run's reward, so the runner can fail the run
// with a message that names the file, line and column and the episode/step, and keep the others going.

export type RewardErrorKind =
  | 'config' // a pipeline entry that validated but cannot run (e.g. a missing user `potential` export)
  | 'compile' // TypeScript/JavaScript syntax error in the user's module
  | 'import' // the user's module tried to import something
  | 'throw' // user code threw
  | 'non-finite' // user code returned NaN or ±Infinity
  | 'wrong-type' // user code returned something that is not a number
  | 'timeout' // one call ran longer than the limit
  | 'memory' // the code held more memory than reward.memoryLimitMb
  | 'missing-field'; // a built-in potential names an info/obs field the env did not provide

export interface RewardErrorDetails {
  kind: RewardErrorKind;
  filename?: string;
  line?: number;
  column?: number;
  episode?: number;
  step?: number;
}

export class RewardError extends Error {
  readonly kind: RewardErrorKind;
  readonly filename?: string;
  readonly line?: number;
  readonly column?: number;
  readonly episode?: number;
  readonly step?: number;
  /** The message without the location prefix and episode/step suffix. */
  readonly detail: string;
  constructor(detail: string, d: RewardErrorDetails) {
    super(formatRewardError(detail, d));
    this.name = 'RewardError';
    this.detail = detail;
    this.kind = d.kind;
    this.filename = d.filename;
    this.line = d.line;
    this.column = d.column;
    this.episode = d.episode;
    this.step = d.step;
  }
  /** The same error at a known episode/step (the pipeline knows them; the sandbox may not). */
  at(episode: number, step: number): RewardError {
    if (this.episode !== undefined) return this;
    return new RewardError(this.detail, { ...this.details(), episode, step });
  }
  details(): RewardErrorDetails {
    return { kind: this.kind, filename: this.filename, line: this.line, column: this.column, episode: this.episode, step: this.step };
  }
}

export function formatRewardError(detail: string, d: RewardErrorDetails): string {
  let where = d.filename ?? '';
  if (where && d.line !== undefined) where += `:${d.line}` + (d.column !== undefined ? `:${d.column}` : '');
  const when = d.episode !== undefined ? ` (episode ${d.episode}, step ${d.step ?? '?'})` : '';
  return `${where ? where + ': ' : ''}${detail}${when}`;
}
