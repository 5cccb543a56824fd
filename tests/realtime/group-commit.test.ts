import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg } from '../support/fixtures.js';
import { gql } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type TestServer, startServer, token } from '../support/server.js';

const PUBLISH = 'mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence } }';

// Concurrent publishes to one organization share a transaction (the group commit): each caller is still
// answered, refused and ordered on its own.
describe.each([{ store: 'sqlite' }, { store: 'postgres' }])('the group commit on $store', ({ store }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ postgres: store === 'postgres', env: { LIMIT_PUBLISHES_PER_SECOND: '1' } });
  });
  afterAll(() => server.stop());

  it('answers 40 concurrent publishers with one gap-free sequence, refuses only the caller over its budget, and delivers in order', async () => {
    const org = await createOrg(server, 'alice', { bob: 'MEMBER' });
    const service = await token('backend', { service: true });
    const watcher = connect('ws', server, org.tokens.alice);
    const live = watcher.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, types: ['property.update'] });
    await until(() => server.app.services.bus.stats().subscriptions >= 1, 'the subscription');
    const send = (auth: string, i: number) =>
      gql(
        server.graphqlUrl,
        PUBLISH,
        { i: { orgId: org.id, channel: 'property', type: 'property.update', payload: { i } } },
        auth,
      );
    // Bob may publish 2 at once (a burst of twice his rate of 1/s); the service is exempt.
    const answers = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => send(service, i)),
      ...Array.from({ length: 10 }, (_, i) => send(org.tokens.bob!, 100 + i)),
    ]);
    const published = answers.filter((a) => !a.errors).map((a) => a.data.publishEvent.sequence as number);
    const refused = answers.filter((a) => a.errors).map((a) => a.errors?.[0]?.extensions?.code);
    expect(refused).toEqual(Array.from({ length: 8 }, () => 'RATE_LIMITED'));
    expect(published).toHaveLength(32);
    const first = Math.min(...published);
    expect([...published].sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => first + i));
    const received = await live.results.take(32, 'every published event', 10_000);
    expect(received.map((r) => r.data.events.sequence)).toEqual(Array.from({ length: 32 }, (_, i) => first + i));
    await watcher.dispose();
  });
});

// Another instance appending to an organization holds its row lock for its transaction: the group commit must
// not queue every other organization behind it (one slow organization does not hold the others).
describe('the group commit on postgres, with organizations locked elsewhere', () => {
  let server: TestServer;
  let holder: pg.Client;
  beforeAll(async () => {
    server = await startServer({ postgres: true });
    holder = new pg.Client({ connectionString: inject('postgresUrl') });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await server.stop();
  });

  it('commits the free organizations at once, and each locked one after its lock, in order', async () => {
    const service = await token('backend', { service: true });
    const send = (orgId: string, i: number) =>
      gql(
        server.graphqlUrl,
        PUBLISH,
        { i: { orgId, channel: 'property', type: 'property.update', payload: { i } } },
        service,
      );
    // More locked organizations than are committed aside at once (4): the rest wait their turn, not the lane.
    const locked = await Promise.all(Array.from({ length: 6 }, () => createOrg(server, 'alice')));
    const free = await createOrg(server, 'alice');
    const watcher = connect('ws', server, locked[0]!.tokens.alice);
    const live = watcher.subscribe(SUBSCRIBE_EVENTS, { orgId: locked[0]!.id, types: ['property.update'] });
    await until(() => server.app.services.bus.stats().subscriptions >= 1, 'the subscription');
    await holder.query('begin');
    await holder.query('select 1 from organizations where id = any($1) for update', [locked.map((o) => o.id)]);
    let answered = 0;
    const waiting = locked.flatMap((o) => [send(o.id, 1), send(o.id, 2)].map((p) => p.finally(() => answered++)));
    for (let i = 0; i < 3; i++) {
      const answer = await send(free.id, i);
      expect(answer.errors).toBeUndefined();
    }
    expect(answered).toBe(0);
    await holder.query('commit');
    const answers = await Promise.all(waiting);
    for (const a of answers) expect(a.errors).toBeUndefined();
    const sequences = answers.map((a) => a.data.publishEvent.sequence as number);
    // Each organization's two callers (sent at once, so in either order) got consecutive sequences.
    for (let o = 0; o < locked.length; o++) {
      const [lo, hi] = sequences.slice(o * 2, o * 2 + 2).sort((a, b) => a - b);
      expect(hi).toBe((lo as number) + 1);
    }
    const received = await live.results.take(2, 'the locked organization’s events', 10_000);
    const bySequence = new Map([
      [sequences[0], 1],
      [sequences[1], 2],
    ]);
    const seen = received.map((r) => [r.data.events.sequence, r.data.events.payload.i]);
    expect(seen).toEqual([...bySequence].sort((a, b) => (a[0] as number) - (b[0] as number)));
    await watcher.dispose();
  });
});
