import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { Inbox, until } from '../support/inbox.js';
import { ROOT } from '../support/process.js';
import { freePort } from '../support/free-port.js';
import { type TestServer, startServer, uniquePrefix } from '../support/server.js';

const NGINX = '/usr/sbin/nginx';

/** Debian's nginx with deploy/nginx.conf as shipped, only its ports changed, in a directory of its own. */
async function startNginx(instances: [string, string]) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-nginx-'));
  chmodSync(dir, 0o777); // nginx's workers run as nobody when the test runs as root
  const port = await freePort();
  const [one, two] = instances.map((url) => new URL(url).port);
  const site = readFileSync(join(ROOT, 'deploy', 'nginx.conf'), 'utf8')
    .replaceAll('127.0.0.1:4001', `127.0.0.1:${one}`)
    .replaceAll('127.0.0.1:4002', `127.0.0.1:${two}`)
    .replace('listen 8080;', `listen 127.0.0.1:${port};`);
  writeFileSync(join(dir, 'switchboard.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${join(dir, t)};`)
    .join(' ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${join(dir, 'nginx.pid')}; error_log stderr warn;
events { worker_connections 1024; }
http { access_log off; ${temp} include ${join(dir, 'switchboard.conf')}; }
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await until(
      async () => (await fetch(`${url}/health`).catch(() => undefined))?.status === 200,
      'nginx to answer',
      10_000,
    );
  } catch (err) {
    child.kill('SIGQUIT'); // never left running when the test fails here
    throw err;
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGQUIT');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('behind nginx (deploy/nginx.conf) in front of two instances', () => {
  let a: TestServer;
  let b: TestServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  beforeAll(async () => {
    const options = { redis: true, postgres: true, redisPrefix: uniquePrefix(), tuning: { keepAliveMs: 500 } };
    [a, b] = [await startServer(options), await startServer(options)];
    nginx = await startNginx([a.url, b.url]);
  }, 30_000);
  const stopped = new Set<TestServer>();
  afterAll(async () => {
    await nginx.stop();
    await Promise.all([a, b].filter((s) => !stopped.has(s)).map((s) => s.stop()));
  });

  it('carries graphql-ws, SSE in both modes and HTTP; a rolling restart loses nothing', async () => {
    const org = await createOrg(b, 'alice');
    const auth = `Bearer ${org.tokens.alice}`;
    const send = (server: TestServer) =>
      publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });

    // graphql-ws through nginx's upgrade, a stock client without cursors (server-side resume).
    const connected = new Inbox<true>();
    const ws = createWsClient({
      url: `${nginx.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: auth },
      retryAttempts: 10,
      shouldRetry: () => true,
      retryWait: () => new Promise((r) => setTimeout(r, 100)),
      on: { connected: () => connected.push(true) },
    });
    const overWs = new Inbox<string>();
    ws.subscribe(
      { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } },
      { next: (r) => overWs.push((r.data as any).events.id), error: () => {}, complete: () => {} },
    );
    // SSE, single-connection mode: reserve, open and subscribe must all reach one instance.
    const single = createSseClient({
      url: `${nginx.url}/graphql/stream`,
      singleConnection: true,
      headers: { authorization: auth },
    });
    const overSingle = new Inbox<string>();
    single.subscribe(
      { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } },
      { next: (r) => overSingle.push((r.data as any).events.id), error: () => {}, complete: () => {} },
    );
    // SSE, distinct mode, with EventSource: it resumes by itself with Last-Event-ID.
    const query = `subscription { events(orgId: "${org.id}") { id } }`;
    const source = new EventSource(`${nginx.url}/graphql?query=${encodeURIComponent(query)}`, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization: auth } }),
    });
    const overEventSource = new Inbox<string>();
    source.addEventListener('next', (e) => overEventSource.push(JSON.parse(e.data).data.events.id));
    const total = () => a.app.services.bus.stats().subscriptions + b.app.services.bus.stats().subscriptions;
    await until(() => total() >= 3, 'three subscriptions behind nginx');

    const first = await send(a);
    for (const inbox of [overWs, overSingle, overEventSource])
      expect(await inbox.next('the first event')).toBe(first.id);
    // Plain HTTP through nginx.
    const me = await fetch(`${nginx.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect((await me.json()).data.me.id).toBe('alice');

    // A rolling restart: instance a stops (graphql-ws gets 1001, streams end); clients come back through nginx
    // to b, and everything published meanwhile arrives.
    await connected.next('the first connection');
    const wsOn = (s: TestServer) => s.app.services.metrics.figures?.connections().ws ?? 0;
    const [stopping, staying] = wsOn(a) === 1 ? [a, b] : [b, a];
    expect(wsOn(stopping)).toBe(1);
    await stopping.stop();
    stopped.add(stopping);
    const during = await send(staying);
    const after = await send(staying);
    const upTo = async (inbox: Inbox<string>, what: string) => {
      const ids: string[] = [];
      while (ids.at(-1) !== after.id) ids.push(await inbox.next(what, 15_000));
      return ids.filter((id) => id !== first.id);
    };
    expect(await upTo(overWs, 'graphql-ws after the restart')).toEqual([during.id, after.id]);
    expect(await upTo(overEventSource, 'EventSource after the restart')).toEqual([during.id, after.id]);
    source.close();
    single.dispose();
    await ws.dispose();
  }, 60_000);
});
