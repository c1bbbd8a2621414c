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

/** Longest message text kept from user code (an error's message can be hundreds of MB). */
export const MAX_DETAIL_CHARS = 2000;

/**
 * Message text from user code goes to terminals, logs and the UI: control characters (ANSI escapes that
 * rewrite the screen or set the clipboard, carriage returns that overwrite a line, newlines that fake
 * another line), line separators and bidirectional overrides are shown escaped, and the text is capped.
 */
export function printable(text: string, max = MAX_DETAIL_CHARS): string {
  const escaped = (text.length > max ? text.slice(0, max) : text).replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  // Idempotent: a capped text (max characters and the ellipsis) comes back unchanged.
  return text.length > max || escaped.length > max ? escaped.slice(0, max) + '…' : escaped;
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
  constructor(text: string, d: RewardErrorDetails) {
    const detail = printable(text);
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
  let where = d.filename ? printable(d.filename, 300) : '';
  if (where && d.line !== undefined) where += `:${d.line}` + (d.column !== undefined ? `:${d.column}` : '');
  const when = d.episode !== undefined ? ` (episode ${d.episode}, step ${d.step ?? '?'})` : '';
  return `${where ? where + ': ' : ''}${detail}${when}`;
}
