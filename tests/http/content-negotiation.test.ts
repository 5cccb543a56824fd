import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Client, fetchExchange, gql as urqlGql } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { type TestServer, startServer, token } from '../support/server.js';

const PRESENCE = 'subscription($o: ID!) { presence(orgId: $o) { kind users { userId } } }';
/** What urql sends by default with every request. */
const URQL_ACCEPT =
  'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';

// Content negotiation (server/transport/http/accept.ts): a single result is JSON unless the client prefers a
// stream; a subscription from a client that takes no stream is refused before anything of it exists.
describe('content negotiation over HTTP', () => {
  let server: TestServer;
  const subscriptions = () => server.app.services.bus.stats().subscriptions;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  const post = (body: unknown, accept: string, auth?: string) =>
    fetch(server.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept,
        connection: 'close',
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      body: JSON.stringify(body),
    });

  it.each([
    'application/json',
    'application/graphql-response+json',
    'application/graphql-response+json, application/json',
  ])('refuses a subscription asked for as %s with 406, and keeps nothing of it', async (accept) => {
    const org = await createOrg(server, 'alice', { bob: 'MEMBER', carol: 'MEMBER' });
    const eve = await token('eve');
    const watcher = connect('ws', server, org.tokens.alice);
    const presence = watcher.subscribe(PRESENCE, { o: org.id });
    await presence.results.take(1, 'the presence snapshot');
    const before = subscriptions();
    for (const [who, query, variables] of [
      ['bob', SUBSCRIBE_EVENTS, { orgId: org.id }],
      ['bob', PRESENCE, { o: org.id }],
      ['eve', SUBSCRIBE_EVENTS, { orgId: org.id }], // not a member: the same answer, not a 200
    ] as const) {
      const res = await post({ query, variables }, accept, who === 'eve' ? eve : org.tokens[who]);
      expect(res.status).toBe(406);
      const body = (await res.json()) as any;
      expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'STREAM_REQUIRED' });
      expect(body.errors[0].message).toContain('Accept: text/event-stream');
    }
    expect(subscriptions()).toBe(before);
    // Bob never came online: Carol joining (over graphql-ws) is the next thing Alice's presence stream shows.
    const carol = connect('ws', server, org.tokens.carol);
    carol.subscribe(PRESENCE, { o: org.id });
    const usersOf = (r: any): string[] => r.data.presence.users.map((u: { userId: string }) => u.userId);
    await until(() => presence.results.items.some((r) => usersOf(r).includes('carol')), 'Carol online');
    expect(presence.results.items.flatMap(usersOf)).not.toContain('bob');
    await carol.dispose();
    await watcher.dispose();
  });

  it("refuses Apollo's multipart HTTP subscriptions (HttpLink) with a reason naming what to use; keeps nothing", async () => {
    const org = await createOrg(server, 'alice');
    const before = subscriptions();
    const apollo = new ApolloClient({
      link: new HttpLink({ uri: server.graphqlUrl, headers: { authorization: `Bearer ${org.tokens.alice}` } }),
      cache: new InMemoryCache(),
    });
    const error = await new Promise<Error>((resolve) => {
      apollo
        .subscribe({ query: gql(`subscription { events(orgId: "${org.id}") { id } }`) })
        .subscribe({ next: (r) => r.error && resolve(r.error), error: resolve });
    });
    expect(error.message).toMatch(/multipart HTTP subscriptions \(subscriptionSpec=1\.0\) are not served.*graphql-ws/);
    const res = await post(
      { query: `subscription { events(orgId: "${org.id}") { id } }` },
      'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json',
      org.tokens.alice,
    );
    expect(res.status).toBe(406);
    expect((await res.json()).errors[0].extensions).toMatchObject({ reason: 'MULTIPART_SUBSCRIPTIONS_UNSUPPORTED' });
    expect(subscriptions()).toBe(before);
  });

  it('answers a query and a mutation with JSON when JSON is listed before the stream (urql’s default Accept)', async () => {
    const org = await createOrg(server, 'alice');
    for (const accept of [URQL_ACCEPT, 'text/event-stream;q=0.5, application/json', '*/*']) {
      const res = await post({ query: '{ me { id } }' }, accept, org.tokens.alice);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
      expect(((await res.json()) as any).data.me.id).toBe('alice');
    }
  });

  it('streams a single result when the client prefers the stream', async () => {
    const org = await createOrg(server, 'alice');
    for (const accept of [
      'text/event-stream',
      'text/event-stream, application/json',
      'application/json;q=0.2, text/event-stream',
    ]) {
      const res = await post({ query: '{ me { id } }' }, accept, org.tokens.alice);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const text = await res.text();
      expect(text).toContain('"me":{"id":"alice"}');
      expect(text).toContain('event: complete');
    }
  });

  it('streams a subscription asked for with urql’s default Accept', async () => {
    const org = await createOrg(server, 'alice');
    const before = subscriptions();
    const controller = new AbortController();
    const res = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: URQL_ACCEPT, authorization: `Bearer ${org.tokens.alice}` },
      body: JSON.stringify({ query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } }),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await until(() => subscriptions() > before, 'the live subscription');
    await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'property', type: 'property.update' });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('property.update')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await until(() => subscriptions() === before, 'the subscription to end with the request');
  });

  it('serves urql’s queries and mutations as JSON: results, and no unhandled rejection', async () => {
    const org = await createOrg(server, 'alice');
    const client = new Client({
      url: server.graphqlUrl,
      exchanges: [fetchExchange],
      fetchOptions: { headers: { authorization: `Bearer ${org.tokens.alice}` } },
    });
    const me = await client.query(urqlGql`{ me { id } }`, {}).toPromise();
    expect(me.error).toBeUndefined();
    expect(me.data.me.id).toBe('alice');
    const published = await client
      .mutation(urqlGql`mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence } }`, {
        i: { orgId: org.id, channel: 'property', type: 'property.update' },
      })
      .toPromise();
    expect(published.error).toBeUndefined();
    expect(published.data.publishEvent.sequence).toBeGreaterThan(0);
  });
});
