import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLISH, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { type TestServer, startServer, token } from '../support/server.js';

describe('HTTP queries and mutations', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(() => server.stop());
  const url = () => server.graphqlUrl;
  const eventCount = async (orgId: string, auth: string) =>
    (await gqlOk(url(), 'query($o: ID!) { events(orgId: $o, first: 500) { nodes { id } } }', { o: orgId }, auth)).events
      .nodes.length;

  describe('authentication', () => {
    it('answers UNAUTHENTICATED without a token', async () => {
      const res = await gql(url(), '{ me { id } }');
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
    });

    it.each([
      ['a garbage token', 'Bearer garbage'],
      ['a non-Bearer scheme', 'Basic YWxpY2U6cGFzcw=='],
    ])('answers 401 with a GraphQL error for %s', async (_name, header) => {
      const res = await fetch(url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: header },
        body: '{"query":"{ me { id } }"}',
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it('answers 401 for an expired token', async () => {
      const res = await gql(url(), '{ me { id } }', {}, await token('alice', { expiresIn: -5 }));
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.message).toContain('expired');
    });

    it('identifies the caller by the token and takes the name from it', async () => {
      const data = await gqlOk(url(), '{ me { id name isService } }', {}, await token('zoe', { name: 'Zoe' }));
      expect(data.me).toEqual({ id: 'zoe', name: 'Zoe', isService: false });
    });
  });

  describe('organizations', () => {
    it('creates an organization with the caller as OWNER and lists it', async () => {
      const auth = await token('olga', { name: 'Olga' });
      const created = await gqlOk(
        url(),
        'mutation { createOrganization(name: "  Acme Realty ") { id name } }',
        {},
        auth,
      );
      expect(created.createOrganization.name).toBe('Acme Realty');
      const data = await gqlOk(
        url(),
        'query($id: ID!) { organizations { id } organization(id: $id) { name members { userId name role } } }',
        { id: created.createOrganization.id },
        auth,
      );
      expect(data.organizations.map((o: { id: string }) => o.id)).toContain(created.createOrganization.id);
      expect(data.organization.members).toEqual([{ userId: 'olga', name: 'Olga', role: 'OWNER' }]);
    });

    it.each([
      ['an empty name', '   '],
      ['a name over 100 characters', 'x'.repeat(101)],
    ])('refuses %s with BAD_USER_INPUT', async (_n, name) => {
      const res = await gql(
        url(),
        'mutation($n: String!) { createOrganization(name: $n) { id } }',
        { n: name },
        await token('olga'),
      );
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
    });

    it('adds a user before they ever connected; their name arrives with their first token', async () => {
      const org = await createOrg(server, 'alice');
      await gqlOk(
        url(),
        'mutation($o: ID!) { addMember(orgId: $o, userId: "newbie", role: VIEWER) { role name } }',
        { o: org.id },
        org.tokens.alice,
      );
      const members = async () =>
        (
          await gqlOk(
            url(),
            'query($o: ID!) { organization(id: $o) { members { userId name role } } }',
            { o: org.id },
            org.tokens.alice,
          )
        ).organization.members;
      expect(await members()).toContainEqual({ userId: 'newbie', name: null, role: 'VIEWER' });
      const newbie = await token('newbie', { name: 'New Bee' });
      await gqlOk(url(), 'query($o: ID!) { organization(id: $o) { id } }', { o: org.id }, newbie);
      // The name is recorded off the request path.
      await expect.poll(members).toContainEqual({ userId: 'newbie', name: 'New Bee', role: 'VIEWER' });
    });

    it('keeps member management to ADMINs, OWNERs and services', async () => {
      const org = await createOrg(server, 'alice', { adam: 'ADMIN', mona: 'MEMBER' });
      const add = (auth: string, user: string, role = 'MEMBER') =>
        gql(
          url(),
          `mutation($o: ID!, $u: ID!) { addMember(orgId: $o, userId: $u, role: ${role}) { role } }`,
          { o: org.id, u: user },
          auth,
        );
      expect(errorCode(await add(org.tokens.mona!, 'x'))).toBe('FORBIDDEN');
      expect(errorCode(await add(org.tokens.adam!, 'y', 'OWNER'))).toBe('FORBIDDEN');
      expect((await add(org.tokens.adam!, 'y')).data).toEqual({ addMember: { role: 'MEMBER' } });
      expect((await add(await token('backend', { service: true }), 'z', 'OWNER')).data).toEqual({
        addMember: { role: 'OWNER' },
      });
      const remove = (auth: string, user: string) =>
        gql(url(), 'mutation($o: ID!, $u: ID!) { removeMember(orgId: $o, userId: $u) }', { o: org.id, u: user }, auth);
      expect(errorCode(await remove(org.tokens.adam!, 'alice'))).toBe('FORBIDDEN');
      expect((await remove(org.tokens.mona!, 'mona')).data).toEqual({ removeMember: true }); // anyone may leave
      expect((await remove(org.tokens.adam!, 'nobody')).data).toEqual({ removeMember: false });
    });

    it('never lets the last OWNER go', async () => {
      const org = await createOrg(server, 'alice');
      const res = await gql(
        url(),
        'mutation($o: ID!) { removeMember(orgId: $o, userId: "alice") }',
        { o: org.id },
        org.tokens.alice,
      );
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toContain('at least one OWNER');
    });

    it('distinguishes an unknown organization (NOT_FOUND) from one you are not in (FORBIDDEN)', async () => {
      const org = await createOrg(server, 'alice');
      const stranger = await token('stranger');
      expect(
        errorCode(await gql(url(), 'query($o: ID!) { organization(id: $o) { id } }', { o: org.id }, stranger)),
      ).toBe('FORBIDDEN');
      expect(errorCode(await gql(url(), '{ organization(id: "org_missing") { id } }', {}, stranger))).toBe('NOT_FOUND');
    });
  });

  describe('publishEvent', () => {
    it('returns the stored event; a service may publish to any organization', async () => {
      const org = await createOrg(server, 'alice');
      const backend = await token('crm-backend', { service: true, name: 'CRM' });
      const e = await publish(server, backend, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
        subjectId: 'p-9',
        payload: { beds: 3 },
      });
      expect(e).toMatchObject({ channel: 'property', type: 'property.update', subjectId: 'p-9', sequence: 2 });
      const stored = await gqlOk(
        url(),
        'query($o: ID!) { events(orgId: $o, types: ["property.update"]) { nodes { id actor { id isService } payload } } }',
        { o: org.id },
        org.tokens.alice,
      );
      expect(stored.events.nodes).toEqual([
        { id: e.id, actor: { id: 'crm-backend', isService: true }, payload: { beds: 3 } },
      ]);
    });

    it.each([
      ['a VIEWER', 'vera', { channel: 'property', type: 'property.update' }, 'FORBIDDEN'],
      ['a non-member', 'stranger', { channel: 'property', type: 'property.update' }, 'FORBIDDEN'],
      ['a server-only type', 'alice', { channel: 'organization', type: 'member.join' }, 'FORBIDDEN'],
      ['a malformed channel', 'alice', { channel: 'Property Updates', type: 'property.update' }, 'BAD_USER_INPUT'],
      ['a malformed type', 'alice', { channel: 'property', type: 'x'.repeat(40) }, 'BAD_USER_INPUT'],
      [
        'an oversized payload',
        'alice',
        { channel: 'property', type: 'property.update', payload: { blob: 'x'.repeat(40_000) } },
        'BAD_USER_INPUT',
      ],
    ])('refuses %s with a clear error and stores nothing', async (_n, user, input, code) => {
      const org = await createOrg(server, 'alice', { vera: 'VIEWER' });
      const before = await eventCount(org.id, org.tokens.alice!);
      const res = await gql(
        url(),
        PUBLISH,
        { input: { orgId: org.id, ...input } },
        org.tokens[user] ?? (await token(user)),
      );
      expect(errorCode(res)).toBe(code);
      expect(res.errors?.[0]?.message.length).toBeGreaterThan(10);
      expect(await eventCount(org.id, org.tokens.alice!)).toBe(before);
    });
  });

  describe('Query.events', () => {
    it("pages the history oldest first with the stream's cursors", async () => {
      const org = await createOrg(server, 'alice');
      const published = [];
      for (let i = 0; i < 5; i++)
        published.push(
          await publish(server, org.tokens.alice!, {
            orgId: org.id,
            channel: 'user',
            type: 'user.activity',
            payload: { i },
          }),
        );
      const page = (after?: string) =>
        gqlOk(
          url(),
          'query($o: ID!, $a: String) { events(orgId: $o, channels: ["user"], first: 2, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
          { o: org.id, a: after },
          org.tokens.alice,
        );
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const { events } = await page(after);
        seen.push(...events.edges.map((e: any) => e.cursor));
        if (!events.pageInfo.hasNextPage) break;
        after = events.pageInfo.endCursor;
      }
      expect(seen).toEqual(published.map((p) => p.cursor));
    });

    it.each([
      ['garbage', () => 'not-a-cursor'],
      ["another organization's cursor", () => foreignCursor],
    ])('refuses a %s cursor with BAD_USER_INPUT', async (_n, cursor) => {
      const org = await createOrg(server, 'alice');
      const res = await gql(
        url(),
        'query($o: ID!, $a: String) { events(orgId: $o, after: $a) { nodes { id } } }',
        { o: org.id, a: cursor() },
        org.tokens.alice,
      );
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
    });
    let foreignCursor = '';
    beforeAll(async () => {
      const other = await createOrg(server, 'mallory');
      foreignCursor = (
        await publish(server, other.tokens.mallory!, { orgId: other.id, channel: 'user', type: 'user.activity' })
      ).cursor;
    });

    it('refuses a page size out of range', async () => {
      const org = await createOrg(server, 'alice');
      const res = await gql(
        url(),
        'query($o: ID!) { events(orgId: $o, first: 501) { nodes { id } } }',
        { o: org.id },
        org.tokens.alice,
      );
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
    });
  });

  describe('HTTP edges', () => {
    it('refuses a body over 1 MiB with 413 and keeps serving', async () => {
      const body = JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(1_100_000) } });
      const res = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(413);
      expect(((await res.json()) as any).errors[0].message).toContain('limit');
      expect((await gqlOk(url(), '{ me { id } }', {}, await token('alice'))).me.id).toBe('alice');
    });

    it('serves /health and /ready', async () => {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { storage: true } });
    });

    it('serves GraphiQL to a browser, with subscriptions over graphql-ws', async () => {
      const res = await fetch(url(), { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Switchboard GraphiQL');
      expect(html).toContain('"subscriptionsProtocol":"WS"');
    });

    it('answers CORS preflights for listed origins only', async () => {
      const preflight = (origin: string) =>
        fetch(url(), {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type',
          },
        });
      expect((await preflight('https://app.example.com')).headers.get('access-control-allow-origin')).toBe(
        'https://app.example.com',
      );
      expect((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

describe('unexpected errors', () => {
  it('are masked as INTERNAL for the client', async () => {
    const server = await startServer();
    const auth = await token('alice');
    await server.app.services.store.db.schema.dropTable('memberships').execute();
    const res = await gql(server.graphqlUrl, '{ organizations { id } }', {}, auth);
    expect(res.errors).toEqual([
      expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL' } }),
    ]);
    await server.stop();
  });
});

describe('Redis unavailable', () => {
  it('starts, reports not ready, and keeps accepting mutations (the log is the source of truth)', async () => {
    const server = await startServer({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', checks: { storage: true, redis: false } });
      const org = await createOrg(server, 'alice');
      const e = await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
      expect(e.sequence).toBe(2);
    } finally {
      await server.stop();
    }
  });
});
