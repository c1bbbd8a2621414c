// Argument schemas of every API method. Both transports (web host, Electron IPC) check arguments
// with these before anything touches the store or the runner.
import { z } from 'zod';
import type { ApiMethod } from './index';

const id = z.string().min(1).max(200).regex(/^[\w.\-]+$/, 'expected an id');
const specLike = z.unknown().refine((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'expected a spec object');
const startOpts = z.object({ workers: z.number().int().positive().max(256).optional(), executor: z.enum(['local', 'slurm']).optional() }).strict().optional();

export const API_ARGS: Record<ApiMethod, z.ZodType<unknown[]>> = {
  doctor: z.tuple([]),
  listPresets: z.tuple([]),
  editorSupport: z.tuple([]),
  validateSpec: z.tuple([z.unknown()]),
  startExperiment: z.tuple([specLike, startOpts]),
  listExperiments: z.tuple([]),
  getExperiment: z.tuple([id]),
  getRun: z.tuple([id]),
  cancelRun: z.tuple([id]),
  cancelExperiment: z.tuple([id]),
  rerunExperiment: z.tuple([id]),
  setRunMeta: z.tuple([id, z.object({ tags: z.array(z.string().max(100)).max(50).optional(), notes: z.string().max(100_000).optional() }).strict()]),
  getSeries: z.tuple([id, z.string().min(1).max(300)]),
  getSamples: z.tuple([id, z.string().max(100).optional(), z.number().int().positive().max(10_000).optional()]),
  exportExperiment: z.tuple([id, z.enum(['csv', 'json'])]),
} as Record<ApiMethod, z.ZodType<unknown[]>>;
