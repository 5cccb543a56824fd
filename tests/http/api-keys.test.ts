import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg } from '../support/fixtures.js';
import { gql, gqlOk } from '../support/http.js';
import { createApiKey, event, postEvents, serviceToken, storedEvents } from '../support/publish-api.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startServer } from '../support/server.js';

const LIST_KEYS = 'query($o: ID!) { apiKeys(orgId: $o) { id orgId name createdBy createdAt lastUsedAt revokedAt } }';
const REVOKE = 'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }';
const PUBLISH_ONE =
  'mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence actor { id name isService } } }';
const PUBLISH_ONLY =
  'API keys can only publish events (POST /v1/events, publishEvents, publishEvent); use a user or service token for anything else.';

describe('organization API keys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  const listKeys = async (orgId: string, auth: string) =>
    (await gqlOk(server.graphqlUrl, LIST_KEYS, { o: orgId }, auth)).apiKeys as Array<Record<string, unknown>>;

  it('an OWNER creates a key whose secret is shown once; only its hash is stored, and lists never show it', async () => {
    const org = await createOrg(server, 'alice');
    const created = await createApiKey(server, org.tokens.alice!, org.id, ' billing backend ');
    const m = /^sbk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(created.secret);
    expect(m).not.toBeNull();
    expect(created.apiKey).toEqual({
      id: `key_${m?.[1]}`,
      orgId: org.id,
      name: 'billing backend',
      createdBy: 'alice',
      lastUsedAt: null,
      revokedAt: null,
    });
    const row = await server.app.services.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.apiKey.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(
      createHash('sha256')
        .update(m?.[2] ?? '')
        .digest('hex'),
    );
    expect(JSON.stringify(row)).not.toContain(m?.[2]);
    const listed = await gql(server.graphqlUrl, LIST_KEYS, { o: org.id }, org.tokens.alice);
    expect(listed.data?.apiKeys).toEqual([expect.objectContaining({ id: created.apiKey.id, name: 'billing backend' })]);
    expect(JSON.stringify(listed)).not.toContain(m?.[2]);
  });

  it('ADMINs and services manage keys; MEMBERs, VIEWERs and strangers get FORBIDDEN', async () => {
    const org = await createOrg(server, 'alice', { ada: 'ADMIN', max: 'MEMBER', vic: 'VIEWER' });
    await createApiKey(server, org.tokens.ada!, org.id, 'by admin');
    await createApiKey(server, await serviceToken(), org.id, 'by service');
    const stranger = (await createOrg(server, 'sam')).tokens.sam!;
    for (const auth of [org.tokens.max, org.tokens.vic, stranger]) {
      const create = await gql(
        server.graphqlUrl,
        'mutation($o: ID!) { createApiKey(orgId: $o, name: "x") { secret } }',
        { o: org.id },
        auth,
      );
      expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(server.graphqlUrl, LIST_KEYS, { o: org.id }, auth)).errors?.[0]?.extensions?.code).toBe(
        'FORBIDDEN',
      );
    }
    expect((await listKeys(org.id, org.tokens.alice!)).map((k) => [k.name, k.createdBy])).toEqual([
      ['by admin', 'ada'],
      ['by service', 'backend'],
    ]);
  });

  it('refuses an empty or overlong name with BAD_USER_INPUT', async () => {
    const org = await createOrg(server, 'alice');
    for (const name of ['  ', 'n'.repeat(101)]) {
      const res = await gql(
        server.graphqlUrl,
        'mutation($o: ID!, $n: String!) { createApiKey(orgId: $o, name: $n) { secret } }',
        { o: org.id, n: name },
        org.tokens.alice,
      );
      expect(res.errors?.[0]).toMatchObject({
        message: 'name must be 1 to 100 characters.',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });

  it('a key publishes in its organization as a backend, over HTTP and GraphQL, and its last use is recorded', async () => {
    const org = await createOrg(server, 'alice');
    const { secret, apiKey } = await createApiKey(server, org.tokens.alice!, org.id, 'importer');
    const before = Date.now();
    const res = await postEvents(server, secret, { events: [event(org.id), event(org.id)] });
    expect(res.status).toBe(200);
    const one = await gqlOk(server.graphqlUrl, PUBLISH_ONE, { i: event(org.id) }, secret);
    expect(one.publishEvent).toEqual({ sequence: 4, actor: { id: apiKey.id, name: 'importer', isService: true } });
    const batch = await gqlOk(
      server.graphqlUrl,
      'mutation($i: [PublishEventInput!]!) { publishEvents(inputs: $i) { sequence } }',
      { i: [event(org.id)] },
      secret,
    );
    expect(batch.publishEvents).toEqual([{ sequence: 5 }]);
    const stored = await storedEvents(server, org.id);
    expect(stored.slice(1).map((e) => e.actor)).toEqual(
      Array(4).fill({ id: apiKey.id, name: 'importer', isService: true }),
    );
    const [listed] = await listKeys(org.id, org.tokens.alice!);
    const lastUsed = Date.parse(String(listed?.lastUsedAt));
    expect(lastUsed).toBeGreaterThanOrEqual(before - 1);
    expect(lastUsed).toBeLessThanOrEqual(Date.now());
    // Within the minute, further uses write nothing.
    await postEvents(server, secret, { events: [event(org.id)] });
    expect((await listKeys(org.id, org.tokens.alice!))[0]?.lastUsedAt).toBe(listed?.lastUsedAt);
  });

  it('a key acts in its own organization only: another one is FORBIDDEN and nothing is published', async () => {
    const mine = await createOrg(server, 'alice');
    const other = await createOrg(server, 'alice');
    const { secret } = await createApiKey(server, mine.tokens.alice!, mine.id);
    const res = await postEvents(server, secret, { events: [event(mine.id), event(other.id)] });
    expect(res.status).toBe(403);
    expect(res.body.errors).toEqual([
      {
        message: `This API key belongs to organization "${mine.id}"; events[1] is for organization "${other.id}". Nothing was published.`,
        extensions: { code: 'FORBIDDEN', position: 1 },
      },
    ]);
    const single = await gql(server.graphqlUrl, PUBLISH_ONE, { i: event(other.id) }, secret);
    expect(single.errors?.[0]).toMatchObject({
      message: `This API key belongs to organization "${mine.id}"; it cannot act in organization "${other.id}".`,
      extensions: { code: 'FORBIDDEN' },
    });
    expect(await storedEvents(server, mine.id)).toHaveLength(1);
    expect(await storedEvents(server, other.id)).toHaveLength(1);
  });

  it('a key only publishes: reads, management and subscriptions are FORBIDDEN; graphql-ws refuses it', async () => {
    const org = await createOrg(server, 'alice');
    const { secret, apiKey } = await createApiKey(server, org.tokens.alice!, org.id);
    for (const [query, variables] of [
      ['query($o: ID!) { events(orgId: $o) { nodes { id } } }', { o: org.id }],
      ['{ me { id } }', {}],
      [LIST_KEYS, { o: org.id }],
      [REVOKE, { id: apiKey.id }],
      ['mutation($o: ID!) { addMember(orgId: $o, userId: "eve", role: OWNER) { role } }', { o: org.id }],
    ] as const) {
      const res = await gql(server.graphqlUrl, query, variables, secret);
      expect(res.errors?.[0], query).toMatchObject({ message: PUBLISH_ONLY, extensions: { code: 'FORBIDDEN' } });
    }
    const sse = connect('sse', server, secret);
    const errors = await refusal(sse.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id }));
    expect(errors[0]).toMatchObject({ message: PUBLISH_ONLY, extensions: { code: 'FORBIDDEN' } });
    await sse.dispose();
    const raw = await openRaw(server.wsUrl);
    raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${secret}` } });
    expect(await raw.closed).toEqual({
      code: 4403,
      reason: 'Invalid token: API keys are accepted by POST /v1/events and POST /graphql only (to publish)',
    });
  });

  it('revocation: the next request gets 403 API_KEY_REVOKED; a wrong secret stays 401; revoking again changes nothing', async () => {
    const org = await createOrg(server, 'alice', { ada: 'ADMIN', max: 'MEMBER' });
    const { secret, apiKey } = await createApiKey(server, org.tokens.alice!, org.id, 'old importer');
    expect((await postEvents(server, secret, { events: [event(org.id)] })).status).toBe(200);
    expect(
      (await gql(server.graphqlUrl, REVOKE, { id: apiKey.id }, org.tokens.max)).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    const revoked = await gqlOk(server.graphqlUrl, REVOKE, { id: apiKey.id }, org.tokens.ada);
    expect(revoked.revokeApiKey.id).toBe(apiKey.id);
    const at = revoked.revokeApiKey.revokedAt as string;

    const before = await storedEvents(server, org.id);
    const res = await postEvents(server, secret, { events: [event(org.id)] });
    expect(res.status).toBe(403);
    const message = `API key "old importer" (${apiKey.id}) was revoked at ${at}; ask an OWNER or ADMIN of organization "${org.id}" for a new one.`;
    expect(res.body.errors).toEqual([{ message, extensions: { code: 'FORBIDDEN', reason: 'API_KEY_REVOKED' } }]);
    const overGraphql = await gql(server.graphqlUrl, PUBLISH_ONE, { i: event(org.id) }, secret);
    expect(overGraphql.status).toBe(403);
    expect(overGraphql.errors?.[0]).toMatchObject({
      message,
      extensions: { code: 'FORBIDDEN', reason: 'API_KEY_REVOKED' },
    });
    const wrongSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect((await postEvents(server, wrongSecret, { events: [event(org.id)] })).status).toBe(401);
    expect(await storedEvents(server, org.id)).toEqual(before);

    const again = await gqlOk(server.graphqlUrl, REVOKE, { id: apiKey.id }, org.tokens.alice);
    expect(again.revokeApiKey.revokedAt).toBe(at);
    expect((await listKeys(org.id, org.tokens.alice!))[0]?.revokedAt).toBe(at);
    const unknown = await gql(server.graphqlUrl, REVOKE, { id: 'key_nope' }, org.tokens.alice);
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'API key "key_nope" does not exist.',
      extensions: { code: 'NOT_FOUND' },
    });
  });
});

describe("an API key's publish budget", () => {
  let server: TestServer;
  beforeAll(async () => {
    // 1 event per second per key; the burst is never below one full batch (5 here).
    server = await startServer({ env: { LIMIT_API_KEY_EVENTS_PER_SECOND: '1' }, tuning: { maxBatchEvents: 5 } });
  });
  afterAll(() => server.stop());

  it('over it, 429 with Retry-After and RATE_LIMITED per event, nothing stored; services and other keys are unaffected', async () => {
    const org = await createOrg(server, 'alice');
    const { secret } = await createApiKey(server, org.tokens.alice!, org.id);
    const other = await createApiKey(server, org.tokens.alice!, org.id, 'other');
    const full = Array.from({ length: 5 }, () => event(org.id));
    expect((await postEvents(server, secret, { events: full })).status).toBe(200);
    const before = await storedEvents(server, org.id);
    const res = await postEvents(server, secret, { events: full.slice(0, 2) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const error = res.body.results[0].error;
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(error.message).toMatch(
      /^API key "backend" is over its budget of 1 events per second \(bursts of 5\)\. Retry in \d+ ms\.$/,
    );
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(await storedEvents(server, org.id)).toEqual(before);
    expect((await postEvents(server, other.secret, { events: full })).status).toBe(200);
    expect((await postEvents(server, await serviceToken(), { events: full })).status).toBe(200);
    // A retry of events already published costs nothing: only new events take from the budget.
    const keyed = [event(org.id, { idempotencyKey: 'x' })];
    expect((await postEvents(server, other.secret, { events: keyed })).status).toBe(429);
    expect((await postEvents(server, await serviceToken(), { events: keyed })).body.published).toBe(1);
    const retried = await postEvents(server, other.secret, { events: keyed });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ published: 0, duplicates: 1 });
  });
});
