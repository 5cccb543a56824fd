import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type TestServer, startServer, token } from '../support/server.js';

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
      expect(lines.find((l) => l.msg === 'unexpected error')).toMatchObject({ req: 'trace-internal', level: 50 });
    } finally {
      await server.stop().catch(() => {}); // the store is already closed
    }
  });
});
