import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOrg } from '../support/fixtures.js';
import { type GqlResponse, gql, gqlOk } from '../support/http.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { openRaw } from '../support/raw-ws.js';
import { TEST_SECRET, type TestServer, startServer, token } from '../support/server.js';

/** `n` aliases `a0`… of a field in one operation (graphql-js resolves a query's aliases concurrently). */
const aliases = (n: number, field: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `a${i}: ${field(i)}`).join(' ');
const PAGE_QUERY = (n: number, first: number) =>
  `query($o: ID!) { ${aliases(n, () => `events(orgId: $o, channels: ["property"], first: ${first}) { nodes { payload } }`)} }`;

/** Publishes `count` events with `bytes`-sized payloads as a service (exempt from the publish rate): 15 per request, 3 requests at a time. */
async function fill(
  server: Pick<TestServer, 'graphqlUrl'>,
  service: string,
  orgId: string,
  count: number,
  bytes: number,
) {
  const input = { orgId, channel: 'property', type: 'property.update', payload: { blob: 'x'.repeat(bytes) } };
  const batch = (n: number) =>
    gqlOk(
      server.graphqlUrl,
      `mutation(${Array.from({ length: n }, (_, i) => `$i${i}: PublishEventInput!`).join(', ')}) { ${aliases(n, (i) => `publishEvent(input: $i${i}) { id }`)} }`,
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i}`, input])),
      service,
    );
  const sizes = Array.from({ length: Math.ceil(count / 15) }, (_, i) => Math.min(15, count - i * 15));
  for (let i = 0; i < sizes.length; i += 3) await Promise.all(sizes.slice(i, i + 3).map(batch));
}

function expectTooLarge(res: GqlResponse, limit: number) {
  // Query.events is non-null: one refused alias nulls the whole `data`, as GraphQL prescribes.
  expect(res.data ?? null).toBeNull();
  expect(res.errors?.length).toBeGreaterThan(0);
  for (const e of res.errors ?? []) {
    expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RESPONSE_TOO_LARGE', limitBytes: limit });
    expect(e.message).toContain(`${limit} bytes`);
    expect(e.message).toMatch(/smaller "first"/);
    expect(e.message).toMatch(/fewer aliases/);
  }
}

// The audit's case: a VIEWER's 15 aliases of full pages of ~30 KB payloads asked for ~225 MB. In a process with
// a small heap, that killed the server; the budget must refuse before anything is read into memory. On SQLite
// queries run one at a time; PostgreSQL answers several at once (a pool), so a check after reading would not do.
describe.each([
  { store: 'sqlite', env: (): Record<string, string> => ({}) },
  { store: 'postgres', env: (): Record<string, string> => ({ DATABASE_URL: inject('postgresUrl') }) },
])('response budget in a server process with a small heap ($store)', ({ env }) => {
  const LIMIT = 8 * 1024 * 1024; // the default
  let dataDir: string;
  let server: ServerProcess;
  let target: Pick<TestServer, 'graphqlUrl'>;
  let orgId: string;
  let viewer: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-budget-'));
    server = await spawnServer(
      { NODE_ENV: 'test', DATA_DIR: dataDir, AUTH_JWT_SECRET: TEST_SECRET, ...env() },
      { nodeArgs: ['--max-old-space-size=128'] },
    );
    target = { graphqlUrl: `${server.url}/graphql` };
    const org = await createOrg(target as TestServer, 'budget-owner', { 'budget-viewer': 'VIEWER' });
    orgId = org.id;
    viewer = org.tokens['budget-viewer']!;
    await fill(target, await token('budget-filler', { service: true }), orgId, 500, 30_000);
  }, 60_000);
  afterAll(async () => {
    if (server?.proc.exitCode === null && server.proc.signalCode === null) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses 15 aliases of 500 events of 30 KB, sent four times at once, with a clear error; the process, /health and small queries stay fine', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => gql(target.graphqlUrl, PAGE_QUERY(15, 500), { o: orgId }, viewer)),
    );
    for (const res of answers) expectTooLarge(res, LIMIT);
    // Refused from the sizes alone: a check after reading took seconds here, even where the process survived it.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const small = await gqlOk(
      target.graphqlUrl,
      'query($o: ID!) { events(orgId: $o, first: 5) { nodes { payload } } }',
      { o: orgId },
      viewer,
    );
    expect(small.events.nodes).toHaveLength(5);
    expect(server.proc.exitCode).toBeNull();
  });

  it('reads at most the budget when pages fit one by one: 15 aliases of 200 events (6 MB each), four at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => gql(target.graphqlUrl, PAGE_QUERY(15, 200), { o: orgId }, viewer)),
    );
    // One page fits the 8 MiB budget and is read, the second would not. (graphql-js reports the refusals that
    // arrive before the first one nulls `data`, so their number varies.)
    for (const res of answers) expectTooLarge(res, LIMIT);
    const page = await gqlOk(target.graphqlUrl, PAGE_QUERY(1, 200), { o: orgId }, viewer);
    expect(page.a0.nodes).toHaveLength(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(server.proc.exitCode).toBeNull();
  });
});

describe('response budget per operation, in process (budget 64 KiB)', () => {
  const LIMIT = 64 * 1024;
  const SEND = 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id data } }';
  const INBOX = (n: number, first: number) =>
    `{ ${aliases(n, () => `notifications(first: ${first}) { nodes { id data } }`)} unreadNotificationCount }`;
  let server: TestServer;
  let org: Awaited<ReturnType<typeof createOrg>>;
  beforeAll(async () => {
    server = await startServer({ tuning: { maxResponseBytes: LIMIT } });
    org = await createOrg(server, 'rb-alice', { 'rb-bob': 'VIEWER', 'rb-carol': 'MEMBER' });
    await fill(server, await token('rb-filler', { service: true }), org.id, 6, 20_000);
  });
  afterAll(() => server.stop());

  it('answers pages within the budget, and refuses a larger one (or a second alias) with BAD_USER_INPUT', async () => {
    const bob = org.tokens['rb-bob'];
    const PAGE =
      'query($o: ID!, $a: String) { events(orgId: $o, channels: ["property"], first: 3, after: $a) { nodes { payload } pageInfo { hasNextPage endCursor } } }';
    const three = await gqlOk(server.graphqlUrl, PAGE, { o: org.id }, bob);
    expect([three.events.nodes.length, three.events.pageInfo.hasNextPage]).toEqual([3, true]);
    const rest = await gqlOk(server.graphqlUrl, PAGE, { o: org.id, a: three.events.pageInfo.endCursor }, bob);
    expect([rest.events.nodes.length, rest.events.pageInfo.hasNextPage]).toEqual([3, false]);
    expectTooLarge(await gql(server.graphqlUrl, PAGE_QUERY(1, 4), { o: org.id }, bob), LIMIT);
    expectTooLarge(await gql(server.graphqlUrl, PAGE_QUERY(2, 3), { o: org.id }, bob), LIMIT);
    // Every operation has a budget of its own.
    expect((await gqlOk(server.graphqlUrl, PAGE_QUERY(1, 3), { o: org.id }, bob)).a0.nodes).toHaveLength(3);
  });

  it('refuses over graphql-ws with an error for that operation; the socket and its other operations stay', async () => {
    const raw = await openRaw(server.wsUrl);
    await raw.init(org.tokens['rb-bob']);
    raw.send({ id: 'big', type: 'subscribe', payload: { query: PAGE_QUERY(2, 3), variables: { o: org.id } } });
    expect(await raw.messages.next('the refusal')).toMatchObject({
      id: 'big',
      type: 'next',
      payload: {
        data: null,
        errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'RESPONSE_TOO_LARGE', limitBytes: LIMIT } }],
      },
    });
    expect(await raw.messages.next()).toMatchObject({ id: 'big', type: 'complete' });
    raw.send({ id: 'ok', type: 'subscribe', payload: { query: PAGE_QUERY(1, 3), variables: { o: org.id } } });
    const ok = await raw.messages.next('the small page');
    expect(ok).toMatchObject({ id: 'ok', type: 'next' });
    expect(ok.payload.data.a0.nodes).toHaveLength(3);
    raw.socket.close();
  });

  it('charges the inbox by its data, and sendNotification by what it answers (nothing is stored when refused)', async () => {
    const data = { blob: 'z'.repeat(25_000) };
    const send = (userIds: string[]) =>
      gql(server.graphqlUrl, SEND, { i: { orgId: org.id, userIds, title: 'Viewing', data } }, org.tokens['rb-alice']);
    for (let i = 0; i < 2; i++) expect((await send(['rb-carol'])).errors).toBeUndefined();
    // Three recipients would be answered with three copies of 25 KB: over 64 KiB, refused before writing.
    expectTooLarge(await send(['rb-alice', 'rb-bob', 'rb-carol']), LIMIT);
    expect((await gqlOk(server.graphqlUrl, INBOX(1, 10), {}, org.tokens['rb-bob'])).unreadNotificationCount).toBe(0);
    const carol = org.tokens['rb-carol'];
    const inbox = await gqlOk(server.graphqlUrl, INBOX(1, 10), {}, carol);
    expect([inbox.a0.nodes.length, inbox.unreadNotificationCount]).toEqual([2, 2]);
    expectTooLarge(await gql(server.graphqlUrl, INBOX(2, 2), {}, carol), LIMIT);
  });
});
