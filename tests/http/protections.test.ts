import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, gqlOk } from '../support/http.js';
import { openRaw } from '../support/raw-ws.js';
import { TEST_SECRET, type TestServer, startServer, token } from '../support/server.js';

const INTROSPECT = '{ __schema { queryType { name } } }';

describe('query limits (graphql-armor) on HTTP and WebSocket', () => {
  let server: TestServer;
  let auth: string;
  beforeAll(async () => {
    server = await startServer({
      tuning: { query: { maxDepth: 3, maxAliases: 5, maxTokens: 300, maxCost: 5_000, maxDirectives: 10 } },
    });
    auth = await token('alice');
  });
  afterAll(() => server.stop());

  const tooMany = {
    depth: '{ me { organizations { members { name } } } }',
    aliases: `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
    tokens: `{ me { ${'id '.repeat(400)} } }`,
  };

  it.each(Object.entries(tooMany))('refuses too many %s over HTTP with a clear error', async (what, query) => {
    const res = await gql(server.graphqlUrl, query, {}, auth);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]?.message.toLowerCase()).toContain(
      what === 'depth' ? 'depth' : what === 'aliases' ? 'aliases' : 'token',
    );
  });

  it.each(Object.entries(tooMany))(
    'refuses too many %s over graphql-ws with an error message; the socket stays',
    async (_what, query) => {
      const raw = await openRaw(server.wsUrl);
      await raw.init(auth);
      raw.send({ id: 'bad', type: 'subscribe', payload: { query } });
      expect(await raw.messages.next()).toMatchObject({ id: 'bad', type: 'error' });
      raw.send({ id: 'ok', type: 'subscribe', payload: { query: '{ me { id } }' } });
      expect(await raw.messages.next()).toMatchObject({
        id: 'ok',
        type: 'next',
        payload: { data: { me: { id: 'alice' } } },
      });
      raw.socket.close();
    },
  );
});

describe('introspection in production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { NODE_ENV: 'production', AUTH_JWT_SECRET: TEST_SECRET } });
  });
  afterAll(() => server.stop());

  it('is off over HTTP', async () => {
    const res = await gql(server.graphqlUrl, INTROSPECT, {}, await token('alice'));
    expect(res.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('is off over graphql-ws too, and the socket stays', async () => {
    const raw = await openRaw(server.wsUrl);
    await raw.init(await token('alice'));
    raw.send({ id: 'i', type: 'subscribe', payload: { query: INTROSPECT } });
    const msg = await raw.messages.next();
    expect(msg).toMatchObject({ id: 'i', type: 'error' });
    expect(msg.payload[0].message).toMatch(/introspection/i);
    raw.send({ id: 'ok', type: 'subscribe', payload: { query: '{ me { id } }' } });
    expect(await raw.messages.next()).toMatchObject({ id: 'ok', type: 'next' });
    raw.socket.close();
  });

  it('serves no GraphiQL', async () => {
    const res = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toContain('GraphiQL');
  });
});

describe('HTTP hygiene', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('refuses a simple cross-site GET (CSRF) and accepts it with a custom header or a token', async () => {
    const url = `${server.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`;
    expect((await fetch(url)).status).toBe(403);
    expect((await fetch(url, { headers: { 'x-graphql-csrf': '1' } })).status).toBe(200);
    expect((await fetch(url, { headers: { authorization: `Bearer ${await token('alice')}` } })).status).toBe(200);
  });

  it('passes the GraphQL-over-HTTP audit with no MUST failure', async () => {
    const results = await auditServer({ url: server.graphqlUrl });
    const mustFailures = results.filter((r) => r.name.startsWith('MUST') && r.status !== 'ok');
    expect(mustFailures.map((r) => `${r.id} ${r.name}`)).toEqual([]);
    expect(results.length).toBeGreaterThan(20);
    await gqlOk(server.graphqlUrl, '{ __typename }');
  });
});
