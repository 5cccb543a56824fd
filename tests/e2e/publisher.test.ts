import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishError, createPublisher } from '../../packages/publisher/src/index.js';
import { createOrg } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { createApiKey, event, storedEvents } from '../support/publish-api.js';
import { type TestServer, startServer } from '../support/server.js';

/** A fetch that records each answer's status, for tests that count requests and retries. */
function recordingFetch() {
  const statuses: number[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    statuses.push(res.status);
    return res;
  };
  return { fetch: wrapped, statuses };
}

/**
 * An HTTP proxy in front of the server that, for the first `drop` requests, lets the server answer and then
 * cuts the connection without passing the answer on: the batch is published, the client never hears it.
 */
async function droppingProxy(
  target: string,
  drop: number,
): Promise<{ url: string; seen: () => number; close(): Promise<void> }> {
  let seen = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const n = ++seen;
      const answer = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', authorization: String(req.headers.authorization) },
        body: Buffer.concat(chunks),
      });
      const body = await answer.text();
      if (n <= drop) return req.socket.destroy();
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen: () => seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const fast = { backoff: { initialMs: 10, maxMs: 50 }, lingerMs: 5 };

// packages/publisher against a real server over HTTP.
describe('the TypeScript publisher', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('batches events by count, publishes them in order and resolves each with its place in the log', async () => {
    const org = await createOrg(server, 'alice');
    const { secret } = await createApiKey(server, org.tokens.alice!, org.id);
    const recorder = recordingFetch();
    const publisher = createPublisher({
      url: server.url,
      credential: secret,
      maxBatchEvents: 500,
      fetch: recorder.fetch,
    });
    const published = await Promise.all(
      Array.from({ length: 1_200 }, (_, i) => publisher.publish(event(org.id, { payload: { i } }))),
    );
    expect(published.map((p) => p.sequence)).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 2));
    expect(published.every((p) => !p.duplicate)).toBe(true);
    expect(recorder.statuses).toEqual([200, 200, 200]);
    const stored = await storedEvents(server, org.id);
    expect(stored.slice(1).map((e) => e.payload.i)).toEqual(Array.from({ length: 1_200 }, (_, i) => i));
    await publisher.close();
    await expect(publisher.publish(event(org.id))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('batches by size too, below the server body limit', async () => {
    const org = await createOrg(server, 'alice');
    const { secret } = await createApiKey(server, org.tokens.alice!, org.id);
    const recorder = recordingFetch();
    const publisher = createPublisher({ url: server.url, credential: secret, fetch: recorder.fetch });
    const pad = 'x'.repeat(20_000);
    await Promise.all(Array.from({ length: 60 }, () => publisher.publish(event(org.id, { payload: { pad } }))));
    await publisher.close();
    expect(recorder.statuses).toEqual([200, 200, 200]); // 60 × 20 KB in requests of at most 512 KiB
    expect(await storedEvents(server, org.id)).toHaveLength(61);
  });

  it('a retry after a dropped response publishes once and resolves with the original events', async () => {
    const org = await createOrg(server, 'alice');
    const { secret } = await createApiKey(server, org.tokens.alice!, org.id);
    const proxy = await droppingProxy(server.url, 1);
    try {
      const publisher = createPublisher({ url: proxy.url, credential: secret, ...fast });
      const published = await Promise.all([0, 1, 2].map((i) => publisher.publish(event(org.id, { payload: { i } }))));
      await publisher.close();
      expect(proxy.seen()).toBe(2);
      expect(published.map((p) => [p.sequence, p.duplicate])).toEqual([
        [2, true],
        [3, true],
        [4, true],
      ]);
      const stored = await storedEvents(server, org.id);
      expect(stored.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
      expect(published.map((p) => p.id)).toEqual(stored.slice(1).map((e) => e.id));
    } finally {
      await proxy.close();
    }
  });

  it("sends an event refused only for its batch's sake again without the refused one", async () => {
    const org = await createOrg(server, 'alice');
    const { secret } = await createApiKey(server, org.tokens.alice!, org.id);
    const publisher = createPublisher({ url: server.url, credential: secret, ...fast });
    const outcomes = await Promise.allSettled([
      publisher.publish(event(org.id, { payload: { n: 1 } })),
      publisher.publish(event(org.id, { type: 'member.leave' })),
      publisher.publish(event(org.id, { payload: { n: 2 } })),
    ]);
    await publisher.close();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (outcomes[1] as PromiseRejectedResult).reason;
    expect(refused).toBeInstanceOf(PublishError);
    expect(refused).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(refused.message).toMatch(/^events\[1\]: Events of type "member.leave" are published by the server itself/);
    expect((await storedEvents(server, org.id)).slice(1).map((e) => e.payload)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("an event for another organization than the key's fails alone; the others publish", async () => {
    const org = await createOrg(server, 'alice');
    const other = await createOrg(server, 'alice');
    const { secret } = await createApiKey(server, org.tokens.alice!, org.id);
    const publisher = createPublisher({ url: server.url, credential: secret, ...fast });
    const outcomes = await Promise.allSettled([
      publisher.publish(event(org.id)),
      publisher.publish(event(other.id)),
      publisher.publish(event(org.id)),
    ]);
    await publisher.close();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(await storedEvents(server, org.id)).toHaveLength(3);
    expect(await storedEvents(server, other.id)).toHaveLength(1);
  });

  it('a revoked key fails at once, without retrying', async () => {
    const org = await createOrg(server, 'alice');
    const { secret, apiKey } = await createApiKey(server, org.tokens.alice!, org.id);
    await gqlOk(
      server.graphqlUrl,
      'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: apiKey.id },
      org.tokens.alice,
    );
    const recorder = recordingFetch();
    const publisher = createPublisher({ url: server.url, credential: secret, fetch: recorder.fetch, ...fast });
    await expect(publisher.publish(event(org.id))).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(recorder.statuses).toEqual([403]);
  });

  it('gives up after maxAttempts when the server cannot be reached', async () => {
    const gone = await startServer();
    const url = gone.url;
    await gone.stop();
    const publisher = createPublisher({ url, credential: 'sbk_x', maxAttempts: 3, ...fast });
    const failure = await publisher.publish(event('org_x')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PublishError);
    expect(failure).toMatchObject({ code: 'NETWORK', attempts: 3 });
    expect((failure as Error).message).toMatch(/did not answer: .* \(after 3 attempts\)$/);
  });
});

describe('the publisher over its API key budget', () => {
  let server: TestServer;
  beforeAll(async () => {
    // 50 events per second, bursts of 100: five batches of 20 pass, the sixth waits about 400 ms.
    server = await startServer({ env: { LIMIT_API_KEY_EVENTS_PER_SECOND: '50' }, tuning: { maxBatchEvents: 20 } });
  });
  afterAll(() => server.stop());

  it('waits as long as the server says (RATE_LIMITED, Retry-After) and then publishes everything', async () => {
    const org = await createOrg(server, 'alice');
    const { secret } = await createApiKey(server, org.tokens.alice!, org.id);
    const recorder = recordingFetch();
    const publisher = createPublisher({
      url: server.url,
      credential: secret,
      maxBatchEvents: 20,
      fetch: recorder.fetch,
      ...fast,
    });
    const started = Date.now();
    const published = await Promise.all(
      Array.from({ length: 120 }, (_, i) => publisher.publish(event(org.id, { payload: { i } }))),
    );
    expect(published.map((p) => p.sequence)).toEqual(Array.from({ length: 120 }, (_, i) => i + 2));
    expect(recorder.statuses.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(recorder.statuses.at(-1)).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await storedEvents(server, org.id)).toHaveLength(121);
  });
});
