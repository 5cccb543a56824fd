import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startPair, startServer, token } from '../support/server.js';

const pastExpiry = (expSeconds: number) =>
  until(() => Date.now() > expSeconds * 1000 + 200, 'the token to expire', 10_000);

describe('live authorization', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    [a, b] = await startPair();
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('removing a member ends their subscriptions of that organization on every instance; the rest stay', async () => {
    const suffix = Date.now().toString(36);
    const [bob, carol] = [`bob-${suffix}`, `carol-${suffix}`];
    const org = await createOrg(a, 'alice', { [bob]: 'MEMBER', [carol]: 'MEMBER' });
    const other = await createOrg(a, 'olga', { [bob]: 'MEMBER' });
    const bobWs = connect('ws', a, org.tokens[bob]);
    const bobSse = connect('sse', b, org.tokens[bob]);
    const streams = [
      bobWs.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id }),
      bobSse.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id }),
      bobWs.subscribe('subscription($o: ID!) { presence(orgId: $o) { kind } }', { o: org.id }),
      bobSse.subscribe('subscription($o: ID!) { typing(orgId: $o, room: "lobby") { users { userId } } }', {
        o: org.id,
      }),
    ];
    const bobOther = bobWs.subscribe(SUBSCRIBE_EVENTS, { orgId: other.id });
    const bobInbox = bobWs.subscribe('subscription { notifications { unreadCount } }');
    const carolWs = connect('ws', b, org.tokens[carol]);
    const carolStream = carolWs.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await bobInbox.results.next('the inbox count');
    await until(
      () => a.app.services.bus.stats().subscriptions >= 2 && b.app.services.bus.stats().subscriptions >= 2,
      'the subscriptions',
    );

    await gqlOk(
      a.graphqlUrl,
      'mutation($o: ID!, $u: ID!) { removeMember(orgId: $o, userId: $u) }',
      { o: org.id, u: bob },
      org.tokens.alice,
    );
    for (const s of streams) {
      const errors = await Promise.race([
        refusal(s),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not ended within 1 s')), 1_000)),
      ]);
      expect(errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(s.results.items.filter((r) => r.data?.events)).toEqual([]); // not even the member.leave itself
    }
    const afterRemoval = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    const carolSaw = (await carolStream.results.take(2)).map((r) => r.data.events.type);
    expect(carolSaw).toEqual(['member.leave', 'user.activity']);
    // Bob's other subscriptions are untouched.
    const elsewhere = await publish(a, other.tokens.olga!, { orgId: other.id, channel: 'user', type: 'user.activity' });
    expect((await bobOther.results.next()).data.events.id).toBe(elsewhere.id);
    await gqlOk(
      a.graphqlUrl,
      'mutation($o: ID!, $u: [ID!]!) { sendNotification(input: { orgId: $o, userIds: $u, title: "still here" }) { id } }',
      { o: other.id, u: [bob] },
      other.tokens.olga,
    );
    expect((await bobInbox.results.next()).data.notifications.unreadCount).toBe(1);
    // And no way back in: a resubscription, with replay from before the removal, is refused.
    const again = bobWs.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, after: afterRemoval.cursor });
    expect((await refusal(again)).map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    await Promise.all([bobWs.dispose(), bobSse.dispose(), carolWs.dispose()]);
  });

  it('a graphql-ws connection whose token expires is closed with 4403; nothing published after expiry reaches it', async () => {
    const org = await createOrg(a, 'alice');
    const exp = Math.floor(Date.now() / 1000) + 3; // 2 to 3 s from now: JWT expiry has whole seconds
    const raw = await openRaw(a.wsUrl);
    await raw.init(await token('alice', { expiresIn: exp }));
    raw.send({ id: 'live', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    await until(() => a.app.services.bus.stats().subscriptions > 0, 'the subscription');
    const before = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect((await raw.messages.next()).payload.data.events.id).toBe(before.id);
    expect(await raw.closed).toMatchObject({ code: 4403, reason: 'Token expired' });
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    // At most the subscription's own UNAUTHENTICATED ending, sent as the deadline passed; never an event.
    const rest = raw.messages.items.slice(2); // after connection_ack and the event published before expiry
    expect(rest.filter((m) => m.payload?.data?.events)).toEqual([]);
    for (const m of rest)
      expect(m.type === 'complete' || m.payload.errors[0].extensions.code === 'UNAUTHENTICATED').toBe(true);
  });

  it('a quiet graphql-ws connection, whose expiry is rechecked only when it is pinged, is closed at expiry', async () => {
    // keepAliveMs 250: a quiet socket is pinged about every 750 ms, and only a ping rechecks its expiry. The
    // token expires 3 to 4 s out, beyond the horizon at connect: the timer comes from a ping's recheck.
    const quiet = await startServer({ tuning: { keepAliveMs: 250 } });
    try {
      const exp = Math.floor(Date.now() / 1000) + 4;
      const raw = await openRaw(quiet.wsUrl);
      await raw.init(await token('alice', { expiresIn: exp }));
      expect(await raw.closed).toMatchObject({ code: 4403, reason: 'Token expired' });
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
      expect(Date.now()).toBeLessThan(exp * 1000 + 500);
    } finally {
      await quiet.stop();
    }
  });

  it('an SSE stream whose token expires ends with UNAUTHENTICATED', async () => {
    const org = await createOrg(a, 'alice');
    const exp = Math.floor(Date.now() / 1000) + 3; // 2 to 3 s from now: JWT expiry has whole seconds
    const client = connect('sse', a, await token('alice', { expiresIn: exp }));
    const sub = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    const errors = await refusal(sub);
    expect(errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' } }]);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(sub.results.items.filter((r) => r.data?.events)).toEqual([]);
    await client.dispose();
  });

  it('refreshSession over the socket keeps every subscription past the old expiry', async () => {
    const org = await createOrg(a, 'alice');
    const exp = Math.floor(Date.now() / 1000) + 3; // 2 to 3 s from now: JWT expiry has whole seconds
    const raw = await openRaw(a.wsUrl);
    await raw.init(await token('alice', { expiresIn: exp }));
    raw.send({ id: 'live', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    const refresh = (id: string, t: string) =>
      raw.send({
        id,
        type: 'subscribe',
        payload: {
          query: 'mutation($t: String!) { refreshSession(token: $t) { userId expiresAt } }',
          variables: { t },
        },
      });

    refresh('bad', 'garbage');
    expect(await raw.messages.next()).toMatchObject({
      id: 'bad',
      payload: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] },
    });
    await raw.messages.next(); // complete
    refresh('other', await token('mallory'));
    expect(await raw.messages.next()).toMatchObject({
      id: 'other',
      payload: { errors: [{ extensions: { code: 'FORBIDDEN' } }] },
    });
    await raw.messages.next();
    refresh('ok', await token('alice', { expiresIn: '1h' }));
    expect(await raw.messages.next()).toMatchObject({
      id: 'ok',
      type: 'next',
      payload: { data: { refreshSession: { userId: 'alice' } } },
    });
    await raw.messages.next();

    await pastExpiry(exp);
    const later = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect(await raw.messages.next()).toMatchObject({
      id: 'live',
      type: 'next',
      payload: { data: { events: { id: later.id } } },
    });
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
    raw.socket.close();
  });

  it('refreshSession over HTTP explains that it is for graphql-ws', async () => {
    const res = await gql(
      a.graphqlUrl,
      'mutation($t: String!) { refreshSession(token: $t) { userId } }',
      { t: await token('alice') },
      await token('alice'),
    );
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain('graphql-ws');
  });
});
