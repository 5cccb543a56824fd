import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvent } from '../../server/domain/events.js';
import { lastSeq } from '../../server/store/repository.js';
import { SUBSCRIBE_EVENTS, createOrg } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startServer } from '../support/server.js';

const EVENTS = 5_000;
const MAX_QUEUE = 1_000; // the documented default

describe('a subscriber that stops reading', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The bound in messages is under test here; the bound in bytes (tests/realtime/abuse.test.ts) is set out of reach.
    // A paused client cannot answer pings: the heartbeat (tests/abuse/websocket-buffers.test.ts) is set out of reach too.
    server = await startServer({
      tuning: { maxQueuePerSubscription: MAX_QUEUE, maxPendingBytes: 1024 ** 3, keepAliveMs: 600_000 },
    });
  });
  afterAll(() => server.stop());

  /** Publishes 16 KiB events until the only subscription is cut off; returns the longest queue seen. */
  async function floodUntilCutOff(orgId: string): Promise<number> {
    const viewer = { userId: 'feed-publisher', name: null, isService: true }; // a backend service: not rate limited
    const blob = 'x'.repeat(16 * 1024);
    let longest = 0;
    for (let i = 0; i < 2_500 && server.app.services.bus.stats().subscriptions === 1; i++) {
      await publishEvent(server.app.services, viewer, {
        orgId,
        channel: 'property',
        type: 'property.update',
        payload: { i, blob },
      });
      longest = Math.max(longest, server.app.services.bus.stats().longestQueue);
    }
    expect(server.app.services.bus.stats().subscriptions).toBe(0);
    return longest;
  }

  it('is cut off with SLOW_CONSUMER while the others get everything; it resumes and ends with every event', async () => {
    const org = await createOrg(server, 'alice', { bob: 'MEMBER' });
    const subscribe = async (token: string, after?: string) => {
      const raw = await openRaw(server.wsUrl);
      await raw.init(token);
      raw.send({
        id: 'feed',
        type: 'subscribe',
        payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id, channels: ['property'], after } },
      });
      return raw;
    };
    // A reader that keeps up and only counts, and one that stops reading its socket.
    const fast = await subscribe(org.tokens.bob!);
    const slow = await subscribe(org.tokens.alice!);
    await until(() => server.app.services.bus.stats().subscriptions === 2, 'both subscriptions');
    const fastSeqs: number[] = [];
    fast.socket.removeAllListeners('message');
    fast.socket.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'next') fastSeqs.push(msg.payload.data?.events?.sequence ?? -1);
    });
    slow.socket.pause();

    const head = (await lastSeq(server.app.services.store.db, org.id))!;
    const everySeq = Array.from({ length: EVENTS }, (_, i) => head + 1 + i);
    // 16 KiB payloads: 80 MB in all, far more than the kernel's socket buffers can hide.
    const viewer = { userId: 'feed-publisher', name: null, isService: true }; // a backend service: not rate limited
    const blob = 'x'.repeat(16 * 1024);
    let longest = 0;
    for (let i = 0; i < EVENTS; i++) {
      await publishEvent(server.app.services, viewer, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
        payload: { i, blob },
      });
      longest = Math.max(longest, server.app.services.bus.stats().longestQueue);
      // In-process publishing outruns any socket; pace it so that a reader that keeps up is never behind by a whole queue.
      if (i % 250 === 249)
        await until(() => fastSeqs.length >= i + 1 - 250, 'the reading subscriber to keep up', 30_000);
    }
    await until(() => fastSeqs.length === EVENTS, 'the reading subscriber to get every event', 30_000);
    expect(fastSeqs).toEqual(everySeq);
    // Memory per subscription stayed bounded, and the stalled one was let go.
    expect(longest).toBeLessThanOrEqual(MAX_QUEUE);
    await until(() => server.app.services.bus.stats().subscriptions === 1, 'the stalled subscriber to be cut off');

    // It reads again: what was already in flight, then the documented error with where to resume.
    slow.socket.resume();
    const received: number[] = [];
    let cutOff: any;
    while (!cutOff) {
      const msg = await slow.messages.next("the slow subscriber's backlog", 30_000);
      if (msg.type === 'next' && msg.payload.data?.events) received.push(msg.payload.data.events.sequence);
      else if (msg.type === 'next') cutOff = msg.payload.errors[0];
    }
    expect(cutOff.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'SLOW_CONSUMER',
      resumeAfter: expect.any(String),
    });
    expect(await slow.messages.next()).toMatchObject({ id: 'feed', type: 'complete' });
    expect(received.length).toBeLessThan(EVENTS);
    slow.socket.close();

    const again = await subscribe(org.tokens.alice!, cutOff.extensions.resumeAfter);
    while (received.length < EVENTS) {
      const msg = await again.messages.next('the resumed stream', 30_000);
      expect(msg.type).toBe('next');
      received.push(msg.payload.data.events.sequence);
    }
    expect(received).toEqual(everySeq);
    again.socket.close();
    fast.socket.close();
  }, 120_000);

  it('over SSE too: a response nobody reads is cut off at the queue bound, not buffered without end', async () => {
    const org = await createOrg(server, 'alice');
    const response = await new Promise<import('node:http').IncomingMessage>((resolve) => {
      const req = request(server.graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${org.tokens.alice}`,
        },
      });
      req.on('response', resolve);
      req.end(JSON.stringify({ query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } }));
    });
    response.pause(); // never read
    await until(() => server.app.services.bus.stats().subscriptions === 1, 'the SSE subscription');
    expect(await floodUntilCutOff(org.id)).toBe(MAX_QUEUE);
    response.destroy();
  }, 60_000);

  it('over single-connection SSE too: an event stream nobody reads does not buffer without end', async () => {
    const org = await createOrg(server, 'alice');
    const auth = { authorization: `Bearer ${org.tokens.alice}` };
    const streamToken = await (await fetch(`${server.graphqlUrl}/stream`, { method: 'PUT', headers: auth })).text();
    const response = await new Promise<import('node:http').IncomingMessage>((resolve) => {
      const req = request(`${server.graphqlUrl}/stream`, {
        headers: { ...auth, accept: 'text/event-stream', 'x-graphql-event-stream-token': streamToken },
      });
      req.on('response', resolve);
      req.end();
    });
    response.pause(); // never read
    const op = await fetch(`${server.graphqlUrl}/stream`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-graphql-event-stream-token': streamToken },
      body: JSON.stringify({
        query: SUBSCRIBE_EVENTS,
        variables: { orgId: org.id },
        extensions: { operationId: 'op' },
      }),
    });
    expect(op.status).toBe(202);
    await until(() => server.app.services.bus.stats().subscriptions === 1, 'the single-connection subscription');
    expect(await floodUntilCutOff(org.id)).toBe(MAX_QUEUE);
    response.destroy();
  }, 60_000);
});
