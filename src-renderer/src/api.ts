// The renderer reaches the host only through this object: Electron's preload installs `window.creditlab`;
// in a browser served by `creditlab serve` the same interface runs over HTTP + WebSocket.
import type { CreditlabApi } from '@creditlab/api';
import { createHttpApi } from '@creditlab/api/http-client';

export const api: CreditlabApi = window.creditlab ?? createHttpApi(location.origin + '/');
