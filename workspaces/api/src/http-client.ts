// The renderer's side of the web transport: requests over HTTP POST, events over one WebSocket.
// Electron's preload exposes the same CreditlabApi object over IPC instead. In the browser the host's
// token travels in the HttpOnly cookie set when the page loaded; other clients pass it explicitly.
import { API_METHODS, ApiError, type ApiEvent, type CreditlabApi, type RpcResponse } from './index';

export function createHttpApi(baseUrl: string, opts: { token?: string } = {}): CreditlabApi {
  let nextId = 1;
  const listeners = new Set<(e: ApiEvent) => void>();
  let socket: WebSocket | null = null;
  let retry = 0;

  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    const res = await fetch(new URL('api/rpc', baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `token ${opts.token}` } : {}) },
      body: JSON.stringify({ id: nextId++, method, args }),
    });
    const body = (await res.json()) as RpcResponse;
    if (!body.ok) throw new ApiError(body.error.message, body.error.errors);
    return body.result;
  };

  const connect = () => {
    const url = new URL('api/events', baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (opts.token) url.searchParams.set('token', opts.token);
    socket = new WebSocket(url);
    socket.onopen = () => (retry = 0);
    socket.onmessage = (m) => {
      const events = JSON.parse(String(m.data)) as ApiEvent[];
      for (const e of events) for (const l of listeners) l(e);
    };
    socket.onclose = () => {
      socket = null;
      // Reconnect with backoff while anyone listens; the host may have restarted.
      if (listeners.size > 0) setTimeout(connect, Math.min(5000, 200 * 2 ** retry++));
    };
  };

  const api = Object.fromEntries(API_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as CreditlabApi;
  api.subscribe = (listener) => {
    listeners.add(listener);
    if (!socket) connect();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) socket?.close();
    };
  };
  return api;
}
