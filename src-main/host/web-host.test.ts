// The web host's access control: a token per start (as Jupyter does), required for every API call and
// WebSocket on loopback and on any other address, exchanged for an HttpOnly cookie when the page loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Host } from './host';
import { startWebHost, type WebHost } from './web-host';

const tmp = mkdtempSync(join(tmpdir(), 'creditlab-webhost-'));
const rendererDir = join(tmp, 'renderer');
mkdirSync(rendererDir, { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>creditlab</title>');
writeFileSync(join(rendererDir, 'app.js'), 'console.log(1)');

const rpc = (base: string, init: { headers?: Record<string, string>; query?: string } = {}) =>
  fetch(new URL(`api/rpc${init.query ?? ''}`, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify({ id: 1, method: 'doctor', args: [] }),
  });

/** fetch() will not send a Host header of our choosing; node:http does (a DNS-rebinding page's request). */
const rpcWithHost = (port: number, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/rpc', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ id: 1, method: 'doctor', args: [] }));
  });

/** Opens a WebSocket and reports whether the host accepted it. */
const wsOpens = (url: string, headers: Record<string, string> = {}) =>
  new Promise<boolean>((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(true);
    });
    ws.on('error', () => resolve(false));
    ws.on('unexpected-response', () => resolve(false));
  });

async function withHost(opts: { host?: string; token?: string }, body: (web: WebHost) => Promise<void>) {
  const api = new Host({ workspace: mkdtempSync(join(tmp, 'ws-')), workers: 1 });
  const web = await startWebHost({ api, port: 0, rendererDir, ...opts });
  try {
    await body(web);
  } finally {
    await web.close();
    await api.close();
  }
}

test('loopback: the API and the WebSocket refuse requests without the token', async () => {
  await withHost({}, async (web) => {
    assert.match(web.token, /^[0-9a-f]{48}$/);
    assert.equal(web.url, `${web.baseUrl}?token=${web.token}`);
    assert.equal(web.baseUrl, `http://127.0.0.1:${web.port}/`);

    const none = await rpc(web.baseUrl);
    assert.equal(none.status, 401);
    const body = (await none.json()) as { ok: boolean; error: { message: string } };
    assert.equal(body.ok, false);
    assert.match(body.error.message, /token/);
    assert.equal((await rpc(web.baseUrl, { headers: { authorization: 'token wrong' } })).status, 401);
    assert.equal((await rpc(web.baseUrl, { headers: { authorization: `token ${web.token}x` } })).status, 401);
    assert.equal((await rpc(web.baseUrl, { query: '?token=' })).status, 401);
    assert.equal((await rpc(web.baseUrl, { headers: { cookie: `creditlab-token-${web.port}=nope` } })).status, 401);

    // Each of the three ways in.
    assert.equal((await rpc(web.baseUrl, { headers: { authorization: `token ${web.token}` } })).status, 200);
    // Hostile bodies and paths: a clear 400, and the host keeps answering.
    const auth = { authorization: `token ${web.token}`, 'content-type': 'application/json' };
    const deep = `{"id":1,"method":"validateSpec","args":[${'['.repeat(200_000)}${']'.repeat(200_000)}]}`;
    for (const [body, status, message] of [['null', 400, /^bad request: expected a JSON object/], ['[1]', 400, /^bad request/], ['{', 400, /^bad request/], [deep, 200, /nested deeper than 64 levels/]] as const) {
      const r = await fetch(new URL('api/rpc', web.baseUrl), { method: 'POST', headers: auth, body });
      assert.equal(r.status, status, body.slice(0, 10));
      assert.match(((await r.json()) as { error: { message: string } }).error.message, message);
    }
    const bad = await fetch(new URL('%E0%A4%A', web.baseUrl), { headers: { authorization: `token ${web.token}` } });
    assert.equal(bad.status, 400);
    assert.equal((await rpc(web.baseUrl, { headers: { authorization: `token ${web.token}` } })).status, 200);
    assert.equal((await rpc(web.baseUrl, { query: `?token=${web.token}` })).status, 200);
    assert.equal((await rpc(web.baseUrl, { headers: { cookie: `other=1; creditlab-token-${web.port}=${web.token}` } })).status, 200);

    const ws = `ws://127.0.0.1:${web.port}/api/events`;
    assert.equal(await wsOpens(ws), false);
    assert.equal(await wsOpens(`${ws}?token=nope`), false);
    assert.equal(await wsOpens(`${ws}?token=${web.token}`), true);
    assert.equal(await wsOpens(ws, { cookie: `creditlab-token-${web.port}=${web.token}` }), true);
    assert.equal(await wsOpens(ws, { authorization: `token ${web.token}` }), true);
    // The Host/Origin checks stay, token or not.
    assert.equal(await wsOpens(`${ws}?token=${web.token}`, { origin: 'http://evil.example' }), false);
    const foreign = await rpc(web.baseUrl, { headers: { authorization: `token ${web.token}`, origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.equal(await rpcWithHost(web.port, { authorization: `token ${web.token}`, host: `evil.example:${web.port}` }), 403);
    assert.equal(await rpcWithHost(web.port, { authorization: `token ${web.token}`, host: `localhost:${web.port}` }), 200);
  });
});

test('the page exchanges the token for an HttpOnly SameSite=Strict cookie and drops it from the URL', async () => {
  await withHost({}, async (web) => {
    const page = await fetch(`${web.baseUrl}?token=${web.token}&x=1`, { redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/?x=1');
    const cookie = page.headers.get('set-cookie') ?? '';
    assert.match(cookie, new RegExp(`^creditlab-token-${web.port}=${web.token};`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    // With the cookie the page, its assets and the API answer; without it only a page saying what to do.
    const jar = { cookie: cookie.split(';')[0] };
    assert.equal((await fetch(web.baseUrl, { headers: jar })).status, 200);
    assert.equal((await fetch(`${web.baseUrl}app.js`, { headers: jar })).status, 200);
    assert.equal((await rpc(web.baseUrl, { headers: jar })).status, 200);
    const bare = await fetch(web.baseUrl);
    assert.equal(bare.status, 401);
    const text = await bare.text();
    assert.match(text, /token/);
    assert.doesNotMatch(text, new RegExp(web.token));
    assert.equal((await fetch(`${web.baseUrl}app.js`)).status, 401);
    assert.equal((await fetch(`${web.baseUrl}?token=wrong`, { redirect: 'manual' })).status, 401);
  });
});

test('a token can be chosen; an empty one is refused', async () => {
  await withHost({ token: 'my-chosen-token-1234' }, async (web) => {
    assert.equal(web.token, 'my-chosen-token-1234');
    assert.equal((await rpc(web.baseUrl, { headers: { authorization: 'token my-chosen-token-1234' } })).status, 200);
    assert.equal((await rpc(web.baseUrl)).status, 401);
  });
  const api = new Host({ workspace: mkdtempSync(join(tmp, 'ws-')), workers: 1 });
  try {
    await assert.rejects(startWebHost({ api, port: 0, rendererDir, token: '' }), /token/);
    await assert.rejects(startWebHost({ api, port: 0, rendererDir, token: 'has space' }), /token/);
  } finally {
    await api.close();
  }
});

test('a non-loopback bind is not trusted blindly and shows the address it listens on', async () => {
  await withHost({ host: '0.0.0.0' }, async (web) => {
    assert.equal(web.baseUrl, `http://0.0.0.0:${web.port}/`);
    // A foreign Host and Origin with no token: refused (this got `doctor` and a WebSocket before).
    assert.equal(await rpcWithHost(web.port, { host: 'evil.example', origin: 'http://evil.example' }), 401);
    assert.equal(await rpcWithHost(web.port, { host: 'evil.example' }), 401);
    assert.equal((await rpc(`http://127.0.0.1:${web.port}/`)).status, 401);
    // Reached through another name for the machine, with the token: fine; a page of another origin: not.
    const auth = { authorization: `token ${web.token}` };
    assert.equal(await rpcWithHost(web.port, { ...auth, host: `lab-node-7:${web.port}` }), 200);
    assert.equal(await rpcWithHost(web.port, { ...auth, host: `lab-node-7:${web.port}`, origin: `http://lab-node-7:${web.port}` }), 200);
    assert.equal(await rpcWithHost(web.port, { ...auth, host: `lab-node-7:${web.port}`, origin: 'http://evil.example' }), 403);
    const ws = `ws://127.0.0.1:${web.port}/api/events`;
    assert.equal(await wsOpens(ws, { origin: 'http://evil.example', host: 'evil.example' }), false);
    assert.equal(await wsOpens(ws, { origin: `http://127.0.0.1:${web.port}` }), false);
    assert.equal(await wsOpens(`${ws}?token=${web.token}`, { origin: `http://127.0.0.1:${web.port}` }), true);
    // Every address it can be reached at is listed, with the token.
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    for (const a of external) assert.ok(web.reachableAt.includes(`http://${a}:${web.port}/?token=${web.token}`), a);
  });
});

test('creditlab serve prints the URL with the token; --token and CREDITLAB_TOKEN set it', async () => {
  const bin = new URL('../../bin/creditlab.mjs', import.meta.url).pathname;
  const firstLine = (args: string[], env: Record<string, string> = {}) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--workspace', mkdtempSync(join(tmp, 'ws-')), ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/served at/.test(out) && out.includes('\n')) child.kill('SIGINT');
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', () => (out ? resolve(out) : reject(new Error(`serve printed nothing; stderr: ${err}`))));
    });
  assert.match(await firstLine([]), /served at http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}/);
  assert.match(await firstLine(['--token', 'from-flag-0123456']), /\/\?token=from-flag-0123456/);
  assert.match(await firstLine([], { CREDITLAB_TOKEN: 'from-env-0123456' }), /\/\?token=from-env-0123456/);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
