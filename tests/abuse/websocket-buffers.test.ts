import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvent } from '../../server/domain/events.js';
import { SUBSCRIBE_EVENTS, createOrg } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startServer } from '../support/server.js';

// A graphql-ws client that stops reading but keeps its connection "alive" with unsolicited pongs
// (issue 11, case 11): what it leaves unread is bounded in bytes, and the heartbeat finds it dead.

const MAX_PENDING_BYTES = 1024 * 1024;
const BLOB = 'x'.repeat(30 * 1024);

describe('a stalled WebSocket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ tuning: { maxPendingBytes: MAX_PENDING_BYTES, keepAliveMs: 300 } });
  });
  afterAll(() => server.stop());

  const wsConnections = () => server.app.services.metrics.figures?.connections().ws ?? -1;
  const service = { userId: 'backend', name: null, isService: true };

  it('has its subscription cut off once its unread bytes pass the bound, and is closed by the heartbeat despite unsolicited pongs; a reading client gets everything', async () => {
    const org = await createOrg(server, 'alice', { bob: 'MEMBER' });
    const subscribe = async (auth: string) => {
      const raw = await openRaw(server.wsUrl);
      await raw.init(auth);
      raw.send({ id: 'feed', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
      return raw;
    };
    const reader = await subscribe(org.tokens.bob!);
    const stalled = await subscribe(org.tokens.alice!);
    await until(() => server.app.services.bus.stats().subscriptions === 2, 'both subscriptions');
    stalled.socket.pause();
    const pongs = setInterval(() => stalled.socket.pong(), 50); // "I am alive", without reading anything

    let longest = 0;
    let published = 0;
    try {
      while (server.app.services.bus.stats().subscriptions === 2 && published < 1_000) {
        await publishEvent(server.app.services, service, {
          orgId: org.id,
          channel: 'property',
          type: 'property.update',
          payload: { i: published++, blob: BLOB },
        });
        longest = Math.max(longest, server.app.services.bus.stats().longestQueue);
        await new Promise((r) => setImmediate(r)); // the reading client, in this process too, reads meanwhile
      }
      // Cut off by bytes (1 MiB is about 34 of these messages), long before the 1,000-message bound.
      expect(server.app.services.bus.stats().subscriptions).toBe(1);
      expect(longest).toBeLessThanOrEqual(Math.ceil(MAX_PENDING_BYTES / BLOB.length) + 1);
      // Unsolicited pongs do not answer the heartbeat's pings: the connection is terminated.
      await until(() => wsConnections() === 1, 'the stalled connection to be closed');
    } finally {
      clearInterval(pongs);
    }
    const received = await reader.messages.take(published, 'every event on the reading client', 30_000);
    expect(received.map((m) => m.payload.data.events.payload.i)).toEqual(
      Array.from({ length: published }, (_, i) => i),
    );
    reader.socket.close();
  }, 60_000);
});
