// An in-process stand-in for Electron's IPC and contextBridge, for tests: every message crosses a
// structured clone as it does between processes, handler exceptions come back as Electron words them,
// and values leaving the preload lose what contextBridge drops (custom Error properties).
import { EventEmitter } from 'node:events';
import type { IpcInvokeEventLike, IpcMainLike, IpcRendererLike } from './channels';

type Handler = (event: IpcInvokeEventLike, ...args: any[]) => unknown;

export function createFakeIpc(frameUrl = 'app://creditlab/index.html') {
  const handlers = new Map<string, Handler>();
  const toRenderer = new EventEmitter();
  const frame = { url: frameUrl };

  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
  };

  const ipcRenderer: IpcRendererLike = {
    async invoke(channel, ...args) {
      const h = handlers.get(channel);
      if (!h) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      const cloned = structuredClone(args);
      let result: unknown;
      try {
        result = await h({ senderFrame: frame }, ...cloned);
      } catch (e) {
        throw new Error(`Error invoking remote method '${channel}': ${String(e)}`);
      }
      return structuredClone(result);
    },
    on(channel, listener) {
      toRenderer.on(channel, listener);
      return ipcRenderer;
    },
    removeListener(channel, listener) {
      toRenderer.off(channel, listener);
      return ipcRenderer;
    },
  };

  /** The main process's webContents.send. */
  const send = (channel: string, ...args: unknown[]) => {
    const cloned = structuredClone(args);
    setImmediate(() => toRenderer.emit(channel, {}, ...cloned));
  };

  return { ipcMain, ipcRenderer, send, frame, handlerCount: () => handlers.size, rendererListenerCount: (ch: string) => toRenderer.listenerCount(ch) };
}

/** What the page sees of an object passed to contextBridge.exposeInMainWorld. */
export function throughContextBridge<T extends object>(api: T): T {
  const copyOut = (v: unknown): unknown => (typeof v === 'function' ? wrapFn(v as (...a: unknown[]) => unknown) : structuredClone(v));
  const wrapFn =
    (fn: (...a: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      const inArgs = args.map((a) => (typeof a === 'function' ? a : structuredClone(a)));
      let out: unknown;
      try {
        out = fn(...inArgs);
      } catch (e) {
        throw new Error((e as Error).message);
      }
      if (out instanceof Promise) {
        return out.then(copyOut, (e: unknown) => {
          throw new Error((e as Error)?.message ?? String(e));
        });
      }
      return copyOut(out);
    };
  const exposed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(api)) exposed[k] = copyOut(v);
  return Object.freeze(exposed) as T;
}
