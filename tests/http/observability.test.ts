import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type TestServer, startServer, token } from '../support/server.js';
import { serviceToken } from '../support/publish-api.js';
import { ROOT } from '../support/process.js';

describe('metrics and server stats', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('counts connections, subscriptions, published and delivered events at /metrics', async () => {
    const org = await createOrg(server, 'alice');
    const client = connect('ws', server, org.tokens.alice);
    const sub = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await until(() => server.app.services.bus.stats().subscriptions > 0, 'the subscription');
    await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    await sub.results.next();
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('switchboard_events_published_total')).toBeGreaterThanOrEqual(2);
    expect(value('switchboard_events_delivered_total')).toBeGreaterThanOrEqual(1);
    expect(value('switchboard_event_subscriptions')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^switchboard_connections\{transport="ws"\} [1-9]/m);
    expect(text).toContain('switchboard_delivery_latency_seconds_bucket');
    await client.dispose();
  });

  it('counts open connections of every transport, and drops them when they close', async () => {
    const org = await createOrg(server, 'alice');
    const count = async (transport: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(new RegExp(`^switchboard_connections\\{transport="${transport}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    };
    const before = { sse: await count('sse'), single: await count('sse-single') };
    const subscriptions = server.app.services.bus.stats().subscriptions;
    const clients = [connect('sse', server, org.tokens.alice), connect('sse-single', server, org.tokens.alice)];
    const subs = clients.map((c) => c.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id }));
    await until(() => server.app.services.bus.stats().subscriptions >= subscriptions + 2, 'the subscriptions');
    await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    for (const s of subs) await s.results.next('the event');
    expect(await count('sse')).toBe(before.sse + 1);
    expect(await count('sse-single')).toBe(before.single + 1);
    const stats = await gqlOk(server.graphqlUrl, '{ serverStats { sseConnections } }', {}, await serviceToken());
    expect(stats.serverStats.sseConnections).toBeGreaterThanOrEqual(2);
    await Promise.all(clients.map((c) => c.dispose()));
    await until(
      async () => (await count('sse')) === before.sse && (await count('sse-single')) === before.single,
      'the streams closed',
    );
  });

  it('answers serverStats to services only', async () => {
    const org = await createOrg(server, 'alice');
    const client = connect('ws', server, org.tokens.alice);
    client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await until(
      () => server.app.services.bus.orgStats().some((o) => o.orgId === org.id && o.subscriptions === 1),
      'the subscription',
    );
    const query =
      '{ serverStats { instanceId wsConnections subscriptions organizations { orgId subscriptions eventsPerSecond } } }';
    expect(errorCode(await gql(server.graphqlUrl, query, {}, org.tokens.alice))).toBe('FORBIDDEN');
    const stats = (await gqlOk(server.graphqlUrl, query, {}, await token('ops', { service: true }))).serverStats;
    expect(stats.instanceId).toMatch(/^inst_/);
    expect(stats.wsConnections).toBeGreaterThanOrEqual(1);
    expect(stats.organizations).toContainEqual({
      orgId: org.id,
      subscriptions: 1,
      eventsPerSecond: expect.any(Number),
    });
    await client.dispose();
  });

  it("tags every HTTP response with a request id, keeping the caller's", async () => {
    const mine = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-123' },
      body: '{"query":"{ __typename }"}',
    });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const fresh = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('logs of a request', () => {
  it('carry the request id, so the INTERNAL a client saw can be found; the client sees no detail', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const server = await startServer({ logger });
    const org = await createOrg(server, 'alice');
    await server.app.services.store.close(); // the database goes away under a running server
    try {
      const res = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': 'trace-internal',
          authorization: `Bearer ${org.tokens.alice}`,
        },
        body: JSON.stringify({ query: '{ organizations { id name } }' }),
      });
      const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL' } });
      expect(JSON.stringify(body)).not.toMatch(/database|sqlite|closed/i);
      // Once, with the request's id: logged where the operation's context is known, not again by the masker.
      expect(lines.filter((l) => l.msg === 'unexpected error')).toEqual([
        expect.objectContaining({ req: 'trace-internal', level: 50 }),
      ]);

      // A failure while authenticating (an API key is looked up in the store): the same, with its own id.
      const auth = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': 'trace-auth',
          authorization: `Bearer sbk_${'0'.repeat(32)}_${'A'.repeat(43)}`,
        },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(auth.headers.get('x-request-id')).toBe('trace-auth');
      const authBody = (await auth.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(authBody.errors[0]?.extensions.code).toBe('INTERNAL');
      expect(lines.filter((l) => l.msg === 'unexpected error' && l.req === 'trace-auth')).toHaveLength(1);

      // A batch of the publish API whose append fails: the failure's line carries the request's id.
      const batch = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': 'trace-publish',
          authorization: `Bearer ${await serviceToken()}`,
        },
        body: JSON.stringify({ events: [{ orgId: org.id, channel: 'property', type: 'property.update' }] }),
      });
      expect(batch.headers.get('x-request-id')).toBe('trace-publish');
      expect(JSON.stringify(await batch.json())).toContain('INTERNAL');
      expect(lines.filter((l) => l.req === 'trace-publish' && l.level === 50).length).toBeGreaterThan(0);
    } finally {
      await server.stop().catch(() => {}); // the store is already closed
    }
  });
});

describe('LOG_LEVEL=debug', () => {
  it('traces connections, subscriptions and deliveries with ids and counts, never tokens or payloads', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const server = await startServer({ logger });
    try {
      const org = await createOrg(server, 'alice');
      const client = connect('ws', server, org.tokens.alice);
      const sub = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      await until(() => server.app.services.bus.stats().subscriptions > 0, 'the subscription');
      const secret = 'payload-that-must-not-be-logged';
      const sent = await publish(server, org.tokens.alice!, {
        orgId: org.id,
        channel: 'user',
        type: 'user.activity',
        payload: { secret },
      });
      await sub.results.next('the event');
      await client.dispose();
      const msg = (m: string) => lines.find((l) => l.msg === m);
      await until(() => msg('graphql-ws connection closed') !== undefined, 'the close line');
      expect(msg('graphql-ws connection opened')).toMatchObject({ conn: expect.any(String) });
      expect(msg('graphql-ws connection signed in')).toMatchObject({ user: 'alice' });
      const trace = { transport: 'ws', user: 'alice', field: 'events', orgId: org.id };
      expect(msg('subscription started')).toMatchObject(trace);
      expect(
        lines.find((l) => l.msg === 'event fanned out' && l.seq === sent.sequence && l.orgId === org.id),
      ).toMatchObject({ type: 'user.activity', channel: 'user', streams: 1 });
      expect(msg('subscription ended')).toMatchObject({ ...trace, ms: expect.any(Number) });
      const all = JSON.stringify(lines);
      expect(all).not.toContain(secret);
      expect(all).not.toContain(org.tokens.alice);
    } finally {
      await server.stop();
    }
  });
});

describe('the example Grafana dashboard (docs/grafana-dashboard.json)', () => {
  it('queries only metrics a server exports', async () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const server = await startServer({ redis: true });
    try {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const exported = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
      const used = new Set(
        dashboard.panels.flatMap((p) =>
          p.targets.flatMap((t) => [...t.expr.matchAll(/\b(switchboard_\w+?)(?:_bucket)?\b/g)].map((m) => m[1])),
        ),
      );
      expect(used.size).toBeGreaterThan(8);
      expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
