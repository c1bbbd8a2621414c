// A small argv parser: flags declared per command, so an unknown flag is an error that names it.
export class UsageError extends Error {}

export interface FlagSpec {
  [name: string]: 'string' | 'boolean' | 'number' | 'multi';
}

export interface Parsed {
  positional: string[];
  flags: Record<string, string | boolean | number | string[] | undefined>;
}

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const positional: string[] = [];
  const flags: Parsed['flags'] = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    let [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      flags[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got ${JSON.stringify(value)}`);
      flags[name] = n;
    } else if (kind === 'multi') {
      ((flags[name] as string[] | undefined) ?? (flags[name] = [])) as string[];
      (flags[name] as string[]).push(value);
    } else flags[name] = value;
  }
  return { positional, flags };
}
