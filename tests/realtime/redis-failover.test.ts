import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOrg, publish } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { type OwnCluster, type OwnSentinel, startOwnCluster, startOwnSentinel } from '../support/redis-topologies.js';
import { ResumingSubscriber } from '../support/resuming-subscriber.js';
import { TEST_SECRET, type TestServer, token, uniquePrefix } from '../support/server.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const asTarget = (p: ServerProcess) =>
  ({ url: p.url, graphqlUrl: `${p.url}/graphql`, wsUrl: `${p.url.replace('http', 'ws')}/graphql` }) as TestServer;
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

interface Topology {
  url: string;
  stop(): Promise<void>;
  /** Kills the primary carrying `channel` (SIGKILL) and resolves once another took over. */
  failover(channel: string): Promise<unknown>;
  /** Subscriber connections to `channel` on the primary that carries it now. */
  subscribers(channel: string): Promise<number>;
}

const sentinel = async (): Promise<Topology> => {
  const redis: OwnSentinel = await startOwnSentinel();
  return { ...redis, failover: () => redis.killPrimary(), subscribers: (c) => redis.subscribers(c) };
};
const cluster = async (): Promise<Topology> => {
  const redis: OwnCluster = await startOwnCluster();
  return { ...redis, failover: (c) => redis.killPrimaryOf(c), subscribers: (c) => redis.subscribers(c) };
};

// Real processes on PostgreSQL; the Redis topology of the test's own, whose primary it kills mid-stream.
describe.each([
  ['Sentinel', sentinel],
  ['Cluster', cluster],
])('failover of a Redis %s primary under two instances', (kind, start) => {
  let starting: Promise<Topology> | undefined;
  let redis: Topology;
  let dataDir: string;
  let servers: ServerProcess[] = [];
  let a: ServerProcess;
  let b: ServerProcess;
  let service: string;
  let prefix: string;

  beforeAll(async () => {
    starting = start();
    redis = await starting;
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-failover-'));
    prefix = uniquePrefix();
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_SECRET,
      DATABASE_URL: inject('postgresUrl'),
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
    };
    const spawned = await Promise.allSettled([spawnServer(env), spawnServer(env)]);
    servers = spawned.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of spawned) if (r.status === 'rejected') throw r.reason;
    [a, b] = servers as [ServerProcess, ServerProcess];
    service = await token('failover-publisher', { service: true });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(
      servers.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null).map((p) => p.stop()),
    );
    // A start still under way when beforeAll timed out is awaited and stopped too.
    await (redis ?? (await starting?.catch(() => undefined)))?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGKILL of the primary mid-stream: every event arrives once, in order, on both instances', async () => {
    const org = await createOrg(asTarget(a), `owner-${kind}`);
    const first = await gqlOk(
      `${a.url}/graphql`,
      'query($o: ID!) { events(orgId: $o, first: 1) { nodes { cursor } } }',
      { o: org.id },
      service,
    );
    const variables = { orgId: org.id, channels: ['property'], after: first.events.nodes[0].cursor };
    const subs = [
      new ResumingSubscriber('ws', [asTarget(a)], service, variables),
      new ResumingSubscriber('ws', [asTarget(b)], service, variables),
      new ResumingSubscriber('sse', [asTarget(b)], service, variables),
    ];
    const channel = `${prefix}org:${org.id}`;
    await until(async () => (await redis.subscribers(channel)) === 2, 'both instances to subscribe', 10_000);

    // A steady publisher over both instances, on until well after the new primary took over (bounded).
    let failedOver = false;
    let stopped = false;
    let published = 0;
    let afterFailover = 0;
    const publisher = (async () => {
      while (!stopped && (!failedOver || afterFailover < 40) && published < 600) {
        const via = published % 2 === 0 ? a : b;
        const input = { orgId: org.id, channel: 'property', type: 'property.update', payload: { i: published } };
        await publish(asTarget(via), service, input);
        published++;
        if (failedOver) afterFailover++;
        await pause(25);
      }
    })();
    let steps = false;
    try {
      await until(() => subs.every((s) => s.sequences.length >= 20), 'the subscribers to be mid-stream', 20_000);
      await redis.failover(channel);
      failedOver = true;
      // Both instances subscribed again, on the new primary: live delivery resumed, not only the log's repair.
      await until(async () => (await redis.subscribers(channel)) === 2, 'both instances to subscribe again', 20_000);
      steps = true;
    } finally {
      stopped = !steps; // a failed step ends the publisher too: no request after afterAll stopped the servers
      await publisher.catch(() => undefined);
    }
    await publisher; // its own failure, if any

    for (const s of subs) {
      try {
        await s.waitFor(published, 30_000);
      } catch (err) {
        const missing = range(2, published).filter((n) => !s.sequences.includes(n));
        throw new Error(`${(err as Error).message}; missing ${missing.join(',')}\nA: ${a.stderr().slice(-2000)}`);
      }
    }
    for (const s of subs) expect(s.sequences).toEqual(range(2, published));
    expect([a.proc.exitCode, b.proc.exitCode]).toEqual([null, null]);
    await until(async () => (await fetch(`${b.url}/ready`)).status === 200, '/ready after the failover', 10_000);
    await Promise.all(subs.map((s) => s.stop()));
  }, 90_000);
});
