import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type TestServer, startServer } from '../support/server.js';

const NEWEST =
  'query($o: ID!, $n: Int, $c: [String!]) { events(orgId: $o, last: $n, channels: $c) { nodes { id } pageInfo { hasNextPage endCursor } } }';

// A client that shows recent activity: the newest events, then live ones from there, without reading the whole log.
describe('Query.events(last:)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('returns the newest events oldest first, and an endCursor from which the live stream misses nothing', async () => {
    const org = await createOrg(server, 'alice');
    const alice = org.tokens.alice!;
    const sent = [];
    for (let i = 0; i < 5; i++)
      sent.push(
        await publish(server, alice, { orgId: org.id, channel: i % 2 ? 'user' : 'property', type: 'user.activity' }),
      );
    const page = (await gqlOk(server.graphqlUrl, NEWEST, { o: org.id, n: 2, c: ['property'] }, alice)).events;
    expect(page.nodes.map((e: { id: string }) => e.id)).toEqual([sent[2]!.id, sent[4]!.id]);
    expect(page.pageInfo.hasNextPage).toBe(false);

    const client = connect('ws', server, alice);
    const before = server.app.services.bus.stats().subscriptions;
    const live = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, after: page.pageInfo.endCursor });
    await until(() => server.app.services.bus.stats().subscriptions > before, 'the subscription');
    const next = await publish(server, alice, { orgId: org.id, channel: 'property', type: 'user.activity' });
    expect((await live.results.next('the next event')).data.events.id).toBe(next.id);
    await client.dispose();

    // An organization with nothing yet: endCursor is still where the stream continues.
    const empty = await createOrg(server, 'alice');
    const none = (await gqlOk(server.graphqlUrl, NEWEST, { o: empty.id, n: 10, c: ['nothing'] }, alice)).events;
    expect(none.nodes).toEqual([]);
    expect(none.pageInfo.endCursor).toEqual(expect.any(String));
  });

  it('refuses last with first or after, and out of range', async () => {
    const org = await createOrg(server, 'alice');
    const withFirst = await gql(
      server.graphqlUrl,
      `{ events(orgId: "${org.id}", last: 2, first: 2) { nodes { id } } }`,
      {},
      org.tokens.alice,
    );
    expect(errorCode(withFirst)).toBe('BAD_USER_INPUT');
    expect(withFirst.errors?.[0]?.message).toBe('last reads the newest events: give it without first and after.');
    const tooMany = await gql(
      server.graphqlUrl,
      `{ events(orgId: "${org.id}", last: 501) { nodes { id } } }`,
      {},
      org.tokens.alice,
    );
    expect(tooMany.errors?.[0]?.message).toMatch(/^last must be between 1 and/);
  });
});
