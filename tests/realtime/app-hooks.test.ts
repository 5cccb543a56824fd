import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAppBackend } from '../support/app-backend.js';
import { type LiveSubscription, connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gqlOk } from '../support/http.js';
import { Inbox, until } from '../support/inbox.js';
import { serviceToken } from '../support/publish-api.js';
import { type TestServer, startServer, uniquePrefix } from '../support/server.js';

type AppBackend = Awaited<ReturnType<typeof startAppBackend>>;

const ME = '{ me { id name } }';
const ADD_MEMBER = 'mutation($o: ID!, $u: ID!) { addMember(orgId: $o, userId: $u, role: MEMBER) { role } }';
const REVOKE =
  'mutation($o: ID!, $u: ID!, $c: String!, $s: ID) { revokeChannelAccess(orgId: $o, userId: $u, channel: $c, subjectId: $s) }';

/** A GraphQL request as the app's own web page sends it: its session cookie, and the CSRF header. */
async function withCookie(server: TestServer, cookie: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-graphql-csrf': '1', cookie, connection: 'close' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as { data?: any; errors?: any[] }) };
}

/** graphql-ws whose upgrade request carries the cookie, as a browser's does; nothing in connection_init. */
function wsWithCookie(server: TestServer, cookie: string) {
  const closed = new Inbox<{ code: number; reason: string }>();
  const client = createWsClient({
    url: server.wsUrl,
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    },
    retryAttempts: 0,
    on: { closed: (e) => closed.push(e as { code: number; reason: string }) },
  });
  return { client, closed };
}

const subscribe = (client: ReturnType<typeof createWsClient>, variables: Record<string, unknown>) => {
  const results = new Inbox<any>();
  let settle!: (r: { error?: unknown }) => void;
  const ended = new Promise<{ error?: unknown }>((resolve) => (settle = resolve));
  const unsubscribe = client.subscribe(
    { query: SUBSCRIBE_EVENTS, variables },
    { next: (r) => results.push(r), error: (error) => settle({ error }), complete: () => settle({}) },
  );
  return { results, ended, unsubscribe } as LiveSubscription;
};

describe("the app's own sign-in and room authorization (connect and subscribe hooks)", () => {
  let app: AppBackend;
  let a: TestServer;
  let b: TestServer;
  let orgId: string;
  let owner: string;
  let run = 0;
  let ids: { ann: string; ben: string };
  beforeAll(async () => {
    app = await startAppBackend();
    const redisPrefix = uniquePrefix();
    const options = { redis: true, postgres: true, redisPrefix, env: app.env };
    [a, b] = [await startServer(options), await startServer(options)];
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await app.stop();
  });
  beforeEach(async () => {
    app.behaviour.slowMs = 0;
    app.behaviour.failing = false;
    const n = `${Date.now().toString(36)}-${run++}`;
    ids = { ann: `ann-${n}`, ben: `ben-${n}` };
    app.sessions.set(`ann-session-${n}`, { userId: ids.ann, name: 'Ann App' });
    app.sessions.set(`ben-opaque-${n}`, { userId: ids.ben, name: 'Ben App' });
    const org = await createOrg(a, `owner-${n}`);
    orgId = org.id;
    owner = org.tokens[`owner-${n}`]!;
    for (const u of [ids.ann, ids.ben]) await gqlOk(a.graphqlUrl, ADD_MEMBER, { o: orgId, u }, owner);
  });
  const annCookie = () => `theme=dark; next-auth.session-token=ann-session-${ids.ann.slice(4)}`;
  const benToken = () => `ben-opaque-${ids.ben.slice(4)}`;

  it('signs a user in with the session cookie over HTTP, SSE and the WebSocket upgrade, and an opaque token in connection_init', async () => {
    expect((await withCookie(a, annCookie(), ME)).data.me).toEqual({ id: ids.ann, name: 'Ann App' });
    // The app saw a signed call with exactly what the browser sent.
    expect(app.calls.at(-1)).toEqual({
      path: '/api/switchboard/connect',
      body: { credentials: { cookie: annCookie() } },
    });

    const ws = wsWithCookie(b, annCookie());
    const live = subscribe(ws.client, { orgId });
    const sse = createSseClient({
      url: b.graphqlUrl,
      headers: { cookie: annCookie(), 'x-graphql-csrf': '1' },
      retryAttempts: 0,
    });
    const sseResults = new Inbox<any>();
    const stopSse = sse.subscribe(
      { query: SUBSCRIBE_EVENTS, variables: { orgId } },
      { next: (r) => sseResults.push(r), error: () => {}, complete: () => {} },
    );
    const ben = connect('ws', b, benToken()); // "Bearer <opaque>" in connection_init: asked of the app too
    const benLive = ben.subscribe(SUBSCRIBE_EVENTS, { orgId });
    await until(() => b.app.services.bus.stats().subscriptions >= 3, 'the subscriptions');

    const sent = await publish(a, owner, { orgId, channel: 'user', type: 'user.activity' });
    expect((await live.results.next('over graphql-ws')).data.events.id).toBe(sent.id);
    expect((await sseResults.next('over SSE')).data.events.id).toBe(sent.id);
    expect((await benLive.results.next('with the opaque token')).data.events.id).toBe(sent.id);
    // Everything after sign-in is as with a JWT: Ann publishes as a MEMBER.
    const own = await withCookie(
      a,
      annCookie(),
      'mutation($i: PublishEventInput!) { publishEvent(input: $i) { actor { id } } }',
      {
        i: { orgId, channel: 'user', type: 'user.activity' },
      },
    );
    expect(own.data.publishEvent.actor.id).toBe(ids.ann);
    expect(app.badSignatures()).toBe(0);
    // The app's pages on an allowed origin may send the cookie cross-origin (CORS with credentials).
    const preflight = await fetch(a.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    stopSse();
    await Promise.all([ws.client.dispose(), ben.dispose(), sse.dispose()]);
  });

  it('refuses credentials the app does not know: 401 over HTTP, 4403 over graphql-ws, nothing else harmed', async () => {
    const wrong = await withCookie(a, 'next-auth.session-token=forged', ME);
    expect(wrong.status).toBe(401);
    expect(wrong.errors?.[0]?.message).toBe("Invalid token: the app's sign-in refused these credentials.");
    const ws = wsWithCookie(a, 'next-auth.session-token=forged');
    subscribe(ws.client, { orgId });
    expect(await ws.closed.next('the close')).toMatchObject({ code: 4403 });
    // A cookie the app does not use is no sign-in at all: anonymous, as without any credentials.
    expect(errorCode(await withCookie(a, 'theme=dark', ME))).toBe('UNAUTHENTICATED');
    expect((await withCookie(a, annCookie(), ME)).data.me.id).toBe(ids.ann);
    await ws.client.dispose();
  });

  it('fails closed, quickly, when the app is slow or broken; other callers are not held up', async () => {
    app.behaviour.slowMs = 5_000;
    const slow = withCookie(a, `next-auth.session-token=other-${Date.now()}`, ME);
    // A JWT user of another organization is served meanwhile: answered first.
    const served = gqlOk(a.graphqlUrl, ME, {}, owner);
    expect(await Promise.race([served.then(() => 'jwt'), slow.then(() => 'cookie')])).toBe('jwt');
    expect((await served).me.id).toMatch(/^owner-/);
    // The app's five seconds are not waited for: the call gives up after AUTH_HOOK_TIMEOUT.
    const answer = await slow;
    expect(answer.status).toBe(401);
    expect(answer.errors?.[0]?.message).toMatch(/could not be reached \(no answer within 400 ms\)/);

    app.behaviour.slowMs = 0;
    app.behaviour.failing = true;
    const broken = await withCookie(a, `next-auth.session-token=again-${Date.now()}`, ME);
    expect(broken.errors?.[0]?.message).toMatch(/answered 500 without a userId/);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_app_hook_calls_total\{hook="connect",outcome="timeout"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_app_hook_calls_total\{hook="connect",outcome="status_5xx"\} [1-9]/);
  });

  it('asks the app about each guarded room once, keeps rooms from streams that do not name them, and ends a revoked one', async () => {
    app.rooms.add(`${ids.ann}:r1`);
    const ws = wsWithCookie(b, annCookie());
    const before = b.app.services.bus.stats().subscriptions;
    const r1 = subscribe(ws.client, { orgId, channels: ['room'], subjectIds: ['r1'] });
    const all = subscribe(ws.client, { orgId });
    await until(() => b.app.services.bus.stats().subscriptions >= before + 2, 'the subscriptions');
    const denied = subscribe(ws.client, { orgId, channels: ['room'], subjectIds: ['r2'] });
    const [error] = await refusal(denied);
    expect(error?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_AUTHORIZED', channel: 'room' });
    expect(error?.message).toBe('The app does not let you read "r2" on channel "room".');

    const inRoom = await publish(a, owner, { orgId, channel: 'room', type: 'room.message', subjectId: 'r1' });
    const marker = await publish(a, owner, { orgId, channel: 'user', type: 'user.activity' });
    expect((await r1.results.next('the room message')).data.events.id).toBe(inRoom.id);
    expect((await all.results.next('the next event of all channels')).data.events.id).toBe(marker.id);
    // History: the room only when named (and allowed).
    const history = (channels?: string[]) =>
      withCookie(
        b,
        annCookie(),
        'query($o: ID!, $c: [String!], $s: [ID!]) { events(orgId: $o, channels: $c, subjectIds: $s) { nodes { id } } }',
        {
          o: orgId,
          c: channels,
          s: channels ? ['r1'] : undefined,
        },
      );
    expect((await history()).data.events.nodes.map((e: { id: string }) => e.id)).not.toContain(inRoom.id);
    expect((await history(['room'])).data.events.nodes.map((e: { id: string }) => e.id)).toEqual([inRoom.id]);

    // A second stream of the same room on this instance: the answer is reused, the app is not asked again.
    const asked = app.calls.filter((c) => c.path.endsWith('/subscribe')).length;
    const again = subscribe(ws.client, { orgId, channels: ['room'], subjectIds: ['r1'] });
    await until(() => b.app.services.bus.stats().subscriptions >= before + 3, 'the second room stream');
    expect(app.calls.filter((c) => c.path.endsWith('/subscribe')).length).toBe(asked);

    // The app takes the room back (on the other instance): both streams of it end; the next ask is answered anew.
    app.rooms.delete(`${ids.ann}:r1`);
    await gqlOk(a.graphqlUrl, REVOKE, { o: orgId, u: ids.ann, c: 'room', s: 'r1' }, await serviceToken());
    for (const s of [r1, again]) {
      const [revoked] = await refusal(s);
      expect(revoked?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCESS_REVOKED', subjectId: 'r1' });
    }
    expect((await all.results.next('the revocation, addressed to Ann')).data.events.type).toBe('member.access_revoked');
    const [refused] = await refusal(subscribe(ws.client, { orgId, channels: ['room'], subjectIds: ['r1'] }));
    expect(refused?.extensions).toMatchObject({ reason: 'NOT_AUTHORIZED' });
    await ws.client.dispose();
  });

  it('guards typing rooms too when "typing" is a guarded channel: typing and watching need the app\'s yes', async () => {
    app.rooms.add(`${ids.ann}:desk`);
    const typeIn = (room: string) =>
      withCookie(a, annCookie(), 'mutation($o: ID!, $r: String!) { setTyping(orgId: $o, room: $r, typing: true) }', {
        o: orgId,
        r: room,
      });
    const refusedTyping = await typeIn('boardroom');
    expect(refusedTyping.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_AUTHORIZED' });
    const ws = wsWithCookie(a, annCookie());
    const watch = (room: string) => {
      const results = new Inbox<any>();
      let settle!: (r: { error?: unknown }) => void;
      const ended = new Promise<{ error?: unknown }>((resolve) => (settle = resolve));
      ws.client.subscribe(
        {
          query: 'subscription($o: ID!, $r: String!) { typing(orgId: $o, room: $r) { users { userId } } }',
          variables: { o: orgId, r: room },
        },
        { next: (r) => results.push(r), error: (error) => settle({ error }), complete: () => settle({}) },
      );
      return { results, ended, unsubscribe: () => {} } as LiveSubscription;
    };
    const [error] = await refusal(watch('boardroom'));
    expect(error?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_AUTHORIZED', subjectId: 'boardroom' });
    const desk = watch('desk');
    await desk.results.next('the first typing state');
    expect((await typeIn('desk')).data.setTyping).toBe(true);
    expect((await desk.results.next('Ann typing')).data.typing.users).toEqual([{ userId: ids.ann }]);
    await ws.client.dispose();
  });

  it('refuses a guarded room when the app cannot answer, for that subscription only', async () => {
    app.rooms.add(`${ids.ann}:r3`);
    const ws = wsWithCookie(a, annCookie());
    const before = a.app.services.bus.stats().subscriptions;
    const all = subscribe(ws.client, { orgId });
    await until(() => a.app.services.bus.stats().subscriptions > before, 'the subscription');
    app.behaviour.failing = true;
    const [broken] = await refusal(subscribe(ws.client, { orgId, channels: ['room'], subjectIds: ['r3'] }));
    expect(broken?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'AUTHORIZATION_UNAVAILABLE' });
    expect(broken?.message).toMatch(/could not be asked \(the app answered 500 without \{"allow": true\|false\}\)/);
    app.behaviour.failing = false;
    app.behaviour.slowMs = 5_000;
    const [error] = await refusal(subscribe(ws.client, { orgId, channels: ['room'], subjectIds: ['r3'] }));
    expect(error?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'AUTHORIZATION_UNAVAILABLE' });
    expect(error?.message).toMatch(/could not be asked \(no answer within 400 ms\)/);
    const marker = await publish(a, owner, { orgId, channel: 'user', type: 'user.activity' });
    expect((await all.results.next('the next event')).data.events.id).toBe(marker.id);
    await ws.client.dispose();
  });
});
