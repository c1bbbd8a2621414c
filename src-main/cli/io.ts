// Every CLI command has this shape, so commands can be tested without a process.
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  /** True when stdout is a terminal (live progress bars); false in tests and pipes. */
  isTTY: boolean;
}

export type Command = (argv: string[], io: CliIO) => Promise<number>;

export const processIO: CliIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  isTTY: Boolean(process.stdout.isTTY),
};

/** Exit codes: 0 ok, 1 a run failed / check failed, 2 bad input (spec or arguments). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
