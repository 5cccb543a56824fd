import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type TestServer, startPair } from '../support/server.js';

const SEND = 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id orgId title read } }';
const INBOX =
  'query($u: Boolean) { notifications(unreadOnly: $u) { nodes { id title body data read } hasNextPage } unreadNotificationCount }';
const LIVE = 'subscription { notifications { unreadCount notification { id title } } }';

/** Inboxes belong to users across organizations, and test runs share a database: fresh user ids per test. */
let run = 0;
async function orgWithPeople(server: TestServer) {
  const n = `${Date.now().toString(36)}-${run++}`;
  const [alice, bob, carol] = [`alice-${n}`, `bob-${n}`, `carol-${n}`];
  const org = await createOrg(server, alice, { [bob]: 'MEMBER', [carol]: 'MEMBER' });
  const t = org.tokens as Record<string, string>;
  return { orgId: org.id, alice, bob, carol, as: { alice: t[alice]!, bob: t[bob]!, carol: t[carol]! } };
}

describe('notifications', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    [a, b] = await startPair();
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it.each(TRANSPORTS)(
    'reach their recipients only: live on another instance, and in history (%s)',
    async (transport) => {
      const p = await orgWithPeople(a);
      const before = b.app.services.bus.stats().subscriptions;
      const bobInbox = connect(transport, b, p.as.bob);
      const live = bobInbox.subscribe(LIVE);
      expect((await live.results.next('the starting count')).data.notifications).toEqual({
        unreadCount: 0,
        notification: null,
      });
      // Carol listens with every filter that could catch it.
      const carol = connect(transport, b, p.as.carol);
      const carolStreams = [{}, { channels: ['notifications'] }, { types: ['notification.new', 'alert.custom'] }].map(
        (f) => carol.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, ...f }),
      );
      const bobEvents = connect(transport, b, p.as.bob).subscribe(SUBSCRIBE_EVENTS, {
        orgId: p.orgId,
        channels: ['notifications'],
      });
      await until(() => b.app.services.bus.stats().subscriptions >= before + 4, 'the event subscriptions');

      const sent = (
        await gqlOk(
          a.graphqlUrl,
          SEND,
          {
            i: {
              orgId: p.orgId,
              userIds: [p.bob],
              title: 'Offer accepted',
              body: '12 Elm St',
              data: { propertyId: 'p-12' },
            },
          },
          p.as.alice,
        )
      ).sendNotification;
      expect(sent).toEqual([
        { id: expect.stringMatching(/^ntf_/), orgId: p.orgId, title: 'Offer accepted', read: false },
      ]);
      expect((await live.results.next('the notification')).data.notifications).toEqual({
        unreadCount: 1,
        notification: { id: sent[0].id, title: 'Offer accepted' },
      });
      expect((await bobEvents.results.next('notification.new')).data.events).toMatchObject({
        type: 'notification.new',
        channel: 'notifications',
      });

      // A public event after it: the first thing Carol's streams see is that one, so the notification never reached them.
      const after = await publish(a, p.as.alice, { orgId: p.orgId, channel: 'notifications', type: 'alert.custom' });
      for (const s of carolStreams) expect((await s.results.next('the public event')).data.events.id).toBe(after.id);
      const history = (token: string) =>
        gqlOk(
          a.graphqlUrl,
          'query($o: ID!) { events(orgId: $o, types: ["notification.new"]) { nodes { id } } }',
          { o: p.orgId },
          token,
        );
      expect((await history(p.as.carol)).events.nodes).toEqual([]);
      expect((await history(p.as.bob)).events.nodes).toHaveLength(1);
      await Promise.all([bobInbox.dispose(), carol.dispose()]);
    },
  );

  it('never reach a non-recipient by replay', async () => {
    const p = await orgWithPeople(a);
    const start = (
      await gqlOk(
        a.graphqlUrl,
        'query($o: ID!) { events(orgId: $o) { pageInfo { endCursor } } }',
        { o: p.orgId },
        p.as.carol,
      )
    ).events.pageInfo.endCursor;
    await gqlOk(a.graphqlUrl, SEND, { i: { orgId: p.orgId, userIds: [p.bob], title: 'Private' } }, p.as.alice);
    const marker = await publish(a, p.as.alice, { orgId: p.orgId, channel: 'user', type: 'user.activity' });
    const client = connect('ws', b, p.as.carol);
    const resumed = client.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, after: start });
    expect((await resumed.results.next()).data.events.id).toBe(marker.id);
    await client.dispose();
  });

  it("keep an inbox per user: list, count, mark read; other users' ids change nothing", async () => {
    const p = await orgWithPeople(a);
    for (const title of ['one', 'two', 'three'])
      await gqlOk(a.graphqlUrl, SEND, { i: { orgId: p.orgId, userIds: [p.bob, p.carol], title } }, p.as.alice);
    const bobInbox = await gqlOk(b.graphqlUrl, INBOX, {}, p.as.bob);
    expect(bobInbox.notifications.nodes.map((n: { title: string }) => n.title)).toEqual(['three', 'two', 'one']);
    expect(bobInbox.unreadNotificationCount).toBe(3);

    const client = connect('ws', b, p.as.bob);
    const live = client.subscribe(LIVE);
    await live.results.next('the starting count');
    const carolIds = (await gqlOk(a.graphqlUrl, INBOX, {}, p.as.carol)).notifications.nodes.map(
      (n: { id: string }) => n.id,
    );
    const stolen = await gql(
      a.graphqlUrl,
      'mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }',
      { ids: [bobInbox.notifications.nodes[0].id, carolIds[0]] },
      p.as.bob,
    );
    expect(errorCode(stolen)).toBe('NOT_FOUND');
    expect((await gqlOk(a.graphqlUrl, INBOX, {}, p.as.bob)).unreadNotificationCount).toBe(3);
    expect((await gqlOk(a.graphqlUrl, INBOX, {}, p.as.carol)).unreadNotificationCount).toBe(3);

    const one = await gqlOk(
      a.graphqlUrl,
      'mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }',
      { ids: [bobInbox.notifications.nodes[0].id] },
      p.as.bob,
    );
    expect(one.markNotificationsRead).toBe(1);
    expect((await live.results.next('the new count')).data.notifications).toEqual({
      unreadCount: 2,
      notification: null,
    });
    expect((await gqlOk(a.graphqlUrl, INBOX, { u: true }, p.as.bob)).notifications.nodes).toHaveLength(2);
    expect(
      (await gqlOk(a.graphqlUrl, 'mutation { markAllNotificationsRead }', {}, p.as.bob)).markAllNotificationsRead,
    ).toBe(2);
    expect((await live.results.next('the zero count')).data.notifications.unreadCount).toBe(0);
    expect((await gqlOk(a.graphqlUrl, INBOX, {}, p.as.carol)).unreadNotificationCount).toBe(3);
    await client.dispose();
  });

  it.each([
    [
      'a MEMBER sender',
      'bob',
      (p: Awaited<ReturnType<typeof orgWithPeople>>) => ({ userIds: [p.carol], title: 'x' }),
      'FORBIDDEN',
    ],
    ['a recipient outside the organization', 'alice', () => ({ userIds: ['mallory'], title: 'x' }), 'BAD_USER_INPUT'],
    [
      'an empty title',
      'alice',
      (p: Awaited<ReturnType<typeof orgWithPeople>>) => ({ userIds: [p.bob], title: ' ' }),
      'BAD_USER_INPUT',
    ],
    ['no recipients', 'alice', () => ({ userIds: [], title: 'x' }), 'BAD_USER_INPUT'],
    [
      'oversized data',
      'alice',
      (p: Awaited<ReturnType<typeof orgWithPeople>>) => ({
        userIds: [p.bob],
        title: 'x',
        data: { blob: 'x'.repeat(40_000) },
      }),
      'BAD_USER_INPUT',
    ],
  ] as const)('refuses %s with a clear error and sends nothing', async (_n, sender, input, code) => {
    const p = await orgWithPeople(a);
    const res = await gql(a.graphqlUrl, SEND, { i: { orgId: p.orgId, ...input(p) } }, p.as[sender]);
    expect(errorCode(res)).toBe(code);
    for (const user of ['bob', 'carol'] as const)
      expect((await gqlOk(a.graphqlUrl, INBOX, {}, p.as[user])).unreadNotificationCount).toBe(0);
  });
});
