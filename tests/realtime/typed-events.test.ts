import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, connect, refusal } from '../support/clients.js';
import { createOrg } from '../support/fixtures.js';
import { gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { ROOT } from '../support/process.js';
import { type TestServer, startServer } from '../support/server.js';

const DEMO_CATALOG = join(ROOT, 'web', 'catalog.demo.json');
const TYPED = `id type payload data {
  __typename
  ... on PropertyUpdatePayload { price status bedrooms features }
  ... on MemberJoinPayload { member { userId role previousRole } }
  ... on OrganizationChangePayload { organization { id name } }
}`;
const PUBLISH = `mutation($input: PublishEventInput!) { publishEvent(input: $input) { ${TYPED} } }`;
const LIVE = `subscription($orgId: ID!) { events(orgId: $orgId, channels: ["property"]) { ${TYPED} } }`;
const HISTORY = `query($orgId: ID!, $channels: [String!]) { events(orgId: $orgId, channels: $channels) { nodes { ${TYPED} } } }`;

const listing = { price: 450000, status: 'under_offer', bedrooms: 3, features: ['garden', 'garage'] };
const bad = { price: 'cheap', status: 'gone', bedrooms: 2.5 };
const BAD_MESSAGE =
  'Invalid payload for event type "property.update": payload.price must be number; payload.status must be one of "listed", "under_offer", "sold"; payload.bedrooms must be integer.';

describe('typed events with the demo catalog (EVENTS_CATALOG)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { EVENTS_CATALOG: DEMO_CATALOG } });
  });
  afterAll(() => server.stop());

  const history = async (orgId: string, token: string, channels = ['property']) =>
    (await gqlOk(server.graphqlUrl, HISTORY, { orgId, channels }, token)).events.nodes;
  const input = (orgId: string, payload: unknown) => ({ orgId, channel: 'property', type: 'property.update', payload });

  it('refuses a mismatched payload with BAD_USER_INPUT naming each field and what it must be; stores nothing', async () => {
    const org = await createOrg(server, 'alice');
    const res = await gql(server.graphqlUrl, PUBLISH, { input: input(org.id, bad) }, org.tokens.alice);
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: BAD_MESSAGE,
        extensions: {
          code: 'BAD_USER_INPUT',
          reason: 'PAYLOAD_MISMATCH',
          eventType: 'property.update',
          problems: [
            { path: 'payload.price', message: 'must be number' },
            { path: 'payload.status', message: 'must be one of "listed", "under_offer", "sold"' },
            { path: 'payload.bedrooms', message: 'must be integer' },
          ],
        },
      }),
    ]);
    const undeclared = await gql(
      server.graphqlUrl,
      PUBLISH,
      { input: input(org.id, { colour: 'red' }) },
      org.tokens.alice,
    );
    expect(undeclared.errors?.[0]?.message).toBe(
      'Invalid payload for event type "property.update": payload.colour is not a declared field (declared: price, address, status, bedrooms, features).',
    );
    expect(await history(org.id, org.tokens.alice!)).toEqual([]);
  });

  describe.each(TRANSPORTS)('over %s', (transport) => {
    it('delivers a valid payload typed, live and in history; a refused one ends only its own operation', async () => {
      const org = await createOrg(server, 'alice', { bob: 'MEMBER' });
      const client = connect(transport, server, org.tokens.bob);
      const before = server.app.services.bus.stats().subscriptions;
      const live = client.subscribe(LIVE, { orgId: org.id });
      await until(() => server.app.services.bus.stats().subscriptions > before, 'the subscription to start');
      // The refused publish travels on the subscriber's own connection.
      const refused = client.subscribe(PUBLISH, { input: input(org.id, bad) });
      expect(await refusal(refused)).toEqual([
        expect.objectContaining({
          message: BAD_MESSAGE,
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        }),
      ]);
      const published = await gqlOk(server.graphqlUrl, PUBLISH, { input: input(org.id, listing) }, org.tokens.alice);
      const expected = {
        id: published.publishEvent.id,
        type: 'property.update',
        payload: listing,
        data: { __typename: 'PropertyUpdatePayload', ...listing },
      };
      expect(published.publishEvent).toEqual(expected);
      const result = await live.results.next('the typed event');
      expect(result).toMatchObject({ data: { events: expected } });
      expect(live.results.pending).toBe(0);
      expect(await history(org.id, org.tokens.bob!)).toEqual([expected]);
      live.unsubscribe();
      await client.dispose();
    });
  });

  it("types the server's own events, and leaves `data` null for undeclared types", async () => {
    const org = await createOrg(server, 'alice');
    await gqlOk(
      server.graphqlUrl,
      'mutation($o: ID!) { addMember(orgId: $o, userId: "bob", role: VIEWER) { role } updateOrganization(orgId: $o, name: "Renamed") { id } }',
      { o: org.id },
      org.tokens.alice,
    );
    await gqlOk(
      server.graphqlUrl,
      PUBLISH,
      { input: { orgId: org.id, channel: 'user', type: 'ticket.opened', payload: { free: ['form'] } } },
      org.tokens.alice,
    );
    const nodes = await history(org.id, org.tokens.alice!, ['organization', 'user']);
    expect(nodes.map((e: { type: string; data: unknown }) => [e.type, e.data])).toEqual([
      [
        'member.join',
        { __typename: 'MemberJoinPayload', member: { userId: 'alice', role: 'OWNER', previousRole: null } },
      ],
      [
        'member.join',
        { __typename: 'MemberJoinPayload', member: { userId: 'bob', role: 'VIEWER', previousRole: null } },
      ],
      [
        'organization.change',
        { __typename: 'OrganizationChangePayload', organization: { id: org.id, name: 'Renamed' } },
      ],
      ['ticket.opened', null],
    ]);
    expect(nodes.at(-1).payload).toEqual({ free: ['form'] });
  });
});

describe('catalogs across restarts and deployments', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-catalogs-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a custom catalog exposes its types; an event stored under another declaration keeps its payload, with data null', async () => {
    const catalog = join(dataDir, 'catalog.json');
    writeFileSync(
      catalog,
      JSON.stringify({
        types: {
          'ticket.opened': {
            description: 'A support ticket was opened.',
            payload: {
              type: 'object',
              required: ['priority'],
              properties: { priority: { enum: ['low', 'high'] }, title: { type: 'string' } },
            },
          },
        },
      }),
    );
    const TICKET = `id data { ... on TicketOpenedPayload { priority title } }`;
    const open = (server: TestServer, token: string, orgId: string, payload: unknown) =>
      gql(
        server.graphqlUrl,
        `mutation($input: PublishEventInput!) { publishEvent(input: $input) { id } }`,
        { input: { orgId, channel: 'user', type: 'ticket.opened', payload } },
        token,
      );
    // First without the catalog: ticket.opened is free, and this payload is stored as it is.
    const plain = await startServer({ dataDir });
    const org = await createOrg(plain, 'alice');
    expect((await open(plain, org.tokens.alice!, org.id, { priority: 'urgent' })).errors).toBeUndefined();
    const unknownType = await gql(plain.graphqlUrl, `{ __type(name: "TicketOpenedPayload") { name } }`);
    expect(unknownType.data).toEqual({ __type: null });
    await plain.stop();

    const typed = await startServer({ dataDir, env: { EVENTS_CATALOG: catalog } });
    try {
      const described = await gqlOk(
        typed.graphqlUrl,
        `{ __type(name: "TicketOpenedPayload") { description fields { name type { kind name ofType { name } } } } }`,
      );
      expect(described.__type).toEqual({
        description: 'The payload of `ticket.opened` events: A support ticket was opened.',
        fields: [
          { name: 'priority', type: { kind: 'NON_NULL', name: null, ofType: { name: 'TicketOpenedPayloadPriority' } } },
          { name: 'title', type: { kind: 'SCALAR', name: 'String', ofType: null } },
        ],
      });
      expect((await open(typed, org.tokens.alice!, org.id, { priority: 'urgent' })).errors?.[0]?.message).toBe(
        'Invalid payload for event type "ticket.opened": payload.priority must be one of "low", "high".',
      );
      await open(typed, org.tokens.alice!, org.id, { priority: 'high', title: 'Printer on fire' });
      const nodes = (
        await gqlOk(
          typed.graphqlUrl,
          `query($o: ID!) { events(orgId: $o, types: ["ticket.opened"]) { nodes { payload ${TICKET} } } }`,
          { o: org.id },
          org.tokens.alice,
        )
      ).events.nodes;
      expect(nodes.map((n: { payload: unknown; data: unknown }) => [n.payload, n.data])).toEqual([
        [{ priority: 'urgent' }, null],
        [
          { priority: 'high', title: 'Printer on fire' },
          { priority: 'high', title: 'Printer on fire' },
        ],
      ]);
    } finally {
      await typed.stop();
    }
  });
});
