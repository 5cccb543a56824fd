import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type TestServer, startServer, token } from '../support/server.js';

describe('GraphQL over SSE', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());
  const subscriptions = () => server.app.services.bus.stats().subscriptions;

  const openStream = (body: unknown, auth?: string) =>
    fetch(server.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      body: JSON.stringify(body),
    });

  it('streams with X-Accel-Buffering: no (distinct connections)', async () => {
    const org = await createOrg(server, 'alice');
    const res = await openStream({ query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } }, org.tokens.alice);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    await res.body?.cancel();
  });

  it('streams with X-Accel-Buffering: no (single connection)', async () => {
    const auth = await token('alice');
    const reserve = await fetch(`${server.graphqlUrl}/stream`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${auth}` },
    });
    expect(reserve.status).toBe(201);
    const streamToken = await reserve.text();
    const res = await fetch(`${server.graphqlUrl}/stream`, {
      headers: {
        accept: 'text/event-stream',
        'x-graphql-event-stream-token': streamToken,
        authorization: `Bearer ${auth}`,
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    await res.body?.cancel();
  });

  it('refuses a stream with a bad token with 401', async () => {
    const res = await openStream({ query: '{ me { id } }' }, 'not-a-jwt');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('"code":"UNAUTHENTICATED"');
  });

  it('refuses to reserve a single-connection stream without a valid token', async () => {
    for (const headers of [{}, { authorization: 'Bearer garbage' }] as Record<string, string>[]) {
      const res = await fetch(`${server.graphqlUrl}/stream`, { method: 'PUT', headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it.each(['sse', 'sse-single'] as const)(
    '%s: a syntax error is refused with a clear error; other operations keep flowing',
    async (transport) => {
      const org = await createOrg(server, 'alice');
      const client = connect(transport, server, org.tokens.alice);
      const before = subscriptions();
      const live = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      await until(() => subscriptions() > before, 'the live subscription');
      const broken = client.subscribe('subscription { events(orgId: "x") { id ');
      const errors = await refusal(broken);
      expect(errors[0]?.message).toMatch(transport === 'sse' ? /Syntax Error/ : /HTTP 400/);
      const e = await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
      expect((await live.results.next()).data.events.id).toBe(e.id);
      await client.dispose();
    },
  );

  it('single connection: a refused operation answers 400 with the errors and the stream stays', async () => {
    const org = await createOrg(server, 'alice');
    const other = await createOrg(server, 'mallory');
    const auth = { authorization: `Bearer ${org.tokens.alice}` };
    const streamToken = await (await fetch(`${server.graphqlUrl}/stream`, { method: 'PUT', headers: auth })).text();
    const stream = await fetch(`${server.graphqlUrl}/stream`, {
      headers: { ...auth, accept: 'text/event-stream', 'x-graphql-event-stream-token': streamToken },
    });
    const post = (id: string, query: string, variables?: unknown) =>
      fetch(`${server.graphqlUrl}/stream`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'x-graphql-event-stream-token': streamToken },
        body: JSON.stringify({ query, variables, extensions: { operationId: id } }),
      });
    const syntax = await post('a', 'subscription { events(orgId: "x") { id ');
    expect(syntax.status).toBe(400);
    expect(await syntax.json()).toMatchObject({
      errors: [{ message: expect.stringMatching(/Syntax Error/), extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
    });
    const validation = await post('b', 'subscription { events(orgId: "x") { nope } }');
    expect(validation.status).toBe(400);
    // A refused organization is an operation result: it arrives on the stream as the operation's errors.
    expect((await post('c', SUBSCRIBE_EVENTS, { orgId: other.id })).status).toBe(202);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('"FORBIDDEN"')) text += (await reader.read()).value ?? '';
    expect(text).toContain('"id":"c"');
    await reader.cancel();
  });

  it.each(['sse', 'sse-single'] as const)(
    '%s: a client that goes away releases its subscription',
    async (transport) => {
      const org = await createOrg(server, 'alice');
      const client = connect(transport, server, org.tokens.alice);
      const before = subscriptions();
      client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      await until(() => subscriptions() > before, 'the subscription');
      await client.dispose();
      await until(() => subscriptions() === before, 'the subscription to be released');
    },
  );
});

describe('an SSE event stream, written directly once Yoga has answered', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { CORS_ORIGINS: 'https://app.example.com' }, tuning: { keepAliveMs: 200 } });
  });
  afterAll(() => server.stop());

  /** The stream's text as it arrives; `until` reads until the text so far matches. */
  const reading = (res: Response) => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    return {
      get text() {
        return text;
      },
      async until(pattern: RegExp): Promise<string> {
        while (!pattern.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${pattern}; got ${JSON.stringify(text)}`);
          text += value;
        }
        return text;
      },
      async ended(): Promise<boolean> {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return true;
          text += value;
        }
      },
    };
  };

  it("keeps Yoga's headers, labels events with their cursor, pings while idle and completes when the stream ends", async () => {
    const org = await createOrg(server, 'alice', { bob: 'MEMBER' });
    const res = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        origin: 'https://app.example.com',
        'x-request-id': 'sse-trace-1',
        authorization: `Bearer ${org.tokens.bob}`,
      },
      body: JSON.stringify({ query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('x-request-id')).toBe('sse-trace-1');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const stream = reading(res);
    await stream.until(/^retry: 1000\n:\n\n/);
    await stream.until(/\n:\n\n:\n\n/); // keep-alive comments while nothing happens
    const e = await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    await stream.until(/event: next\n/);
    expect(stream.text).toContain(`event: next\nid: ${e.cursor}\ndata: {"data":{"events":{"id":"${e.id}"`);
    // Removed from the organization: the stream ends with its error, then `complete`, and the response ends.
    await gqlOk(
      server.graphqlUrl,
      'mutation($o: ID!, $u: ID!) { removeMember(orgId: $o, userId: $u) }',
      { o: org.id, u: 'bob' },
      org.tokens.alice,
    );
    expect(await stream.ended()).toBe(true);
    expect(stream.text).toMatch(
      /event: next\ndata: \{"errors":\[\{[^\n]*"code":"FORBIDDEN"[^\n]*\n\nevent: complete\ndata:\n\n$/,
    );
    await until(() => server.app.services.bus.stats().subscriptions === 0, 'the subscription to be released');
  });

  it("never carries another request's headers (CORS origin, request id)", async () => {
    const org = await createOrg(server, 'alice');
    const open = (headers: Record<string, string>) =>
      fetch(server.graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${org.tokens.alice}`,
          ...headers,
        },
        body: JSON.stringify({ query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } }),
      });
    const listed = await open({ origin: 'https://app.example.com', 'x-request-id': 'sse-trace-2' });
    const other = await open({ origin: 'https://evil.example.com' });
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('x-request-id')).not.toBe('sse-trace-2');
    await Promise.all([listed.body?.cancel(), other.body?.cancel()]);
  });

  it('refuses a chunked request body with 411 and keeps serving (the body limit is enforced before Yoga)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        server.graphqlUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('{"query":');
      req.end('"{ __typename }"}');
    });
    expect(status).toBe(411);
    expect((await gqlOk(server.graphqlUrl, '{ __typename }', {})).__typename).toBe('Query');
  });
});
