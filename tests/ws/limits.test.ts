import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, refusal } from '../support/clients.js';
import { PUBLISH, SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startServer, token } from '../support/server.js';

describe('limits against abuse', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { LIMIT_CONNECTIONS_PER_USER: '2', LIMIT_SUBSCRIPTIONS_PER_CONNECTION: '3', LIMIT_PUBLISHES_PER_SECOND: '5' } });
  });
  afterAll(() => server.stop());

  it('refuses a user\'s connection past the limit with 4429 and a reason; others are unaffected', async () => {
    const t = await token('conn-user');
    const first = await openRaw(server.wsUrl);
    await first.init(t);
    const second = await openRaw(server.wsUrl);
    await second.init(t);
    const third = await openRaw(server.wsUrl);
    third.send({ type: 'connection_init', payload: { authorization: `Bearer ${t}` } });
    expect(await third.closed).toEqual({ code: 4429, reason: 'Too many connections: at most 2 per user' });
    // SSE streams are connections too.
    const org = await createOrg(server, 'conn-user');
    const sse = connect('sse', server, t).subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    expect((await refusal(sse)).map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
    const other = await openRaw(server.wsUrl);
    await other.init(await token('someone-else'));
    // A closed connection frees its slot.
    first.socket.close();
    await first.closed;
    await until(async () => {
      const retry = await openRaw(server.wsUrl);
      retry.send({ type: 'connection_init', payload: { authorization: `Bearer ${t}` } });
      const ok = (await Promise.race([retry.messages.next(), retry.closed])) as { type?: string };
      retry.socket.close();
      return ok.type === 'connection_ack';
    }, 'the freed slot');
    for (const s of [second, other]) s.socket.close();
  });

  it('answers a subscription past the per-connection limit (and a flood of them) with RATE_LIMITED; the rest keep working', async () => {
    const org = await createOrg(server, 'sub-user');
    const raw = await openRaw(server.wsUrl);
    await raw.init(org.tokens['sub-user']);
    for (const id of ['a', 'b', 'c']) raw.send({ id, type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    await until(() => server.app.services.bus.stats().subscriptions >= 3, 'three subscriptions');
    for (let i = 0; i < 50; i++) raw.send({ id: `flood-${i}`, type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    const refusals = await raw.messages.take(50, 'the refusals');
    expect(refusals.every((m) => m.type === 'error' && m.payload[0].extensions.code === 'RATE_LIMITED')).toBe(true);
    const e = await publish(server, org.tokens['sub-user']!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    const delivered = await raw.messages.take(3, 'the event on each subscription');
    expect(delivered.map((m) => [m.id, m.payload.data.events.id]).sort()).toEqual([['a', e.id], ['b', e.id], ['c', e.id]]);
    // Completing one frees a place.
    raw.send({ id: 'a', type: 'complete' });
    await until(() => server.app.services.bus.stats().subscriptions <= 2, 'the completed subscription to be released');
    raw.send({ id: 'd', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    await until(() => server.app.services.bus.stats().subscriptions >= 3, 'the new subscription');
    expect(raw.messages.pending).toBe(0);
    raw.socket.close();
  });

  it('limits publishes per user and organization per second; services are exempt; refused events are not stored', async () => {
    const org = await createOrg(server, 'pub-user', { 'pub-other': 'MEMBER' });
    const input = { orgId: org.id, channel: 'user', type: 'user.activity' };
    const results = [];
    for (let i = 0; i < 14; i++) results.push(await gql(server.graphqlUrl, PUBLISH, { input }, org.tokens['pub-user']));
    const refused = results.filter((r) => errorCode(r) === 'RATE_LIMITED');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.errors?.[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
    expect((await gql(server.graphqlUrl, PUBLISH, { input }, org.tokens['pub-other'])).errors).toBeUndefined();
    const service = await token('backend', { service: true });
    for (let i = 0; i < 15; i++) await publish(server, service, input);
    const stored = await gqlOk(server.graphqlUrl, 'query($o: ID!) { events(orgId: $o, types: ["user.activity"], first: 100) { nodes { id } } }', { o: org.id }, service);
    expect(stored.events.nodes).toHaveLength(14 - refused.length + 1 + 15);
  });
});
