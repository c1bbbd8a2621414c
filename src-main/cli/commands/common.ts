// Helpers shared by the CLI commands.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { applySet, SpecValidationError } from '@creditlab/spec';
import { UsageError } from '../args';
import type { CliIO } from '../io';
import { locateJsonError } from './json-error';

/** Reads a spec file and applies `--set` overrides; JSON syntax errors name the line and column. */
export function loadSpec(file: string, sets: string[] = []): { spec: unknown; specDir: string } {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text);
    const where = at ? ` at line ${at.line}, column ${at.column}` : '';
    throw new SpecValidationError([{ path: '', message: `${file} is not valid JSON${where}: ${(e as Error).message}` }]);
  }
  for (const s of sets) spec = applySet(spec, s);
  return { spec, specDir: dirname(path) };
}

export function printSpecErrors(io: CliIO, e: SpecValidationError, file?: string): void {
  io.err(`invalid spec${file ? ` ${file}` : ''}:`);
  for (const err of e.errors) io.err(`  ${err.path ? err.path + ': ' : ''}${err.message}`);
}

export function fmtDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

export function fmtNum(v: number | undefined): string {
  if (v === undefined) return '-';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : String(Math.round(v * 1000) / 1000);
}

/** An id prefix or experiment name → the experiment or run it names; prints why not and returns null. */
export function resolveRef(store: { resolveId(id: string): { kind: 'experiment' | 'run'; id: string } }, id: string, io: CliIO) {
  try {
    return store.resolveId(id);
  } catch (e) {
    io.err((e as Error).message);
    return null;
  }
}
