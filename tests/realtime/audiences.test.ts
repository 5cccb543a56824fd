import { describe, expect, it } from 'vitest';
import { TRANSPORTS, type LiveSubscription, connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { postEvents, serviceToken } from '../support/publish-api.js';
import { type TestServer, pairPerSuite } from '../support/server.js';

const HISTORY = 'query($o: ID!) { events(orgId: $o, first: 100) { nodes { id } pageInfo { endCursor } } }';
const ADD_MEMBER = 'mutation($o: ID!, $u: ID!, $r: Role!) { addMember(orgId: $o, userId: $u, role: $r) { role } }';
const REMOVE_MEMBER = 'mutation($o: ID!, $u: ID!) { removeMember(orgId: $o, userId: $u) }';

let run = 0;
/** Alice owns the organization; Dave is its ADMIN; Bob and Carol are MEMBERs. */
async function team(server: TestServer) {
  const n = `${Date.now().toString(36)}-${run++}`;
  const [alice, bob, carol, dave] = [`alice-${n}`, `bob-${n}`, `carol-${n}`, `dave-${n}`];
  const org = await createOrg(server, alice, { [bob]: 'MEMBER', [carol]: 'MEMBER', [dave]: 'ADMIN' });
  const t = org.tokens as Record<string, string>;
  return {
    orgId: org.id,
    ids: { alice, bob, carol, dave },
    as: { alice: t[alice]!, bob: t[bob]!, carol: t[carol]!, dave: t[dave]! },
  };
}
type Team = Awaited<ReturnType<typeof team>>;

/** The ids of the next `n` events a subscription receives. */
const nextIds = async (s: LiveSubscription, n: number, what: string) =>
  (await s.results.take(n, what)).map((r) => r.data?.events.id as string);

const historyIds = async (server: TestServer, orgId: string, auth: string) =>
  ((await gqlOk(server.graphqlUrl, HISTORY, { o: orgId }, auth)).events.nodes as { id: string }[]).map((e) => e.id);

describe('audiences: private events reach exactly their audience', () => {
  const pair = pairPerSuite();

  async function subscribed(p: Team, transport: (typeof TRANSPORTS)[number], who: (keyof Team['as'])[]) {
    const before = pair.b.app.services.bus.stats().subscriptions;
    const clients = who.map((w) => connect(transport, pair.b, p.as[w]));
    const streams = clients.map((c) => c.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId }));
    await until(() => pair.b.app.services.bus.stats().subscriptions >= before + who.length, 'the subscriptions');
    return { streams, dispose: () => Promise.all(clients.map((c) => c.dispose())) };
  }

  it.each(TRANSPORTS)('live, by resume and in history, on another instance (%s)', async (transport) => {
    const p = await team(pair.a);
    const start = (await gqlOk(pair.a.graphqlUrl, HISTORY, { o: p.orgId }, p.as.carol)).events.pageInfo.endCursor;
    const live = await subscribed(p, transport, ['alice', 'bob', 'carol', 'dave']);
    const [alice, bob, carol, dave] = live.streams as [LiveSubscription, ...LiveSubscription[]];

    const toBob = await publish(pair.a, p.as.alice, {
      orgId: p.orgId,
      channel: 'user',
      type: 'user.message',
      subjectId: p.ids.bob,
      payload: { text: 'for Bob only' },
      audience: { userIds: [p.ids.bob] },
    });
    const toAdmins = await publish(pair.a, p.as.bob, {
      orgId: p.orgId,
      channel: 'property',
      type: 'property.offer',
      audience: { roles: ['ADMIN'] },
    });
    const marker = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'property', type: 'property.update' });

    // Each stream's next events are exactly its own: what it must not see would come before the marker.
    expect(await nextIds(bob!, 2, "Bob's events")).toEqual([toBob.id, marker.id]);
    expect(await nextIds(dave!, 2, "Dave's events")).toEqual([toAdmins.id, marker.id]);
    expect(await nextIds(carol!, 1, "Carol's events")).toEqual([marker.id]);
    // Roles are exact: the OWNER is not in an audience of ADMINs.
    expect(await nextIds(alice, 1, "Alice's events")).toEqual([marker.id]);

    expect(await historyIds(pair.b, p.orgId, p.as.carol)).not.toContain(toBob.id);
    expect(await historyIds(pair.b, p.orgId, p.as.carol)).not.toContain(toAdmins.id);
    expect(await historyIds(pair.b, p.orgId, p.as.bob)).toEqual(expect.arrayContaining([toBob.id]));
    expect(await historyIds(pair.b, p.orgId, p.as.dave)).toEqual(expect.arrayContaining([toAdmins.id]));

    // A client resuming from before them (graphql-ws and SSE replay the same way).
    const resumer = connect(transport, pair.b, p.as.carol);
    const resumed = resumer.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, after: start });
    expect(await nextIds(resumed, 1, 'the replay')).toEqual([marker.id]);
    await Promise.all([live.dispose(), resumer.dispose()]);
  });

  it("follow a member's role: promoted, they receive the role's events from then on; demoted, no longer", async () => {
    const p = await team(pair.a);
    const live = await subscribed(p, 'ws', ['carol']);
    const carol = live.streams[0]!;
    const forAdmins = () =>
      publish(pair.a, p.as.alice, {
        orgId: p.orgId,
        channel: 'property',
        type: 'property.offer',
        audience: { roles: ['ADMIN'] },
      });

    await forAdmins();
    await gqlOk(pair.a.graphqlUrl, ADD_MEMBER, { o: p.orgId, u: p.ids.carol, r: 'ADMIN' }, p.as.alice);
    const second = await forAdmins();
    await gqlOk(pair.a.graphqlUrl, ADD_MEMBER, { o: p.orgId, u: p.ids.carol, r: 'MEMBER' }, p.as.alice);
    await forAdmins();
    const marker = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'property', type: 'property.update' });

    const seen = (await carol.results.take(4, "Carol's events")).map((r) => r.data?.events);
    expect(seen.map((e) => e.type)).toEqual(['member.update', 'property.offer', 'member.update', 'property.update']);
    expect([seen[1].id, seen[3].id]).toEqual([second.id, marker.id]);
    await live.dispose();
  });

  it('never reach a member removed and re-added with a lesser role, even resuming from before', async () => {
    const p = await team(pair.a);
    const before = (await gqlOk(pair.a.graphqlUrl, HISTORY, { o: p.orgId }, p.as.dave)).events.pageInfo.endCursor;
    await gqlOk(pair.a.graphqlUrl, REMOVE_MEMBER, { o: p.orgId, u: p.ids.dave }, p.as.alice);
    const forAdmins = await publish(pair.a, p.as.alice, {
      orgId: p.orgId,
      channel: 'property',
      type: 'property.offer',
      audience: { roles: ['ADMIN'] },
    });
    const toDave = await publish(pair.a, p.as.alice, {
      orgId: p.orgId,
      channel: 'user',
      type: 'user.message',
      audience: { userIds: [p.ids.dave] },
    });
    await gqlOk(pair.a.graphqlUrl, ADD_MEMBER, { o: p.orgId, u: p.ids.dave, r: 'MEMBER' }, p.as.alice);
    const marker = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'property', type: 'property.update' });
    const client = connect('ws', pair.b, p.as.dave);
    const resumed = client.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, after: before });
    const replayed = (await resumed.results.take(4, 'the replay')).map((r) => r.data?.events);
    // Dave's removal, the message addressed to him by name, his return, the marker: not the ADMINs' event.
    expect(replayed.map((e) => e.type)).toEqual(['member.leave', 'user.message', 'member.join', 'property.update']);
    expect([replayed[1].id, replayed[3].id]).toEqual([toDave.id, marker.id]);
    expect(await historyIds(pair.a, p.orgId, p.as.dave)).not.toContain(forAdmins.id);
    await client.dispose();
  });

  it('reach a service only when they name it, like anyone (published through the HTTP API)', async () => {
    const p = await team(pair.a);
    const backend = connect('ws', pair.b, await serviceToken());
    const before = pair.b.app.services.bus.stats().subscriptions;
    const all = backend.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId });
    await until(() => pair.b.app.services.bus.stats().subscriptions > before, 'the subscription');
    const res = await postEvents(pair.a, await serviceToken(), {
      events: [
        { orgId: p.orgId, channel: 'user', type: 'user.message', audience: { userIds: [p.ids.bob] } },
        { orgId: p.orgId, channel: 'property', type: 'property.offer', audience: { roles: ['OWNER', 'ADMIN'] } },
        { orgId: p.orgId, channel: 'system', type: 'sync.done', audience: { userIds: ['backend'] } },
      ],
    });
    expect(res.status).toBe(200);
    const ids = res.body.results.map((r: { id: string }) => r.id);
    // The service's token has sub "backend": only the third names it.
    expect(await nextIds(all, 1, 'the event for the backend')).toEqual([ids[2]]);
    expect(await historyIds(pair.b, p.orgId, p.as.alice)).toContain(ids[1]);
    expect(await historyIds(pair.b, p.orgId, p.as.alice)).not.toContain(ids[0]);
    expect(await historyIds(pair.b, p.orgId, p.as.bob)).toContain(ids[0]);
    await backend.dispose();
  });

  it('refuse an audience that names nobody, a role that does not exist or too many users; nothing is stored', async () => {
    const p = await team(pair.a);
    const client = connect('ws', pair.b, p.as.bob);
    const subscriptions = pair.b.app.services.bus.stats().subscriptions;
    const bystander = client.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId });
    await until(() => pair.b.app.services.bus.stats().subscriptions > subscriptions, 'the subscription');
    const stored = await historyIds(pair.a, p.orgId, p.as.alice);
    const input = (audience: unknown) => ({ orgId: p.orgId, channel: 'user', type: 'user.message', audience });

    const empty = await gql(pair.a.graphqlUrl, PUBLISH_ONE, { input: input({}) }, p.as.alice);
    expect(errorCode(empty)).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0]?.message).toMatch(/audience names nobody/);
    const tooMany = Array.from({ length: 101 }, (_, i) => `u${i}`);
    const crowd = await gql(pair.a.graphqlUrl, PUBLISH_ONE, { input: input({ userIds: tooMany }) }, p.as.alice);
    expect(crowd.errors?.[0]?.message).toMatch(/audience names 101 users; at most 100/);
    const badRole = await gql(pair.a.graphqlUrl, PUBLISH_ONE, { input: input({ roles: ['GOD'] }) }, p.as.alice);
    // GraphQL checks the enum itself, before anything runs.
    expect(badRole.errors?.[0]?.message).toMatch(/"GOD" does not exist in "Role" enum/);

    // The HTTP API takes any JSON: each shape gets its own reason, and the organization's batch is refused whole.
    const service = await serviceToken();
    const res = await postEvents(pair.a, service, {
      events: [
        input({ userIds: [p.ids.bob] }),
        input({ roles: ['GOD'] }),
        input('bob'),
        input({ userIds: [7] }),
        input({ users: ['bob'] }),
      ],
    });
    const messages = res.body.results.map((r: { error?: { message: string } }) => r.error?.message);
    expect(messages[1]).toMatch(/audience.roles: "GOD" is not a role/);
    expect(messages[2]).toMatch(/audience must be an object/);
    expect(messages[3]).toMatch(/audience.userIds must be a list of strings/);
    expect(messages[4]).toMatch(/audience has unknown fields \(users\)/);
    expect(res.status).toBe(400);
    expect(messages[0]).toMatch(/Not published: events\[1\] of the same organization was refused/);
    expect(await historyIds(pair.a, p.orgId, p.as.alice)).toEqual(stored);

    // The socket and its subscription still work.
    const after = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'user', type: 'user.message' });
    expect(await nextIds(bystander, 1, 'the next event')).toEqual([after.id]);
    await client.dispose();
  });
});

const PUBLISH_ONE = 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { id } }';
