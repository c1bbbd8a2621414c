// The same API suite against both transports: the web host (HTTP + WebSocket) and the Electron IPC
// bridge (fake ipcMain/ipcRenderer with structured cloning and contextBridge's copying).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket as NodeWebSocket } from 'ws';
import { createHttpApi } from '@creditlab/api/http-client';
import { Host } from '../host/host';
import { startWebHost } from '../host/web-host';
import { apiContractSuite } from './contract-suite';
import { createFakeIpc, throughContextBridge } from './fake-ipc';
import { pumpEvents, registerIpcHandlers } from './ipc-bridge';
import { createPreloadApi } from './preload-api';
import { EVENTS_CHANNEL } from './channels';

// Node 20 has fetch but no global WebSocket; the http client uses the browser's.
(globalThis as { WebSocket?: unknown }).WebSocket ??= NodeWebSocket;

const tempWorkspace = (tag: string) => mkdtempSync(join(tmpdir(), `creditlab-contract-${tag}-`));

apiContractSuite('web host (HTTP + WebSocket)', async () => {
  const workspace = tempWorkspace('web');
  const host = new Host({ workspace, workers: 1 });
  const web = await startWebHost({ api: host, port: 0 });
  return {
    api: createHttpApi(web.baseUrl, { token: web.token }),
    workspace,
    async close() {
      await web.close();
      await host.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
});

apiContractSuite('Electron IPC bridge (fake ipcMain/ipcRenderer)', async () => {
  const workspace = tempWorkspace('ipc');
  const host = new Host({ workspace, workers: 1 });
  const ipc = createFakeIpc();
  const unregister = registerIpcHandlers(ipc.ipcMain, host, { isTrustedSender: (e) => e.senderFrame?.url.startsWith('app://creditlab/') === true });
  const stopEvents = pumpEvents(host, (batch) => ipc.send(EVENTS_CHANNEL, batch));
  return {
    api: throughContextBridge(createPreloadApi(ipc.ipcRenderer)),
    workspace,
    async close() {
      stopEvents();
      unregister();
      await host.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
});
