import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
