// Errors raised for bad user input (a malformed `--at`, an empty score matrix, ...), so callers such as
// the CLI can tell them apart from bugs and turn them into a usage exit code.
export class StatsInputError extends Error {
  override name = 'StatsInputError';
}
