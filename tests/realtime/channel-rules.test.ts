import { describe, expect, it } from 'vitest';
import { TRANSPORTS, type LiveSubscription, connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type TestServer, pairPerSuite } from '../support/server.js';

const SET_RULE = `mutation($o: ID!, $c: String!, $s: Role, $p: Role) {
  setChannelRule(orgId: $o, channel: $c, subscribeRole: $s, publishRole: $p) { channel subscribeRole publishRole }
}`;
const RULES = 'query($o: ID!) { organization(id: $o) { channelRules { channel subscribeRole publishRole } } }';
const HISTORY =
  'query($o: ID!, $c: [String!]) { events(orgId: $o, channels: $c, first: 100) { nodes { id channel } } }';
const ADD_MEMBER = 'mutation($o: ID!, $u: ID!, $r: Role!) { addMember(orgId: $o, userId: $u, role: $r) { role } }';
const PUBLISH_ONE = 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { id } }';

let run = 0;
/** Alice owns the organization; Dave is its ADMIN; Bob is a MEMBER. */
async function team(server: TestServer) {
  const n = `${Date.now().toString(36)}-${run++}`;
  const [alice, bob, dave] = [`alice-${n}`, `bob-${n}`, `dave-${n}`];
  const org = await createOrg(server, alice, { [bob]: 'MEMBER', [dave]: 'ADMIN' });
  const t = org.tokens as Record<string, string>;
  return { orgId: org.id, ids: { alice, bob, dave }, as: { alice: t[alice]!, bob: t[bob]!, dave: t[dave]! } };
}

const nextIds = async (s: LiveSubscription, n: number, what: string) =>
  (await s.results.take(n, what)).map((r) => r.data?.events.id as string);

describe('channel rules: who may read and publish on a channel', () => {
  const pair = pairPerSuite();

  const subscriptionsOn = (s: TestServer) => s.app.services.bus.stats().subscriptions;

  it('keep a guarded channel from members below its role: subscribe, publish, history and streams of all channels', async () => {
    const p = await team(pair.a);
    const rule = { o: p.orgId, c: 'finance', s: 'ADMIN', p: 'ADMIN' };
    expect((await gqlOk(pair.a.graphqlUrl, SET_RULE, rule, p.as.dave)).setChannelRule).toEqual({
      channel: 'finance',
      subscribeRole: 'ADMIN',
      publishRole: 'ADMIN',
    });
    expect((await gqlOk(pair.b.graphqlUrl, RULES, { o: p.orgId }, p.as.bob)).organization.channelRules).toEqual([
      { channel: 'finance', subscribeRole: 'ADMIN', publishRole: 'ADMIN' },
    ]);

    const bobClient = connect('ws', pair.b, p.as.bob);
    const before = subscriptionsOn(pair.b);
    const everything = bobClient.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId });
    const refused = bobClient.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, channels: ['property', 'finance'] });
    const [error] = await refusal(refused);
    expect(error?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'CHANNEL_RULE', channel: 'finance' });
    expect(error?.message).toBe('Channel "finance" needs ADMIN or above to subscribe to or read; your role is MEMBER.');
    await until(() => subscriptionsOn(pair.b) === before + 1, 'the one subscription left');

    const published = await gql(
      pair.a.graphqlUrl,
      PUBLISH_ONE,
      { input: { orgId: p.orgId, channel: 'finance', type: 'invoice.paid' } },
      p.as.bob,
    );
    expect(errorCode(published)).toBe('FORBIDDEN');
    expect(published.errors?.[0]?.message).toMatch(/needs ADMIN or above to publish on; your role is MEMBER/);

    const secret = await publish(pair.a, p.as.dave, { orgId: p.orgId, channel: 'finance', type: 'invoice.paid' });
    const marker = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'property', type: 'property.update' });
    // The finance event would come first.
    expect(await nextIds(everything, 1, "Bob's next event")).toEqual([marker.id]);

    const bobHistory = (await gqlOk(pair.b.graphqlUrl, HISTORY, { o: p.orgId }, p.as.bob)).events.nodes;
    expect(bobHistory.map((e: { id: string }) => e.id)).not.toContain(secret.id);
    expect(errorCode(await gql(pair.b.graphqlUrl, HISTORY, { o: p.orgId, c: ['finance'] }, p.as.bob))).toBe(
      'FORBIDDEN',
    );
    const daveHistory = (await gqlOk(pair.b.graphqlUrl, HISTORY, { o: p.orgId, c: ['finance'] }, p.as.dave)).events
      .nodes;
    expect(daveHistory.map((e: { id: string }) => e.id)).toEqual([secret.id]);
    await bobClient.dispose();
  });

  it.each(TRANSPORTS)(
    'end open streams that no longer qualify when a rule is tightened on another instance; others carry on (%s)',
    async (transport) => {
      const p = await team(pair.a);
      const before = subscriptionsOn(pair.b);
      const bob = connect(transport, pair.b, p.as.bob);
      const dave = connect(transport, pair.b, p.as.dave);
      const bobProperty = bob.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, channels: ['property'] });
      const bobAll = bob.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId });
      const daveProperty = dave.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, channels: ['property'] });
      await until(() => subscriptionsOn(pair.b) >= before + 3, 'the subscriptions');

      await gqlOk(pair.a.graphqlUrl, SET_RULE, { o: p.orgId, c: 'property', s: 'ADMIN' }, p.as.alice);
      const [error] = await refusal(bobProperty);
      expect(error?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'CHANNEL_RULE', channel: 'property' });

      const offer = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'property', type: 'property.update' });
      const marker = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'user', type: 'user.activity' });
      expect(await nextIds(daveProperty, 1, "Dave's property event")).toEqual([offer.id]);
      const bobSaw = (await bobAll.results.take(2, "Bob's events")).map((r) => r.data?.events);
      expect(bobSaw.map((e) => e.type)).toEqual(['organization.rule', 'user.activity']);
      expect(bobSaw[1].id).toBe(marker.id);
      await Promise.all([bob.dispose(), dave.dispose()]);
    },
  );

  it('follow roles: a demoted member loses a guarded stream, and the defaults lift the rule', async () => {
    const p = await team(pair.a);
    await gqlOk(pair.a.graphqlUrl, SET_RULE, { o: p.orgId, c: 'finance', s: 'ADMIN' }, p.as.alice);
    const dave = connect('ws', pair.b, p.as.dave);
    const before = subscriptionsOn(pair.b);
    const finance = dave.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, channels: ['finance'] });
    await until(() => subscriptionsOn(pair.b) > before, 'the subscription');
    await gqlOk(pair.a.graphqlUrl, ADD_MEMBER, { o: p.orgId, u: p.ids.dave, r: 'MEMBER' }, p.as.alice);
    const [error] = await refusal(finance);
    expect(error?.message).toMatch(/needs ADMIN or above to subscribe to or read; your role is MEMBER/);

    // Back to the defaults: the rule is gone, and Dave (a MEMBER now) may subscribe and publish again.
    await gqlOk(pair.a.graphqlUrl, SET_RULE, { o: p.orgId, c: 'finance' }, p.as.alice);
    expect((await gqlOk(pair.a.graphqlUrl, RULES, { o: p.orgId }, p.as.dave)).organization.channelRules).toEqual([]);
    const again = dave.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, channels: ['finance'] });
    await until(() => subscriptionsOn(pair.b) > before, 'the new subscription');
    const paid = await publish(pair.a, p.as.dave, { orgId: p.orgId, channel: 'finance', type: 'invoice.paid' });
    expect(await nextIds(again, 1, 'the finance event')).toEqual([paid.id]);
    await dave.dispose();
  });

  it("leave a guarded channel's events out of a resumed stream", async () => {
    const p = await team(pair.a);
    const start = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'user', type: 'user.activity' });
    await gqlOk(pair.a.graphqlUrl, SET_RULE, { o: p.orgId, c: 'finance', s: 'OWNER' }, p.as.alice);
    await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'finance', type: 'invoice.paid' });
    const marker = await publish(pair.a, p.as.alice, { orgId: p.orgId, channel: 'user', type: 'user.activity' });
    for (const transport of TRANSPORTS) {
      const client = connect(transport, pair.b, p.as.dave);
      const resumed = client.subscribe(SUBSCRIBE_EVENTS, { orgId: p.orgId, after: start.cursor });
      const replayed = (await resumed.results.take(2, 'the replay')).map((r) => r.data?.events);
      expect(replayed.map((e) => e.type)).toEqual(['organization.rule', 'user.activity']);
      expect(replayed[1].id).toBe(marker.id);
      await client.dispose();
    }
  });

  it('are set by OWNERs and ADMINs only, for well-formed channel names; a refusal changes nothing', async () => {
    const p = await team(pair.a);
    const byMember = await gql(pair.a.graphqlUrl, SET_RULE, { o: p.orgId, c: 'finance', s: 'ADMIN' }, p.as.bob);
    expect(errorCode(byMember)).toBe('FORBIDDEN');
    const badName = await gql(pair.a.graphqlUrl, SET_RULE, { o: p.orgId, c: 'Finance!', s: 'ADMIN' }, p.as.alice);
    expect(errorCode(badName)).toBe('BAD_USER_INPUT');
    expect(badName.errors?.[0]?.message).toMatch(/channel "Finance!" must be lower-case words/);
    expect((await gqlOk(pair.a.graphqlUrl, RULES, { o: p.orgId }, p.as.alice)).organization.channelRules).toEqual([]);
    const ok = await publish(pair.a, p.as.bob, { orgId: p.orgId, channel: 'finance', type: 'invoice.paid' });
    expect(ok.id).toMatch(/^evt_/);
  });
});
