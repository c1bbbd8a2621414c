// Sandboxed preload: bundled to one CJS file whose only runtime import is `electron`
// (scripts/build-electron.mjs checks this). Exposes exactly CreditlabApi, plus the desktop extras.
import { contextBridge, ipcRenderer } from 'electron';
import { createDesktopApi, createPreloadApi } from './preload-api';

contextBridge.exposeInMainWorld('creditlab', createPreloadApi(ipcRenderer));
contextBridge.exposeInMainWorld('creditlabDesktop', createDesktopApi(ipcRenderer, process.platform));
