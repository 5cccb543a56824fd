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
    server = await startServer({
      env: {
        LIMIT_CONNECTIONS_PER_USER: '2',
        LIMIT_SUBSCRIPTIONS_PER_CONNECTION: '3',
        LIMIT_PUBLISHES_PER_SECOND: '5',
        LIMIT_ORGANIZATIONS_PER_USER: '3',
        LIMIT_ANONYMOUS_CONNECTIONS: '3',
      },
    });
  });
  afterAll(() => server.stop());

  it("refuses a user's connection past the limit with 4429 and a reason; others are unaffected", async () => {
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
    for (const id of ['a', 'b', 'c'])
      raw.send({ id, type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    await until(() => server.app.services.bus.stats().subscriptions >= 3, 'three subscriptions');
    for (let i = 0; i < 50; i++)
      raw.send({
        id: `flood-${i}`,
        type: 'subscribe',
        payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } },
      });
    const refusals = await raw.messages.take(50, 'the refusals');
    expect(refusals.every((m) => m.type === 'error' && m.payload[0].extensions.code === 'RATE_LIMITED')).toBe(true);
    const e = await publish(server, org.tokens['sub-user']!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    const delivered = await raw.messages.take(3, 'the event on each subscription');
    expect(delivered.map((m) => [m.id, m.payload.data.events.id]).sort()).toEqual([
      ['a', e.id],
      ['b', e.id],
      ['c', e.id],
    ]);
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
    const stored = await gqlOk(
      server.graphqlUrl,
      'query($o: ID!) { events(orgId: $o, types: ["user.activity"], first: 100) { nodes { id } } }',
      { o: org.id },
      service,
    );
    expect(stored.events.nodes).toHaveLength(14 - refused.length + 1 + 15);
  });

  it('caps the organizations a user owns with RATE_LIMITED; their other operations, other users and services are unaffected', async () => {
    const CREATE = 'mutation($n: String!) { createOrganization(name: $n) { id } }';
    const MAKE = 'mutation($o: ID!, $u: ID!, $r: Role) { addMember(orgId: $o, userId: $u, role: $r) { role } }';
    const capper = await token('org-capper');
    const owned: string[] = [];
    for (let i = 0; i < 3; i++)
      owned.push((await gqlOk(server.graphqlUrl, CREATE, { n: `Capped ${i}` }, capper)).createOrganization.id);
    const refused = await gql(server.graphqlUrl, CREATE, { n: 'One too many' }, capper);
    expect(refused.errors?.[0]).toMatchObject({
      message:
        'You already own 3 organizations, the most one user may own on this server (3): leave one, or hand it to another OWNER, first.',
      extensions: { code: 'RATE_LIMITED', reason: 'ORGANIZATION_LIMIT', limit: 3 },
    });
    const mine = await gqlOk(server.graphqlUrl, '{ organizations { id } }', {}, capper);
    expect(mine.organizations.map((o: { id: string }) => o.id).sort()).toEqual([...owned].sort());
    await publish(server, capper, { orgId: owned[0], channel: 'user', type: 'user.activity' });
    // Others create as before; being made OWNER by another user counts too, being made ADMIN does not.
    const other = await token('org-other');
    const theirs = (await gqlOk(server.graphqlUrl, CREATE, { n: 'Theirs' }, other)).createOrganization.id;
    expect(errorCode(await gql(server.graphqlUrl, MAKE, { o: theirs, u: 'org-capper', r: 'OWNER' }, other))).toBe(
      'RATE_LIMITED',
    );
    await gqlOk(server.graphqlUrl, MAKE, { o: theirs, u: 'org-capper', r: 'ADMIN' }, other);
    // Handing one over and leaving it frees a place.
    await gqlOk(server.graphqlUrl, MAKE, { o: owned[0], u: 'org-other', r: 'OWNER' }, capper);
    await gqlOk(
      server.graphqlUrl,
      'mutation($o: ID!) { removeMember(orgId: $o, userId: "org-capper") }',
      { o: owned[0] },
      capper,
    );
    await gqlOk(server.graphqlUrl, CREATE, { n: 'Capped again' }, capper);
    // Services are exempt, creating and making OWNERs alike.
    const service = await token('org-backend', { service: true });
    for (let i = 0; i < 4; i++) await gqlOk(server.graphqlUrl, CREATE, { n: `Managed ${i}` }, service);
    await gqlOk(server.graphqlUrl, MAKE, { o: theirs, u: 'org-capper', r: 'OWNER' }, service);
  });

  it('caps graphql-ws connections without a token with 4429 and what to do; tokens are unaffected, a closed one frees its place', async () => {
    const anonymous = [];
    for (let i = 0; i < 3; i++) {
      const raw = await openRaw(server.wsUrl);
      await raw.init();
      anonymous.push(raw);
    }
    const over = await openRaw(server.wsUrl);
    over.send({ type: 'connection_init', payload: {} });
    expect(await Promise.race([over.messages.next('a close, not an ack'), over.closed])).toEqual({
      code: 4429,
      reason: 'Too many anonymous connections: send a token in connection_init',
    });
    // Refused tokens take no place either: still 4403.
    const bad = await openRaw(server.wsUrl);
    bad.send({ type: 'connection_init', payload: { authorization: 'Bearer nope' } });
    expect((await bad.closed).code).toBe(4403);
    const signed = await openRaw(server.wsUrl);
    await signed.init(await token('anon-cap-user'));
    // The anonymous connections still work, with a token per operation as GraphiQL sends it.
    const first = anonymous[0]!;
    first.send({
      id: '1',
      type: 'subscribe',
      payload: {
        query: '{ me { id } }',
        extensions: { headers: { authorization: `Bearer ${await token('anon-op')}` } },
      },
    });
    expect(await first.messages.next()).toMatchObject({
      id: '1',
      type: 'next',
      payload: { data: { me: { id: 'anon-op' } } },
    });
    first.socket.close();
    await first.closed;
    await until(async () => {
      const retry = await openRaw(server.wsUrl);
      retry.send({ type: 'connection_init', payload: {} });
      const ok = (await Promise.race([retry.messages.next(), retry.closed])) as { type?: string };
      retry.socket.close();
      await retry.closed;
      return ok.type === 'connection_ack';
    }, 'the freed anonymous place');
    for (const s of [...anonymous.slice(1), signed]) s.socket.close();
  });
});

describe('one publish budget for every event a user causes', () => {
  let server: TestServer;
  const users = ['pb-admin', 'pb-admin-2', 'pb-member'] as const;
  const tokens: Record<string, string> = {};
  let service: string;
  let orgId: string;
  let otherOrgId: string;
  beforeAll(async () => {
    // Half an event per second, bursts of one: the second change within two seconds is refused.
    server = await startServer({ env: { LIMIT_PUBLISHES_PER_SECOND: '0.5' } });
    service = await token('pb-backend', { service: true });
    for (const u of users) tokens[u] = await token(u);
    // Set up by a service, which is exempt, so that no user's budget is used before the test.
    const create = async () =>
      (await gqlOk(server.graphqlUrl, 'mutation { createOrganization(name: "Budget") { id } }', {}, service))
        .createOrganization.id as string;
    [orgId, otherOrgId] = [await create(), await create()];
    const roles: Array<[string, string, string]> = [
      [orgId, 'pb-admin', 'ADMIN'],
      [orgId, 'pb-admin-2', 'ADMIN'],
      [orgId, 'pb-member', 'MEMBER'],
      [otherOrgId, 'pb-admin', 'ADMIN'],
    ];
    for (const [o, u, r] of roles)
      await gqlOk(
        server.graphqlUrl,
        'mutation($o: ID!, $u: ID!, $r: Role) { addMember(orgId: $o, userId: $u, role: $r) { role } }',
        { o, u, r },
        service,
      );
  });
  afterAll(() => server.stop());

  const RENAME = 'mutation($o: ID!, $n: String!) { updateOrganization(orgId: $o, name: $n) { name } }';
  const eventTypes = async (o: string) =>
    (
      await gqlOk(
        server.graphqlUrl,
        'query($o: ID!) { events(orgId: $o, first: 100) { nodes { type actor { id } } } }',
        { o },
        service,
      )
    ).events.nodes as Array<{ type: string; actor: { id: string } }>;

  it("refuses a user's renames, membership changes, notifications and publishes past it; nothing is stored; others, services, reads and subscriptions are unaffected", async () => {
    const admin = tokens['pb-admin']!;
    const raw = await openRaw(server.wsUrl);
    await raw.init(admin);
    raw.send({
      id: 'live',
      type: 'subscribe',
      payload: { query: SUBSCRIBE_EVENTS, variables: { orgId, channels: ['organization'] } },
    });
    await until(() => server.app.services.bus.stats().subscriptions >= 1, 'the subscription');
    const before = (await eventTypes(orgId)).length;

    expect(
      (await gqlOk(server.graphqlUrl, RENAME, { o: orgId, n: 'Renamed once' }, admin)).updateOrganization.name,
    ).toBe('Renamed once');
    const attempts = {
      rename: gql(server.graphqlUrl, RENAME, { o: orgId, n: 'Renamed twice' }, admin),
      addMember: gql(
        server.graphqlUrl,
        'mutation($o: ID!) { addMember(orgId: $o, userId: "pb-new", role: VIEWER) { role } }',
        { o: orgId },
        admin,
      ),
      removeMember: gql(
        server.graphqlUrl,
        'mutation($o: ID!) { removeMember(orgId: $o, userId: "pb-member") }',
        { o: orgId },
        admin,
      ),
      sendNotification: gql(
        server.graphqlUrl,
        'mutation($o: ID!) { sendNotification(input: { orgId: $o, userIds: ["pb-member"], title: "Hi" }) { id } }',
        { o: orgId },
        admin,
      ),
      publishEvent: gql(
        server.graphqlUrl,
        PUBLISH,
        { input: { orgId, channel: 'user', type: 'user.activity' } },
        admin,
      ),
    };
    for (const [what, pending] of Object.entries(attempts)) {
      const res = await pending;
      expect([what, res.errors?.[0]?.extensions?.code]).toEqual([what, 'RATE_LIMITED']);
      expect(res.errors?.[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
      expect(res.errors?.[0]?.message).toMatch(
        /^Too many changes in organization ".+": published events, renames, membership changes and notifications share one budget per user\. Slow down and retry in \d+ ms\.$/,
      );
    }
    // Nothing of the refused calls was stored: one rename event, the member is still there, no inbox entry.
    expect((await eventTypes(orgId)).slice(before).map((e) => e.type)).toEqual(['organization.change']);
    const org = await gqlOk(
      server.graphqlUrl,
      'query($o: ID!) { organization(id: $o) { name members { userId } } }',
      { o: orgId },
      admin,
    );
    expect(org.organization.name).toBe('Renamed once');
    expect(org.organization.members.map((m: { userId: string }) => m.userId).sort()).toEqual([
      'pb-admin',
      'pb-admin-2',
      'pb-member',
    ]);
    expect(
      (await gqlOk(server.graphqlUrl, '{ unreadNotificationCount }', {}, tokens['pb-member'])).unreadNotificationCount,
    ).toBe(0);

    // The same user in another organization, another user in this one, and a service are unaffected.
    await gqlOk(server.graphqlUrl, RENAME, { o: otherOrgId, n: 'Elsewhere' }, admin);
    await gqlOk(server.graphqlUrl, RENAME, { o: orgId, n: 'By the other admin' }, tokens['pb-admin-2']);
    for (let i = 0; i < 3; i++) await gqlOk(server.graphqlUrl, RENAME, { o: orgId, n: `By the service ${i}` }, service);
    // The refused user's subscription saw every stored change, and nothing else.
    const seen = await raw.messages.take(5, 'the stored renames');
    expect(seen.map((m) => m.payload.data.events.organization.name)).toEqual([
      'Renamed once',
      'By the other admin',
      'By the service 0',
      'By the service 1',
      'By the service 2',
    ]);
    expect(raw.messages.pending).toBe(0);
    raw.socket.close();
  });
});
