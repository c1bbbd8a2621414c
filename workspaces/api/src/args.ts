// Argument schemas of every API method. Both transports (web host, Electron IPC) check arguments
// with these before anything touches the store or the runner.
import { z } from 'zod';
import type { ApiMethod } from './index';

const id = z.string().min(1).max(200).regex(/^[\w.\-]+$/, 'expected an id');
const specLike = z.unknown().refine((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'expected a spec object');
const startOpts = z.object({ workers: z.number().int().positive().max(256).optional(), executor: z.enum(['local', 'slurm']).optional() }).strict().optional();

const importRequest = z
  .object({
    kind: z.enum(['tensorboard', 'csv']),
    path: z.string().min(1).max(4096),
    group: z.string().max(1000).optional(),
    name: z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters').optional(),
  })
  .strict();

// A recorded episode as runs record it (see EpisodeRecord). The scoring worker turns each vector into a
// Float64Array: `{"length": 4e8}` would have been 3.2 GB there, and a string or null a silent NaN or 0.
const vector = z.array(z.number().finite()).max(100_000);
const episodeStep = z.object({
  obs: vector,
  action: z.union([z.number().finite(), vector]),
  nextObs: vector,
  envReward: z.number().finite(),
  terminated: z.boolean(),
  truncated: z.boolean(),
  info: z.record(z.string(), z.unknown()),
});

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
  resume: z.tuple([id]),
  setRunMeta: z.tuple([id, z.object({ tags: z.array(z.string().max(100)).max(50).optional(), notes: z.string().max(100_000).optional() }).strict()]),
  getSeries: z.tuple([id, z.string().min(1).max(300), z.number().optional()]),
  getSamples: z.tuple([id, z.string().max(100).optional(), z.number().int().positive().max(10_000).optional()]),
  exportExperiment: z.tuple([id, z.enum(['csv', 'json'])]),
  scoreEpisode: z.tuple([
    z
      .object({
        code: z.string().max(200_000).optional(),
        filename: z.string().max(200).optional(),
        combine: z.enum(['add', 'replace']).optional(),
        shaping: z.array(z.unknown()).max(50).optional(),
        transforms: z.array(z.unknown()).max(50).optional(),
        timeoutMs: z.number().int().positive().max(10_000).optional(),
        memoryLimitMb: z.number().int().min(16).max(4096).optional(),
      })
      .strict(),
    z.object({ env: z.string().max(100), envParams: z.record(z.string(), z.unknown()), steps: z.array(episodeStep).max(100_000), resetInfo: z.record(z.string(), z.unknown()), envReturn: z.number() }).passthrough(),
  ]),
  listRewardVersions: z.tuple([z.string().max(100).optional()]),
  saveRewardVersion: z.tuple([z.string().min(1).max(100).regex(/^[\w.\- ]+$/, 'letters, digits, space and _ . - only'), z.string().max(200_000), z.string().max(10_000).optional()]),
  previewImport: z.tuple([importRequest]),
  importRuns: z.tuple([importRequest]),
} as Record<ApiMethod, z.ZodType<unknown[]>>;
