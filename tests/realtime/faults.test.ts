import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TransportName } from '../support/clients.js';
import { createOrg, publish } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { type OwnRedis, startOwnRedis } from '../support/redis-server.js';
import { ResumingSubscriber } from '../support/resuming-subscriber.js';
import { TEST_SECRET, type TestServer, token, uniquePrefix } from '../support/server.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const asTarget = (p: ServerProcess) =>
  ({ url: p.url, graphqlUrl: `${p.url}/graphql`, wsUrl: `${p.url.replace('http', 'ws')}/graphql` }) as TestServer;
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

// Real processes on PostgreSQL and a redis-server of the test's own, which it kills and restarts.
describe('faults: Redis outages and a killed instance', () => {
  let redis: OwnRedis;
  let dataDir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let service: string;

  beforeAll(async () => {
    redis = await startOwnRedis();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-faults-'));
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_SECRET,
      DATABASE_URL: inject('postgresUrl'),
      REDIS_URL: redis.url,
      REDIS_PREFIX: uniquePrefix(),
    };
    [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
    service = await token('faults-publisher', { service: true });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(
      [a, b].filter((p) => p && p.proc.exitCode === null && p.proc.signalCode === null).map((p) => p.stop()),
    );
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** An organization and subscribers that start from its first event, so none can miss the beginning. */
  async function scenario(subscribers: Array<[TransportName, ServerProcess[]]>) {
    const org = await createOrg(asTarget(a), 'owner');
    const first = await gqlOk(
      `${a.url}/graphql`,
      'query($o: ID!) { events(orgId: $o, first: 1) { nodes { cursor } } }',
      { o: org.id },
      service,
    );
    const after = first.events.nodes[0].cursor;
    const subs = subscribers.map(
      ([transport, targets]) =>
        new ResumingSubscriber(transport, targets.map(asTarget), service, {
          orgId: org.id,
          channels: ['property'],
          after,
        }),
    );
    return { org, subs };
  }

  /** A steady publisher: `count` events, one every `everyMs`, spread over the live instances. */
  async function publishSteadily(orgId: string, count: number, everyMs: number, via: () => ServerProcess[]) {
    for (let i = 0; i < count; i++) {
      const targets = via();
      await publish(asTarget(targets[i % targets.length]!), service, {
        orgId,
        channel: 'property',
        type: 'property.update',
        payload: { i },
      });
      await pause(everyMs);
    }
  }

  async function expectEveryEventOnceInOrder(subs: ResumingSubscriber[], count: number) {
    for (const s of subs) {
      try {
        await s.waitFor(count, 30_000);
      } catch (err) {
        const missing = range(2, count).filter((n) => !s.sequences.includes(n));
        throw new Error(
          `${(err as Error).message}; missing ${missing.join(',')}; received ${s.sequences.join(',')}\nA: ${a.stderr().slice(-3000)}\nB: ${b.stderr().slice(-3000)}`,
        );
      }
    }
    for (const s of subs) expect(s.sequences).toEqual(range(2, count));
  }

  it.each([
    { outageMs: 2_000, count: 120, everyMs: 25 },
    { outageMs: 10_000, count: 150, everyMs: 80 },
  ])(
    'Redis down for $outageMs ms: every subscriber gets every event exactly once, in order',
    async ({ outageMs, count, everyMs }) => {
      const { org, subs } = await scenario([
        ['ws', [a]],
        ['ws', [b]],
        ['sse', [b]],
      ]);
      const outage = (async () => {
        await pause(400);
        await redis.kill();
        await until(async () => (await fetch(`${a.url}/ready`)).status === 503, '/ready to report Redis down');
        await pause(outageMs);
        await redis.restart();
      })();
      await publishSteadily(org.id, count, everyMs, () => [a, b]);
      await outage;
      await expectEveryEventOnceInOrder(subs, count);
      expect([a.proc.exitCode, b.proc.exitCode]).toEqual([null, null]);
      await until(async () => (await fetch(`${a.url}/ready`)).status === 200, '/ready to report Redis back');
      await Promise.all(subs.map((s) => s.stop()));
    },
    60_000,
  );

  it('SIGKILL of an instance mid-stream: its clients resume on the other one and lose nothing', async () => {
    const { org, subs } = await scenario([
      ['ws', [a, b]],
      ['sse', [a, b]],
      ['sse-single', [a, b]],
    ]);
    const kill = (async () => {
      await until(() => subs.every((s) => s.sequences.length >= 20), 'the subscribers to be mid-stream', 20_000);
      a.proc.kill('SIGKILL');
      await a.exited;
    })();
    await publishSteadily(org.id, 100, 20, () => [b]); // the publisher itself never targets the victim
    await kill;
    await expectEveryEventOnceInOrder(subs, 100);
    expect(subs.every((s) => s.resumes >= 1)).toBe(true);
    await Promise.all(subs.map((s) => s.stop()));
  }, 60_000);
});
