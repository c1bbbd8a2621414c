// The main-process side of the Electron transport, free of Electron imports so the contract test can
// drive it with a fake ipcMain. Requests go through the same dispatch() as the web host, so argument
// validation (API_ARGS) happens before anything reaches the store or the runner.
import { z } from 'zod';
import type { ApiEvent, CreditlabApi, RpcResponse } from '@creditlab/api';
import { toSpecErrors } from '@creditlab/spec';
import { dispatch } from '../host/dispatch';
import {
  DESKTOP_CHANNEL,
  RPC_CHANNEL,
  type CreditlabDesktopApi,
  type DesktopMethod,
  type IpcInvokeEventLike,
  type IpcMainLike,
} from './channels';

export interface BridgeOptions {
  /** Rejects invocations from frames that are not the app itself (a navigated or embedded page). */
  isTrustedSender?: (event: IpcInvokeEventLike) => boolean;
}

const untrusted = (id: number): RpcResponse => ({ id, ok: false, error: { message: 'IPC from an untrusted frame refused' } });

export function registerIpcHandlers(ipcMain: IpcMainLike, api: CreditlabApi, opts: BridgeOptions = {}): () => void {
  ipcMain.handle(RPC_CHANNEL, async (event, req: unknown): Promise<RpcResponse> => {
    const r = (req && typeof req === 'object' ? req : {}) as { id?: unknown; method?: unknown; args?: unknown };
    const id = typeof r.id === 'number' && Number.isFinite(r.id) ? r.id : 0;
    if (opts.isTrustedSender && !opts.isTrustedSender(event)) return untrusted(id);
    if (!Array.isArray(r.args)) return { id, ok: false, error: { message: 'bad request: expected {id, method, args: []}' } };
    return dispatch(api, id, r.method, r.args);
  });
  return () => ipcMain.removeHandler(RPC_CHANNEL);
}

/**
 * Forwards host events to one renderer in batches. The host already coalesces per 100 ms; this
 * second stage bounds IPC messages to one per interval however many listeners the host has.
 */
export function pumpEvents(api: Pick<CreditlabApi, 'subscribe'>, send: (batch: ApiEvent[]) => void, intervalMs = 75): () => void {
  let batch: ApiEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    if (batch.length === 0) return;
    const out = batch;
    batch = [];
    send(out);
  };
  const unsubscribe = api.subscribe((e) => {
    batch.push(e);
    timer ??= setTimeout(flush, intervalMs);
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    flush();
  };
}

// ---- desktop-only API ---------------------------------------------------------------------------

export type DesktopService = Pick<CreditlabDesktopApi, DesktopMethod>;

const id = z.string().min(1).max(200).regex(/^[\w.\-]+$/, 'expected an id');
const DESKTOP_ARGS: Record<DesktopMethod, z.ZodType<unknown[]>> = {
  saveFile: z.tuple([
    z
      .object({
        defaultName: z.string().min(1).max(255),
        content: z.string().max(256 * 1024 * 1024),
        encoding: z.enum(['utf8', 'base64']).optional(),
        filters: z
          .array(z.object({ name: z.string().max(100), extensions: z.array(z.string().regex(/^(\*|[\w-]{1,16})$/)).max(20) }).strict())
          .max(20)
          .optional(),
      })
      .strict(),
  ]),
  saveFiles: z.tuple([
    z
      .object({
        title: z.string().max(200).optional(),
        files: z
          .array(
            z
              .object({
                // A plain file name: no folder parts, so nothing can be written outside the chosen folder.
                name: z.string().min(1).max(255).regex(/^(?!\.\.?$)[^/\\\u0000-\u001f<>:"|?*]+$/, 'expected a plain file name'),
                content: z.string().max(256 * 1024 * 1024),
                encoding: z.enum(['utf8', 'base64']).optional(),
              })
              .strict(),
          )
          .min(1)
          .max(500),
      })
      .strict(),
  ]),
  exportExperimentToFile: z.tuple([id, z.enum(['csv', 'json'])]),
  openRewardFile: z.tuple([]),
  pickImportSource: z.tuple([z.enum(['tensorboard', 'csv'])]),
  revealInFolder: z.tuple([z.string().min(1).max(4096)]),
} as Record<DesktopMethod, z.ZodType<unknown[]>>;

export function registerDesktopHandlers(ipcMain: IpcMainLike, service: DesktopService, opts: BridgeOptions = {}): () => void {
  ipcMain.handle(DESKTOP_CHANNEL, async (event, req: unknown): Promise<RpcResponse> => {
    const r = (req && typeof req === 'object' ? req : {}) as { method?: unknown; args?: unknown };
    if (opts.isTrustedSender && !opts.isTrustedSender(event)) return untrusted(0);
    const method = r.method;
    if (typeof method !== 'string' || !Object.hasOwn(DESKTOP_ARGS, method)) {
      return { id: 0, ok: false, error: { message: `unknown desktop method ${JSON.stringify(method)}` } };
    }
    const args = Array.isArray(r.args) ? r.args : [];
    const parsed = DESKTOP_ARGS[method as DesktopMethod].safeParse(args);
    if (!parsed.success) {
      const errors = toSpecErrors(parsed.error, args, ['args']);
      return { id: 0, ok: false, error: { message: `${method}: invalid arguments: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors } };
    }
    try {
      const fn = service[method as DesktopMethod] as (...a: unknown[]) => Promise<unknown>;
      return { id: 0, ok: true, result: (await fn.apply(service, parsed.data)) ?? null };
    } catch (e) {
      return { id: 0, ok: false, error: { message: (e as Error).message ?? String(e) } };
    }
  });
  return () => ipcMain.removeHandler(DESKTOP_CHANNEL);
}
