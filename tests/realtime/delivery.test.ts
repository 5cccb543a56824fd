import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type TestServer, startServer } from '../support/server.js';

// The same realtime contract against both pub/sub backends and on every transport.
describe.each([
  { backend: 'memory', redis: false },
  { backend: 'redis', redis: true },
])('delivery through $backend pub/sub', ({ redis }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ redis });
  });
  afterAll(() => server.stop());

  const subscriptions = () => server.app.services.bus.stats().subscriptions;

  describe.each(TRANSPORTS)('over %s', (transport) => {
    it('delivers a published event to a member, with its stored cursor', async () => {
      const org = await createOrg(server, 'alice', { bob: 'MEMBER' });
      const client = connect(transport, server, org.tokens.bob);
      const before = subscriptions();
      const sub = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      await until(() => subscriptions() > before, 'the subscription to start');
      const published = await publish(server, org.tokens.alice!, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
        subjectId: 'prop-1',
        payload: { price: 450000 },
      });
      const result = await sub.results.next('the event');
      expect(result.errors).toBeUndefined();
      expect(result.data.events).toMatchObject({
        id: published.id,
        cursor: published.cursor,
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
        subjectId: 'prop-1',
        payload: { price: 450000 },
        actor: { id: 'alice', name: 'ALICE', isService: false },
      });
      sub.unsubscribe();
      await client.dispose();
    });

    it('narrows by channel, type and subject', async () => {
      const org = await createOrg(server, 'alice');
      const client = connect(transport, server, org.tokens.alice);
      const before = subscriptions();
      const byChannel = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'] });
      const byType = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, types: ['activity.created'] });
      const bySubject = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, subjectIds: ['prop-2'] });
      await until(() => subscriptions() >= before + 3, 'three subscriptions');
      const a = await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'activity.created' });
      const b = await publish(server, org.tokens.alice!, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
        subjectId: 'prop-1',
      });
      const c = await publish(server, org.tokens.alice!, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
        subjectId: 'prop-2',
      });
      // A marker every filter lets through proves nothing else was queued before it.
      const marker = await publish(server, org.tokens.alice!, {
        orgId: org.id,
        channel: 'property',
        type: 'activity.created',
        subjectId: 'prop-2',
      });
      const ids = async (s: typeof byChannel, n: number) => (await s.results.take(n)).map((r) => r.data.events.id);
      expect(await ids(byChannel, 3)).toEqual([b.id, c.id, marker.id]);
      expect(await ids(byType, 2)).toEqual([a.id, marker.id]);
      expect(await ids(bySubject, 2)).toEqual([c.id, marker.id]);
      await client.dispose();
    });

    it("never delivers another organization's events and refuses its subscription", async () => {
      const orgA = await createOrg(server, 'alice');
      const orgB = await createOrg(server, 'mallory');
      const client = connect(transport, server, orgA.tokens.alice);
      const before = subscriptions();
      const own = client.subscribe(SUBSCRIBE_EVENTS, { orgId: orgA.id });
      await until(() => subscriptions() > before, 'the subscription to start');
      // Guessed id, through variables and through an alias: each is refused with FORBIDDEN.
      const foreign = client.subscribe(SUBSCRIBE_EVENTS, { orgId: orgB.id });
      const aliased = client.subscribe(`subscription { theirs: events(orgId: "${orgB.id}") { id } }`);
      for (const s of [foreign, aliased]) {
        const errors = await refusal(s);
        expect(errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
        expect(s.results.items.every((r) => !r.data?.events)).toBe(true);
      }
      await publish(server, orgB.tokens.mallory!, { orgId: orgB.id, channel: 'property', type: 'property.update' });
      const mine = await publish(server, orgA.tokens.alice!, {
        orgId: orgA.id,
        channel: 'property',
        type: 'property.update',
      });
      const got = await own.results.next('own event');
      expect(got.data.events.id).toBe(mine.id);
      expect(own.results.pending).toBe(0);
      await client.dispose();
    });

    it('publishes member.join and member.leave on the organization channel', async () => {
      const org = await createOrg(server, 'alice');
      const client = connect(transport, server, org.tokens.alice);
      const before = subscriptions();
      const sub = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['organization'] });
      await until(() => subscriptions() > before, 'the subscription to start');
      await gqlOk(
        server.graphqlUrl,
        'mutation($o: ID!) { addMember(orgId: $o, userId: "dave") { userId } }',
        { o: org.id },
        org.tokens.alice,
      );
      await gqlOk(
        server.graphqlUrl,
        'mutation($o: ID!) { removeMember(orgId: $o, userId: "dave") }',
        { o: org.id },
        org.tokens.alice,
      );
      await gqlOk(
        server.graphqlUrl,
        'mutation($o: ID!) { updateOrganization(orgId: $o, name: "Renamed") { name } }',
        { o: org.id },
        org.tokens.alice,
      );
      const [join, leave, change] = (await sub.results.take(3)).map((r) => r.data.events);
      expect(join).toMatchObject({
        type: 'member.join',
        channel: 'organization',
        subjectId: 'dave',
        member: { userId: 'dave', role: 'MEMBER' },
      });
      expect(leave).toMatchObject({ type: 'member.leave', member: { userId: 'dave' } });
      expect(change).toMatchObject({ type: 'organization.change', organization: { id: org.id, name: 'Renamed' } });
      expect([join.sequence + 1, leave.sequence + 1]).toEqual([leave.sequence, change.sequence]);
      await client.dispose();
    });
  });
});
