// The renderer side of the Electron transport: builds the CreditlabApi that the preload exposes.
// Bundled into the sandboxed preload, so it may import only runtime-free modules (API_METHODS and
// ApiError from @creditlab/api, the channel names); everything else is type-only.
import { API_METHODS, ApiError, type ApiEvent, type CreditlabApi, type RpcResponse } from '@creditlab/api';
import {
  DESKTOP_CHANNEL,
  DESKTOP_METHODS,
  EVENTS_CHANNEL,
  MENU_CHANNEL,
  RPC_CHANNEL,
  type CreditlabDesktopApi,
  type IpcRendererLike,
  type MenuCommand,
} from './channels';

type ErrorBody = Extract<RpcResponse, { ok: false }>['error'];

/**
 * contextBridge copies only the message of a rejected Error into the page, so the spec error paths
 * would be lost: fold them into the message unless it already names them.
 */
export function bridgeErrorMessage(error: ErrorBody): string {
  const errors = error.errors ?? [];
  if (errors.length === 0 || errors.every((e) => error.message.includes(e.path))) return error.message;
  return `${error.message}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`;
}

export function createPreloadApi(ipc: IpcRendererLike): CreditlabApi {
  let nextId = 1;
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    const res = (await ipc.invoke(RPC_CHANNEL, { id: nextId++, method, args })) as RpcResponse;
    if (!res.ok) throw new ApiError(bridgeErrorMessage(res.error), res.error.errors);
    return res.result;
  };

  const listeners = new Set<(e: ApiEvent) => void>();
  const onEvents = (_event: unknown, batch: ApiEvent[]) => {
    if (!Array.isArray(batch)) return;
    for (const e of batch) for (const l of [...listeners]) l(e);
  };

  const api = Object.fromEntries(API_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as CreditlabApi;
  api.subscribe = (listener) => {
    if (typeof listener !== 'function') throw new TypeError('subscribe(listener): listener must be a function');
    if (listeners.size === 0) ipc.on(EVENTS_CHANNEL, onEvents);
    listeners.add(listener);
    return () => {
      if (listeners.delete(listener) && listeners.size === 0) ipc.removeListener(EVENTS_CHANNEL, onEvents);
    };
  };
  return api;
}

const MENU_COMMANDS: readonly MenuCommand[] = ['open-reward-file', 'export-data', 'export-figure'];

export function createDesktopApi(ipc: IpcRendererLike, platform: string): CreditlabDesktopApi {
  const call = async (method: string, args: unknown[]): Promise<any> => {
    const res = (await ipc.invoke(DESKTOP_CHANNEL, { method, args })) as RpcResponse;
    if (!res.ok) throw new Error(bridgeErrorMessage(res.error));
    return res.result;
  };
  const methods = Object.fromEntries(DESKTOP_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as Pick<CreditlabDesktopApi, (typeof DESKTOP_METHODS)[number]>;
  return {
    platform,
    ...methods,
    onMenuCommand(listener) {
      if (typeof listener !== 'function') throw new TypeError('onMenuCommand(listener): listener must be a function');
      const wrapped = (_event: unknown, command: unknown) => {
        if (MENU_COMMANDS.includes(command as MenuCommand)) listener(command as MenuCommand);
      };
      ipc.on(MENU_CHANNEL, wrapped);
      return () => void ipc.removeListener(MENU_CHANNEL, wrapped);
    },
  };
}
