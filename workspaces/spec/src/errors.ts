// Validation errors that name the JSON path and the expectation, e.g.
// `arms[2].reward.transforms[0].eta: expected a number >= 0, got "x"`.
import type { z } from 'zod';

export interface SpecError {
  path: string;
  message: string;
}

export class SpecValidationError extends Error {
  constructor(readonly errors: SpecError[]) {
    super(errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('\n'));
    this.name = 'SpecValidationError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  const got = describe(valueAt(input, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(issue.expected)}, got ${got}`;
    case 'too_small': {
      const op = issue.inclusive === false ? '>' : '>=';
      if (issue.origin === 'array') return `expected at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return `expected a non-empty string`;
      return `expected a number ${op} ${issue.minimum}, got ${got}`;
    }
    case 'too_big': {
      const op = issue.inclusive === false ? '<' : '<=';
      if (issue.origin === 'array') return `expected at most ${issue.maximum} item(s)`;
      return `expected a number ${op} ${issue.maximum}, got ${got}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_union':
      if ('note' in issue && issue.note === 'No matching discriminator') return `unknown value ${got}`;
      return `does not match any allowed form (got ${got})`;
    case 'invalid_format':
      // A schema's own wording ("letters, digits, …", "expected HH:MM:SS") says more than "regex format".
      if (!/^Invalid/.test(issue.message)) return `${issue.message}, got ${got}`;
      return `expected ${issue.format} format, got ${got}`;
    default:
      return issue.message;
  }
}

export function toSpecErrors(error: z.ZodError, input: unknown, prefix: readonly PropertyKey[] = []): SpecError[] {
  return error.issues.map((issue) => {
    let path = issue.path;
    // Unknown keys are reported at their parent; name them in the path instead.
    if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) path = [...path, issue.keys[0]];
    const message = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? 'unknown field' : issueMessage(issue, input);
    return { path: formatPath([...prefix, ...path]), message };
  });
}
