import { type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { type HeapLimitedServer, inParallel, startHeapLimited } from '../support/heap-limited.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startServer, token } from '../support/server.js';

// Attacks on GraphQL over SSE (issue 11, cases 1, 2, 4 and 9), each through a real socket.

const TOKEN = 'x-graphql-event-stream-token';
const stream = (url: string) => `${url}/stream`;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** An event stream request whose response the client never reads: its bytes pile up on the server's side. */
function unreadStream(url: string, headers: Record<string, string>, body?: unknown): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: body ? 'POST' : 'GET',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/** Reads a paused response to its end. */
function readToEnd(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => resolve(text));
    res.on('error', reject);
    res.resume();
  });
}

describe('an event stream nobody reads, on a server with a 128 MB heap (case 1)', () => {
  let server: HeapLimitedServer;
  beforeAll(async () => {
    server = await startHeapLimited(128);
  }, 30_000);
  afterAll(() => server.dispose());

  it('is cut off with SLOW_CONSUMER once its bytes pass the bound, in distinct mode at /graphql/stream; the process, other clients and the data stay', async () => {
    const alice = await token('alice');
    const service = await token('backend', { service: true });
    const { createOrganization: org } = await gqlOk(
      server.graphqlUrl,
      'mutation { createOrganization(name: "Flood") { id } }',
      {},
      alice,
    );
    const subscriptions = async () =>
      (await gqlOk(server.graphqlUrl, '{ serverStats { subscriptions } }', {}, service)).serverStats
        .subscriptions as number;
    // graphql-sse's mode for requests without a stream token, at the single-connection endpoint.
    const stalled = await Promise.all(
      Array.from({ length: 8 }, () =>
        unreadStream(stream(server.graphqlUrl), bearer(alice), {
          query: SUBSCRIBE_EVENTS,
          variables: { orgId: org.id },
        }),
      ),
    );
    await until(async () => (await subscriptions()) === 8, 'the 8 stalled subscriptions');

    // 800 events of 30 KB: 24 MB per stalled stream, far more than the kernel's socket buffers hide.
    const blob = 'x'.repeat(30 * 1024);
    for (let i = 0; i < 800 && server.alive(); i++) {
      await gqlOk(
        server.graphqlUrl,
        'mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence } }',
        { i: { orgId: org.id, channel: 'property', type: 'property.update', payload: { i, blob } } },
        service,
      );
    }
    expect(server.alive()).toBe(true);
    await until(async () => (await subscriptions()) === 0, 'the stalled subscriptions to be cut off');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);

    // A stalled client that reads again gets a gapless prefix, then the cut-off telling it where to resume.
    const text = await readToEnd(stalled[0]!);
    expect(text).toMatch(/"code":"RATE_LIMITED","reason":"SLOW_CONSUMER","resumeAfter":"[A-Za-z0-9_-]+"/);
    expect(text.endsWith('event: complete\ndata:\n\n')).toBe(true);
    for (const s of stalled.slice(1)) s.destroy();

    // Nothing was lost: the log holds every event, and a new subscriber is served.
    const page = await gqlOk(
      server.graphqlUrl,
      `query($o: ID!) { events(orgId: $o, first: 1, after: null) { pageInfo { hasNextPage } } }`,
      { o: org.id },
      alice,
    );
    expect(page.events.pageInfo.hasNextPage).toBe(true);
    const fresh = connect('sse', { graphqlUrl: server.graphqlUrl } as TestServer, alice);
    const live = fresh.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await until(async () => (await subscriptions()) === 1, 'the new subscription');
    await gqlOk(
      server.graphqlUrl,
      'mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence } }',
      { i: { orgId: org.id, channel: 'user', type: 'user.activity' } },
      service,
    );
    expect((await live.results.next()).data.events.type).toBe('user.activity');
    await fresh.dispose();
  }, 90_000);
});

describe('stream reservations flooded without a sign-in, on a server with an 80 MB heap (case 2)', () => {
  let server: HeapLimitedServer;
  beforeAll(async () => {
    server = await startHeapLimited(80);
  }, 30_000);
  afterAll(() => server.dispose());

  it('refuses stream reservations without a sign-in: 20,000 PUTs with self-chosen tokens get 401 and leave nothing behind (case 2)', async () => {
    let statuses = new Set<number>();
    await inParallel(20_000, 64, async (i) => {
      const res = await fetch(stream(server.graphqlUrl), { method: 'PUT', headers: { [TOKEN]: `mine-${i}` } });
      statuses.add(res.status);
      await res.arrayBuffer();
    });
    expect([...statuses]).toEqual([401]);
    expect(server.alive()).toBe(true);
    // ?token= is no way around it either.
    statuses = new Set([(await fetch(`${stream(server.graphqlUrl)}?token=mine`, { method: 'PUT' })).status]);
    expect([...statuses]).toEqual([401]);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 120_000);
});

describe('single-connection stream reservations (cases 2 and 4)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { LIMIT_CONNECTIONS_PER_USER: '3' }, tuning: { streamReservationTtlMs: 300 } });
  });
  afterAll(() => server.stop());

  const put = (auth: string) => fetch(stream(server.graphqlUrl), { method: 'PUT', headers: bearer(auth) });

  it("take one of the user's connection slots each, are refused past the limit, and are freed when not opened in time", async () => {
    const carol = await token('carol');
    const reserved = await Promise.all([put(carol), put(carol), put(carol)]);
    expect(reserved.map((r) => r.status)).toEqual([201, 201, 201]);
    const over = await put(carol);
    expect(over.status).toBe(429);
    expect(((await over.json()) as any).errors[0]).toMatchObject({
      extensions: { code: 'RATE_LIMITED' },
      message: expect.stringMatching(/connections/),
    });
    // The slots are shared with graphql-ws: a fourth connection of any kind is refused.
    const ws = await openRaw(server.wsUrl);
    ws.send({ type: 'connection_init', payload: { authorization: `Bearer ${carol}` } });
    expect((await ws.closed).code).toBe(4429);
    // Someone else is not affected.
    expect((await put(await token('dave'))).status).toBe(201);
    // Never opened: dropped after the reservation TTL, and the slots come back.
    await until(async () => (await put(carol)).status === 201, 'an unopened reservation to be dropped');
  });

  it('gives a stream that closed its slot back', async () => {
    const erin = await token('erin');
    for (let i = 0; i < 3; i++) {
      const t = await (await put(erin)).text();
      const res = await unreadStream(stream(server.graphqlUrl), { ...bearer(erin), [TOKEN]: t });
      expect(res.statusCode).toBe(200);
      res.destroy();
    }
    await until(async () => (await put(erin)).status === 201, 'the closed streams to give their slots back');
  });

  it("are bound to the user who reserved them: another user's requests with the stream token get 404 and change nothing", async () => {
    const org = await createOrg(server, 'alice');
    const mallory = await token('mallory');
    const aliceAuth = bearer(org.tokens.alice!);
    const streamToken = await (await put(org.tokens.alice!)).text();
    const res = await unreadStream(stream(server.graphqlUrl), { ...aliceAuth, [TOKEN]: streamToken });
    const post = (auth: Record<string, string>, id: string) =>
      fetch(stream(server.graphqlUrl), {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', [TOKEN]: streamToken },
        body: JSON.stringify({
          query: SUBSCRIBE_EVENTS,
          variables: { orgId: org.id },
          extensions: { operationId: id },
        }),
      });
    expect((await post(aliceAuth, 'alices')).status).toBe(202);
    await until(() => server.app.services.bus.stats().subscriptions === 1, "Alice's subscription");

    expect((await post(bearer(mallory), 'mallorys')).status).toBe(404);
    expect(
      (
        await fetch(`${stream(server.graphqlUrl)}?operationId=alices`, {
          method: 'DELETE',
          headers: { ...bearer(mallory), [TOKEN]: streamToken },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await fetch(stream(server.graphqlUrl), {
          headers: { ...bearer(mallory), accept: 'text/event-stream', [TOKEN]: streamToken },
        })
      ).status,
    ).toBe(404);
    // Without any sign-in, the stream token alone is nothing.
    expect(
      (await fetch(stream(server.graphqlUrl), { method: 'DELETE', headers: { [TOKEN]: streamToken } })).status,
    ).toBe(401);

    // Alice's subscription is intact: the next event reaches her stream.
    const e = await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect(server.app.services.bus.stats().subscriptions).toBe(1);
    res.resume();
    let text = '';
    res.setEncoding('utf8');
    await new Promise<void>((resolve) => res.on('data', (c: string) => (text += c).includes(e.id) && resolve()));
    expect(text).toContain('"id":"alices"');
    expect(text).not.toContain('mallorys');
    res.destroy();
  });
});

describe('CSRF at the single-connection endpoint (case 9)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('refuses a simple cross-site GET that asks for a stream, as /graphql does', async () => {
    const url = `${stream(server.graphqlUrl)}?query=${encodeURIComponent('{ __typename }')}`;
    const forged = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/CSRF/);
    const allowed = await fetch(url, { headers: { accept: 'text/event-stream', 'x-graphql-csrf': '1' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('"__typename":"Query"');
  });

  it('answers stream requests without a sign-in with 401, whatever stream token they name', async () => {
    const res = await fetch(`${stream(server.graphqlUrl)}?token=abc&query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
