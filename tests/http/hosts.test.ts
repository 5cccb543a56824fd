import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHttp } from '../support/http.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startServer } from '../support/server.js';

// DNS rebinding and the demo tokens, through real HTTP and WebSocket requests. A rebound page sends the
// attacker's own name as Host and as Origin; node:http lets these tests send exactly that.

/** Local development: a generated secret (an empty variable is unset), so demo tokens are minted. */
const DEV = { AUTH_JWT_SECRET: '' };
const ATTACKER = 'attacker.example';

const portOf = (s: TestServer) => new URL(s.url).port;
const preflight = (s: TestServer, host: string, origin: string) =>
  rawHttp(s.url, '/graphql', {
    method: 'OPTIONS',
    headers: {
      host,
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
const graphiqlPage = (s: TestServer, headers: Record<string, string>) =>
  rawHttp(s.url, '/graphql', { headers: { accept: 'text/html', ...headers } });
const BEARER = /Bearer ey[\w-]+\.[\w-]+\.[\w-]+/;

describe('Host allowlist (default outside production: loopback names and IP literals)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: DEV });
  });
  afterAll(() => server.stop());

  it('refuses a forged Host with 403 and no CORS grant, on every path', async () => {
    const host = `${ATTACKER}:${portOf(server)}`;
    const origin = `http://${host}`;
    const pre = await preflight(server, host, origin);
    expect(pre.status).toBe(403);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(JSON.parse(pre.body).errors[0]).toMatchObject({
      message: expect.stringContaining('ALLOWED_HOSTS'),
      extensions: { code: 'FORBIDDEN' },
    });
    for (const path of ['/dev/demo-tokens', '/graphql?query=%7B__typename%7D', '/health', '/']) {
      const res = await rawHttp(server.url, path, { headers: { host, origin, accept: 'text/html' } });
      expect(res.status, path).toBe(403);
      expect(res.headers['access-control-allow-origin'], path).toBeUndefined();
      expect(res.body, path).not.toMatch(/eyJ/);
    }
  });

  it('refuses a WebSocket upgrade with a forged Host and matching Origin', async () => {
    const host = `${ATTACKER}:${portOf(server)}`;
    await expect(openRaw(server.wsUrl, { origin: `http://${host}`, headers: { host } })).rejects.toThrow(
      'upgrade refused: 403',
    );
  });

  it('answers loopback names and IP literals, and counts their own origin as same-origin', async () => {
    const port = portOf(server);
    for (const name of ['localhost', '127.0.0.1', '[::1]', '192.0.2.77', 'LOCALHOST']) {
      const host = `${name}:${port}`;
      expect((await rawHttp(server.url, '/health', { headers: { host } })).status, name).toBe(200);
    }
    const lan = `192.0.2.77:${port}`;
    expect((await preflight(server, lan, `http://${lan}`)).headers['access-control-allow-origin']).toBe(
      `http://${lan}`,
    );
    const raw = await openRaw(server.wsUrl, { origin: `http://${lan}`, headers: { host: lan } });
    await raw.init();
    raw.socket.close();
  });
});

describe('ALLOWED_HOSTS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { ...DEV, ALLOWED_HOSTS: 'switchboard.example.test, .corp.example.test' } });
  });
  afterAll(() => server.stop());

  it('answers the listed names and subdomains, with their own origin allowed; others still get 403', async () => {
    const port = portOf(server);
    for (const name of ['switchboard.example.test', 'corp.example.test', 'a.b.corp.example.test']) {
      const host = `${name}:${port}`;
      const pre = await preflight(server, host, `http://${host}`);
      expect(pre.status, name).toBe(204);
      expect(pre.headers['access-control-allow-origin'], name).toBe(`http://${host}`);
    }
    const listed = `switchboard.example.test:${port}`;
    const raw = await openRaw(server.wsUrl, { origin: `http://${listed}`, headers: { host: listed } });
    await raw.init();
    raw.socket.close();
    for (const name of [ATTACKER, 'evilcorp.example.test', 'switchboard.example.test.attacker.example']) {
      expect((await rawHttp(server.url, '/health', { headers: { host: `${name}:${port}` } })).status, name).toBe(403);
    }
  });

  it('a listed name is still no loopback name: no demo token for it', async () => {
    const res = await rawHttp(server.url, '/dev/demo-tokens', {
      headers: { host: `switchboard.example.test:${portOf(server)}` },
    });
    expect(res.status).toBe(403);
  });
});

describe('demo tokens', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Every Host allowed: what remains between a rebound page and a token is the demo-token rule itself.
    server = await startServer({ env: { ...DEV, ALLOWED_HOSTS: '*' } });
  });
  afterAll(() => server.stop());

  it('are given to a browser on this machine by a loopback name, in the endpoint and in GraphiQL', async () => {
    const port = portOf(server);
    for (const name of ['localhost', '127.0.0.1', '[::1]']) {
      const res = await rawHttp(server.url, '/dev/demo-tokens', { headers: { host: `${name}:${port}` } });
      expect(res.status, name).toBe(200);
      expect(
        JSON.parse(res.body).map((t: { sub: string }) => t.sub),
        name,
      ).toEqual(['alice', 'bob']);
      expect((await graphiqlPage(server, { host: `${name}:${port}` })).body, name).toMatch(BEARER);
    }
  });

  it('are refused to another Host name, even from this machine (a rebound page), with a pointer to npm run token', async () => {
    const host = `${ATTACKER}:${portOf(server)}`;
    const res = await rawHttp(server.url, '/dev/demo-tokens', { headers: { host, origin: `http://${host}` } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).errors[0]).toMatchObject({
      message: expect.stringContaining('npm run token'),
      extensions: { code: 'FORBIDDEN' },
    });
    const page = await graphiqlPage(server, { host });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Switchboard GraphiQL');
    expect(page.body).not.toMatch(BEARER);
  });

  it('are refused through a proxy on this machine (X-Forwarded-For, Forwarded)', async () => {
    const host = `localhost:${portOf(server)}`;
    const proxied: Array<Record<string, string>> = [
      { 'x-forwarded-for': '203.0.113.9' },
      { forwarded: 'for=203.0.113.9' },
      { 'x-real-ip': '203.0.113.9' },
    ];
    for (const header of proxied) {
      expect((await rawHttp(server.url, '/dev/demo-tokens', { headers: { host, ...header } })).status).toBe(403);
      expect((await graphiqlPage(server, { host, ...header })).body).not.toMatch(BEARER);
    }
  });
});

/** This machine's first non-loopback IPv4 address: a peer address that is not loopback, without leaving the machine. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe.skipIf(!lanAddress)('demo tokens to a peer that is not loopback', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Bound to the LAN address only: the test's own requests then come from that address, as a neighbour's would.
    server = await startServer({ env: { ...DEV, HOST: lanAddress! } });
  });
  afterAll(() => server.stop());

  it('are refused, whatever Host is sent, and GraphiQL embeds none', async () => {
    const port = portOf(server);
    for (const host of [`${lanAddress}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]) {
      const res = await rawHttp(server.url, '/dev/demo-tokens', { headers: { host } });
      expect(res.status, host).toBe(403);
      expect(res.body, host).toContain('npm run token');
      expect((await graphiqlPage(server, { host })).body, host).not.toMatch(BEARER);
    }
    // The server itself is served to that neighbour: only the tokens are not.
    expect((await rawHttp(server.url, '/health')).status).toBe(200);
  });
});
