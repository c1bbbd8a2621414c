// `<workspace>/config.json`: per-workspace defaults, so a cluster user sets the Slurm partition and
// account once rather than in every spec. Precedence: command-line flags, then the spec, then this file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ExecutorSchema, SpecValidationError, toSpecErrors } from '@creditlab/spec';
import { defaultWorkspace } from '@creditlab/store';

export const WorkspaceConfigSchema = z.object({ executor: ExecutorSchema.optional() }).strict();
export type WorkspaceConfig = z.infer<typeof WorkspaceConfigSchema>;

export function readWorkspaceConfig(workspace = defaultWorkspace()): WorkspaceConfig {
  const file = join(workspace, 'config.json');
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SpecValidationError([{ path: '', message: `${file} is not valid JSON: ${(e as Error).message}` }]);
  }
  const r = WorkspaceConfigSchema.safeParse(raw);
  if (!r.success) throw new SpecValidationError(toSpecErrors(r.error, raw).map((e) => ({ ...e, path: `${file}: ${e.path}` })));
  return r.data;
}
