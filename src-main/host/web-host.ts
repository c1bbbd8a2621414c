// `creditlab serve`: the renderer and the typed API over HTTP + WebSocket, on loopback by default.
// The same Host object backs Electron's IPC handlers. Every request needs the start-up token
// (web-auth.ts): the API runs reward code as the user, so reaching the port must not be enough.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvent } from '@creditlab/api';
import { Host, REPO_ROOT, type HostOptions } from './host';
import { dispatch } from './dispatch';
import { MIME } from './mime';
import { authorised, checkToken, newToken, sessionCookie } from './web-auth';

export const RENDERER_DIR = join(REPO_ROOT, 'dist', 'renderer');


const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "worker-src 'self' blob:",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
].join('; ');

export interface WebHostOptions extends HostOptions {
  port?: number;
  host?: string;
  rendererDir?: string;
  /** The access token; a fresh random one per start when absent. */
  token?: string;
  /** Reuse an existing Host (tests, Electron) instead of opening one. */
  api?: Host;
}

export interface WebHost {
  /** The address to open: baseUrl with ?token=…, as `creditlab serve` prints it. */
  url: string;
  /** http://ADDRESS:PORT/ with the address the server really listens on. */
  baseUrl: string;
  /** For a wildcard bind (0.0.0.0, ::), the URL (with token) at each local interface; else [url]. */
  reachableAt: string[];
  token: string;
  port: number;
  host: Host;
  close(): Promise<void>;
}

const MAX_BODY = 20 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']);
export const isLoopback = (address: string) => LOOPBACK_NAMES.has(address) || /^127\.\d+\.\d+\.\d+$/.test(address);
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);
const hostPart = (address: string) => (address.includes(':') && !address.startsWith('[') ? `[${address}]` : address);

const UNAUTHORISED = 'This Creditlab web host needs its token: open the URL that `creditlab serve` printed (http://…/?token=…), or send `Authorization: token <T>`.';

export async function startWebHost(opts: WebHostOptions = {}): Promise<WebHost> {
  const token = checkToken(opts.token ?? newToken());
  const host = opts.api ?? new Host(opts);
  const rendererDir = resolve(opts.rendererDir ?? RENDERER_DIR);
  const bind = opts.host ?? '127.0.0.1';
  const loopbackBind = isLoopback(bind);
  let allowedHosts = new Set<string>();
  let port = 0;

  // A page on another origin must not drive the API through the user's browser (CSRF, and DNS rebinding
  // on loopback, where the Host header must name this machine's loopback address). On another address the
  // machine may be reached under any name, so the Host is free there but an Origin must match it.
  const sameOrigin = (req: IncomingMessage) => {
    const h = req.headers.host ?? '';
    const origin = req.headers.origin;
    if (loopbackBind) {
      if (!allowedHosts.has(h)) return false;
      return !origin || [...allowedHosts].some((a) => origin === `http://${a}`);
    }
    return h !== '' && (!origin || origin === `http://${h}`);
  };

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };

  const server = createServer(async (req, res) => {
    try {
      if (!sameOrigin(req)) return send(res, 403, JSON.stringify({ error: 'forbidden host or origin' }));
      const url = new URL(req.url ?? '/', 'http://x');
      const isApi = url.pathname.startsWith('/api/');
      if (!authorised(req, url, port, token)) {
        if (isApi) return send(res, 401, JSON.stringify({ id: 0, ok: false, error: { message: UNAUTHORISED } }));
        return send(res, 401, UNAUTHORISED, 'text/plain; charset=utf-8');
      }
      if (!isApi && url.searchParams.has('token')) {
        // The page loaded with ?token=…: keep it in a cookie the page's scripts cannot read, and take it
        // out of the address bar (and so out of history, bookmarks and screenshots).
        url.searchParams.delete('token');
        res.writeHead(302, { location: url.pathname + url.search, 'set-cookie': sessionCookie(port, token), 'cache-control': 'no-store' });
        return res.end();
      }
      if (url.pathname === '/api/rpc') {
        if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: 'POST only' }));
        let body: { id?: number; method?: unknown; args?: unknown };
        try {
          body = JSON.parse(await readBody(req));
          if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('expected a JSON object {"id", "method", "args"}');
        } catch (e) {
          return send(res, 400, JSON.stringify({ id: 0, ok: false, error: { message: `bad request: ${(e as Error).message}` } }));
        }
        const out = await dispatch(host, Number(body.id ?? 0), body.method, body.args);
        return send(res, 200, JSON.stringify(out));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only', 'text/plain');
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        return send(res, 400, 'bad request: malformed percent-encoding in the path', 'text/plain');
      }
      let rel = normalize(path).replace(/^(\.\.[/\\])+/, '');
      if (rel === '/' || rel === '') rel = '/index.html';
      const file = join(rendererDir, rel);
      if (!file.startsWith(rendererDir)) return send(res, 403, 'forbidden', 'text/plain');
      const target = existsSync(file) && statSync(file).isFile() ? file : join(rendererDir, 'index.html');
      if (!existsSync(target)) {
        return send(res, 503, 'The renderer is not built: run `npm run build`, then reload.', 'text/plain; charset=utf-8');
      }
      res.writeHead(200, {
        'content-type': MIME[extname(target)] ?? 'application/octet-stream',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': target.endsWith('index.html') ? 'no-cache' : 'max-age=3600',
      });
      createReadStream(target).pipe(res);
    } catch (e) {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: (e as Error).message }));
      else res.destroy();
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/events' || !sameOrigin(req) || !authorised(req, url, port, token)) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  // One host subscription fans out to every socket; the host already batches events.
  let batch: ApiEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  const unsubscribe = host.subscribe((e) => {
    batch.push(e);
    timer ??= setTimeout(() => {
      timer = null;
      const msg = JSON.stringify(batch);
      batch = [];
      for (const s of sockets) if (s.readyState === s.OPEN) s.send(msg);
    }, 50);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, bind, () => resolveListen());
  });
  const address = server.address() as { address: string; port: number };
  port = address.port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostPart(bind)}:${port}`]);
  const withToken = (base: string) => `${base}?token=${token}`;
  const baseUrl = `http://${hostPart(address.address)}:${port}/`;
  const reachableAt = WILDCARD.has(bind)
    ? Object.values(networkInterfaces())
        .flat()
        // Link-local IPv6 addresses need a zone index that browsers do not take in URLs.
        .filter((a) => a && (a.family === 'IPv4' || (address.address === '::' && !a.address.startsWith('fe80'))))
        .map((a) => withToken(`http://${hostPart(a!.address)}:${port}/`))
    : [withToken(baseUrl)];
  return {
    url: withToken(baseUrl),
    baseUrl,
    reachableAt,
    token,
    port,
    host,
    async close() {
      unsubscribe();
      if (timer) clearTimeout(timer);
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      if (!opts.api) await host.close();
    },
  };
}
