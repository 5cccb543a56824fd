import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { type TestServer, startPair } from '../support/server.js';

// Two instances on one PostgreSQL database and one Redis: what one publishes, the other's clients get.
describe('two instances sharing Redis and PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    [a, b] = await startPair();
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it.each(TRANSPORTS)('delivers across instances over %s, in order, to subscribers on both', async (transport) => {
    const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
    const onA = connect(transport, a, org.tokens.alice);
    const onB = connect(transport, b, org.tokens.bob);
    const subA = onA.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'] });
    const subB = onB.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'] });
    await until(
      () => a.app.services.bus.stats().subscriptions > 0 && b.app.services.bus.stats().subscriptions > 0,
      'both subscriptions',
    );
    const published = [];
    for (let i = 0; i < 10; i++) {
      const via = i % 2 === 0 ? a : b; // publishers on both instances
      published.push(
        await publish(via, org.tokens.alice!, {
          orgId: org.id,
          channel: 'property',
          type: 'property.update',
          payload: { i },
        }),
      );
    }
    const ids = published.map((p) => p.id);
    expect((await subA.results.take(10)).map((r) => r.data.events.id)).toEqual(ids);
    expect((await subB.results.take(10)).map((r) => r.data.events.id)).toEqual(ids);
    await Promise.all([onA.dispose(), onB.dispose()]);
  });

  it('assigns one gap-free sequence to concurrent publishers on both instances', async () => {
    const org = await createOrg(a, 'alice');
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        publish(i % 2 ? a : b, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' }),
      ),
    );
    const seqs = results.map((r) => r.sequence).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 2)); // 1 is the owner's member.join
  });
});
