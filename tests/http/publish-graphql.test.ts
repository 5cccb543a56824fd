import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../support/fixtures.js';
import { gql, gqlOk } from '../support/http.js';
import { event, serviceToken, storedEvents } from '../support/publish-api.js';
import { type TestServer, startServer } from '../support/server.js';

const PUBLISH_EVENTS = `mutation($inputs: [PublishEventInput!]!) {
  publishEvents(inputs: $inputs) { index id cursor sequence duplicate error { code message position retryAfterMs } }
}`;
const PUBLISH_ONE =
  'mutation($i: PublishEventInput!) { publishEvent(input: $i) { id cursor sequence payload actor { id } } }';

// The same publishing rules for clients that speak GraphQL: publishEvents, and publishEvent's idempotency key.
describe('publishing over GraphQL', () => {
  let server: TestServer;
  let service: string;
  beforeAll(async () => {
    server = await startServer();
    service = await serviceToken();
  });
  afterAll(() => server.stop());

  describe('publishEvents', () => {
    it('answers a result per input, in order: published, duplicate, or refused with all of its organization', async () => {
      const good = await createOrg(server, 'alice');
      const bad = await createOrg(server, 'alice');
      const inputs = [
        event(good.id, { idempotencyKey: 'k1', payload: { n: 1 } }),
        event(bad.id, { type: 'organization.change' }),
        event(good.id, { idempotencyKey: 'k1' }),
        event(bad.id),
      ];
      const data = await gqlOk(server.graphqlUrl, PUBLISH_EVENTS, { inputs }, service);
      const stored = await storedEvents(server, good.id);
      const first = { id: stored[1]?.id, cursor: stored[1]?.cursor, sequence: 2 };
      expect(data.publishEvents).toEqual([
        { index: 0, ...first, duplicate: false, error: null },
        {
          index: 1,
          id: null,
          cursor: null,
          sequence: null,
          duplicate: false,
          error: {
            code: 'FORBIDDEN',
            message:
              'events[1]: Events of type "organization.change" are published by the server itself (reserved: member.*, organization.*, notification.*).',
            position: 1,
            retryAfterMs: null,
          },
        },
        { index: 2, ...first, duplicate: true, error: null },
        expect.objectContaining({
          index: 3,
          id: null,
          error: expect.objectContaining({ code: 'FORBIDDEN', position: 1 }),
        }),
      ]);
      expect(stored).toHaveLength(2);
      expect(await storedEvents(server, bad.id)).toHaveLength(1);
    });

    it('refuses more than 1,000 inputs as a whole with BAD_USER_INPUT (BATCH_TOO_LARGE)', async () => {
      const org = await createOrg(server, 'alice');
      const inputs = Array.from({ length: 1_001 }, () => event(org.id));
      const res = await gql(server.graphqlUrl, PUBLISH_EVENTS, { inputs }, service);
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'BATCH_TOO_LARGE',
        limit: 1000,
      });
      expect(await storedEvents(server, org.id)).toHaveLength(1);
    });

    it("refuses a user's token with FORBIDDEN", async () => {
      const org = await createOrg(server, 'alice');
      const res = await gql(server.graphqlUrl, PUBLISH_EVENTS, { inputs: [event(org.id)] }, org.tokens.alice);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.errors?.[0]?.message).toMatch(/^Publishing batches is for app backends/);
      expect(await storedEvents(server, org.id)).toHaveLength(1);
    });
  });

  describe('publishEvent with an idempotency key', () => {
    it('returns the original event on a retry and publishes it once', async () => {
      const org = await createOrg(server, 'alice', { bob: 'MEMBER' });
      const publish = (payload: unknown) =>
        gqlOk(
          server.graphqlUrl,
          PUBLISH_ONE,
          { i: { ...event(org.id), payload, idempotencyKey: 'form-42' } },
          org.tokens.bob,
        );
      const first = await publish({ v: 1 });
      const retry = await publish({ v: 2 });
      expect(first.publishEvent).toMatchObject({ sequence: 3, payload: { v: 1 }, actor: { id: 'bob' } });
      // The key names the event: a retry's content is not looked at, the original comes back.
      expect(retry.publishEvent).toEqual(first.publishEvent);
      expect((await storedEvents(server, org.id)).map((e) => e.sequence)).toEqual([1, 2, 3]);
    });

    it('refuses an idempotency key over 255 characters with BAD_USER_INPUT', async () => {
      const org = await createOrg(server, 'alice');
      const res = await gql(
        server.graphqlUrl,
        PUBLISH_ONE,
        { i: { ...event(org.id), idempotencyKey: 'k'.repeat(256) } },
        org.tokens.alice,
      );
      expect(res.errors?.[0]).toMatchObject({
        message: 'idempotencyKey must be 1 to 255 characters; it has 256.',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });

    it('checks names in the domain: a bad channel is BAD_USER_INPUT with the rule', async () => {
      const org = await createOrg(server, 'alice');
      const res = await gql(server.graphqlUrl, PUBLISH_ONE, { i: event(org.id, { channel: 'Bad' }) }, org.tokens.alice);
      expect(res.errors?.[0]).toMatchObject({
        message:
          'channel "Bad" must be lower-case words joined by dots, like "property" or "content.updated" (at most 4 parts).',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });
  });
});
