import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startServer, token } from '../support/server.js';

describe('graphql-ws transport', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(() => server.stop());
  const subscriptions = () => server.app.services.bus.stats().subscriptions;

  /** A socket with one live subscription that must survive whatever the test does next. */
  async function liveSocket() {
    const org = await createOrg(server, 'alice');
    const raw = await openRaw(server.wsUrl);
    await raw.init(org.tokens.alice);
    const before = subscriptions();
    raw.send({ id: 'live', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    await until(() => subscriptions() > before, 'the live subscription');
    const stillLive = async () => {
      const e = await publish(server, org.tokens.alice!, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
      });
      const msg = await raw.messages.next('the live event');
      expect(msg).toMatchObject({ id: 'live', type: 'next', payload: { data: { events: { id: e.id } } } });
    };
    return { org, raw, stillLive };
  }

  describe('authentication', () => {
    it.each([
      ['a garbage token', async () => 'Bearer not-a-jwt'],
      ['an expired token', async () => `Bearer ${await token('alice', { expiresIn: -10 })}`],
      [
        'a token signed with another secret',
        async () => 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl',
      ],
      ['a value without "Bearer"', async () => await token('alice')],
    ])('closes with 4403 for %s', async (_name, auth) => {
      const raw = await openRaw(server.wsUrl);
      raw.send({ type: 'connection_init', payload: { authorization: await auth() } });
      expect(await raw.closed).toMatchObject({ code: 4403 });
    });

    it('accepts a token sent with each operation, as GraphiQL does (extensions.headers)', async () => {
      const raw = await openRaw(server.wsUrl);
      raw.send({ type: 'connection_init', payload: {} });
      expect(await raw.messages.next()).toMatchObject({ type: 'connection_ack' });
      // The exact shape GraphiQL sends: the Headers tab as `extensions.headers`.
      raw.send({
        id: '1',
        type: 'subscribe',
        payload: {
          query: '{ me { id } }',
          extensions: { headers: { Authorization: `Bearer ${await token('alice')}` } },
        },
      });
      expect(await raw.messages.take(2)).toMatchObject([
        { id: '1', type: 'next', payload: { data: { me: { id: 'alice' } } } },
        { id: '1', type: 'complete' },
      ]);
      raw.send({
        id: '2',
        type: 'subscribe',
        payload: { query: '{ me { id } }', extensions: { headers: { Authorization: 'Bearer garbage' } } },
      });
      expect(await raw.messages.next()).toMatchObject({
        id: '2',
        type: 'error',
        payload: [{ extensions: { code: 'UNAUTHENTICATED' } }],
      });
      raw.send({ id: '3', type: 'subscribe', payload: { query: '{ me { id } }' } });
      expect(await raw.messages.next()).toMatchObject({
        id: '3',
        type: 'next',
        payload: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] },
      });
      raw.socket.close();
    });

    it('accepts the token under "Authorization" in connection params too', async () => {
      const raw = await openRaw(server.wsUrl);
      raw.send({ type: 'connection_init', payload: { Authorization: `Bearer ${await token('alice')}` } });
      expect(await raw.messages.next()).toMatchObject({ type: 'connection_ack' });
      raw.send({ id: '1', type: 'subscribe', payload: { query: '{ me { id } }' } });
      expect(await raw.messages.next()).toMatchObject({
        id: '1',
        type: 'next',
        payload: { data: { me: { id: 'alice' } } },
      });
      raw.socket.close();
    });

    it('lets an anonymous connection in but refuses its operations with UNAUTHENTICATED', async () => {
      const org = await createOrg(server, 'alice');
      const raw = await openRaw(server.wsUrl);
      await raw.init();
      raw.send({ id: 'a', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
      const msg = await raw.messages.next();
      expect(msg).toMatchObject({ id: 'a', type: 'error' });
      expect(msg.payload[0].extensions.code).toBe('UNAUTHENTICATED');
      raw.socket.close();
    });
  });

  describe('a bad operation answers that operation only', () => {
    it.each([
      ['a syntax error', { query: 'subscription { events(orgId: "x") { id ' }, 'GRAPHQL_PARSE_FAILED'],
      ['a validation error', { query: 'subscription { events(orgId: "x") { nope } }' }, 'GRAPHQL_VALIDATION_FAILED'],
      ['an unknown organization', { query: SUBSCRIBE_EVENTS, variables: { orgId: 'org_nope' } }, 'NOT_FOUND'],
      [
        'a malformed channel name',
        { query: SUBSCRIBE_EVENTS, variables: { orgId: 'org_x', channels: ['Bad Channel!'] } },
        'BAD_USER_INPUT',
      ],
      ['a missing variable', { query: SUBSCRIBE_EVENTS, variables: {} }, undefined],
    ])('%s gets an error message; the socket and its other subscription stay', async (_name, payload, code) => {
      const { raw, stillLive } = await liveSocket();
      raw.send({ id: 'bad', type: 'subscribe', payload });
      const msg = await raw.messages.next('the error');
      expect(msg).toMatchObject({ id: 'bad', type: 'error' });
      expect(msg.payload.length).toBeGreaterThan(0);
      if (code) expect(msg.payload[0].extensions?.code).toBe(code);
      await stillLive();
      raw.socket.close();
    });

    it('a forbidden organization gets an error message; nothing of it is delivered', async () => {
      const { raw, stillLive } = await liveSocket();
      const other = await createOrg(server, 'mallory');
      raw.send({
        id: 'theirs',
        type: 'subscribe',
        payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: other.id } },
      });
      const msg = await raw.messages.next('the error');
      expect(msg).toMatchObject({ id: 'theirs', type: 'error', payload: [{ extensions: { code: 'FORBIDDEN' } }] });
      await publish(server, other.tokens.mallory!, { orgId: other.id, channel: 'property', type: 'property.update' });
      await stillLive(); // the next frame is our own event, not the foreign one
      raw.socket.close();
    });
  });

  describe('protocol misuse ends with the protocol close code', () => {
    it('a server-only message (next) → 4400', async () => {
      const { raw } = await liveSocket();
      raw.send({ id: 'x', type: 'next', payload: { data: {} } });
      expect((await raw.closed).code).toBe(4400);
    });

    it('unparsable JSON → 4400', async () => {
      const raw = await openRaw(server.wsUrl);
      raw.send('{not json');
      expect((await raw.closed).code).toBe(4400);
    });

    it('subscribe before connection_init → 4401', async () => {
      const raw = await openRaw(server.wsUrl);
      raw.send({ id: '1', type: 'subscribe', payload: { query: '{ me { id } }' } });
      expect((await raw.closed).code).toBe(4401);
    });

    it('a second connection_init → 4429', async () => {
      const raw = await openRaw(server.wsUrl);
      await raw.init(await token('alice'));
      raw.send({ type: 'connection_init', payload: {} });
      expect((await raw.closed).code).toBe(4429);
    });

    it('a duplicate operation id → 4409', async () => {
      const { raw } = await liveSocket();
      raw.send({ id: 'live', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: 'org_x' } } });
      expect((await raw.closed).code).toBe(4409);
    });

    it('a frame over 64 KiB → 1009, and the server carries on', async () => {
      const raw = await openRaw(server.wsUrl);
      await raw.init(await token('alice'));
      raw.send({ id: '1', type: 'subscribe', payload: { query: `{ me { id } } # ${'x'.repeat(70 * 1024)}` } });
      expect((await raw.closed).code).toBe(1009);
      const { raw: other, stillLive } = await liveSocket();
      await stillLive();
      other.socket.close();
    });
  });

  describe('origins', () => {
    it('refuses an upgrade from an origin outside CORS_ORIGINS with 403', async () => {
      await expect(openRaw(server.wsUrl, { origin: 'https://evil.example.com' })).rejects.toThrow(
        'upgrade refused: 403',
      );
    });

    it('accepts a listed origin and clients that send no origin (mobile, servers)', async () => {
      const listed = await openRaw(server.wsUrl, { origin: 'https://app.example.com' });
      await listed.init(await token('alice'));
      listed.socket.close();
      const native = await openRaw(server.wsUrl);
      await native.init(await token('alice'));
      native.socket.close();
    });

    it('refuses upgrades on other paths with 404', async () => {
      await expect(openRaw(server.wsUrl.replace('/graphql', '/other'))).rejects.toThrow('upgrade refused: 404');
    });
  });

  it('queries and mutations work over the socket too', async () => {
    const org = await createOrg(server, 'alice');
    const raw = await openRaw(server.wsUrl);
    await raw.init(org.tokens.alice);
    raw.send({
      id: 'm',
      type: 'subscribe',
      payload: {
        query:
          'mutation($o: ID!) { publishEvent(input: { orgId: $o, channel: "user", type: "user.activity" }) { sequence } }',
        variables: { o: org.id },
      },
    });
    expect(await raw.messages.take(2)).toMatchObject([
      { id: 'm', type: 'next', payload: { data: { publishEvent: { sequence: 2 } } } },
      { id: 'm', type: 'complete' },
    ]);
    raw.socket.close();
  });

  it('closing the socket ends its subscriptions on the server', async () => {
    const { raw } = await liveSocket();
    const count = subscriptions();
    raw.socket.close();
    await until(() => subscriptions() === count - 1, 'the subscription to be released');
  });

  it('pings a quiet connection every third interval and a busy one every interval', async () => {
    const quick = await startServer({ tuning: { keepAliveMs: 100 } });
    try {
      const org = await createOrg(quick, 'alice');
      const quiet = await openRaw(quick.wsUrl);
      await quiet.init(org.tokens.alice);
      const busy = await openRaw(quick.wsUrl);
      await busy.init(org.tokens.alice);
      busy.send({ id: 'live', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
      await until(() => quick.app.services.bus.stats().subscriptions === 1, 'the subscription');
      // One slice at 100 ms: every tick is a turn of both sockets. The busy socket's ping count at each of the
      // quiet socket's pings measures, in turns and not in wall-clock time (the machine may be loaded), how often
      // each is pinged.
      let busyPings = 0;
      const atQuietPing: number[] = [];
      busy.socket.on('ping', () => busyPings++);
      quiet.socket.on('ping', () => atQuietPing.push(busyPings));
      let publishing = true;
      const publisher = (async () => {
        while (publishing) {
          await publish(quick, org.tokens.alice!, { orgId: org.id, channel: 'property', type: 'property.update' });
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await until(() => atQuietPing.length >= 4, 'four pings of the quiet socket', 10_000);
      publishing = false;
      await publisher;
      // Three quiet rounds are nine turns: the busy socket, written to in (nearly) every one, is pinged in each
      // of those; at most once a turn. A quiet socket pinged every turn, or a busy one treated as quiet, fails.
      const busyInThreeQuietRounds = atQuietPing[3]! - atQuietPing[0]!;
      expect(busyInThreeQuietRounds).toBeGreaterThanOrEqual(6);
      expect(busyInThreeQuietRounds).toBeLessThanOrEqual(10);
      // Both are alive and still answer: neither was cut off.
      expect(quiet.socket.readyState).toBe(WebSocket.OPEN);
      expect(busy.socket.readyState).toBe(WebSocket.OPEN);
      quiet.socket.close();
      busy.socket.close();
    } finally {
      await quick.stop();
    }
  });

  it('terminates a peer that stops answering pings and releases its subscriptions', async () => {
    const quick = await startServer({ tuning: { keepAliveMs: 100 } });
    try {
      const org = await createOrg(quick, 'alice');
      const raw = await openRaw(quick.wsUrl);
      await raw.init(org.tokens.alice);
      raw.send({ id: 'live', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
      await until(() => quick.app.services.bus.stats().subscriptions === 1, 'the subscription');
      // A dead peer: its socket stays open at the TCP level but nothing is read or answered.
      (raw.socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
      raw.socket.pong = () => {};
      await until(() => quick.app.services.bus.stats().subscriptions === 0, 'the dead peer to be reaped', 3_000);
    } finally {
      await quick.stop();
    }
  });
});

void WebSocket;
