import { type Client as WsClient, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseRedisUrl } from '../../server/redis-topology.js';
import { type PubSubBackend, createMemoryPubSub, createRedisPubSub } from '../../server/realtime/pubsub.js';
import { connect } from '../support/clients.js';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { Inbox, until } from '../support/inbox.js';
import { CONTRACT_TOPICS, expectTopicsCarried } from '../support/pubsub-contract.js';
import { type OwnCluster, type OwnTopology, startOwnCluster, startOwnSentinel } from '../support/redis-topologies.js';
import { type TestServer, startServer, uniquePrefix } from '../support/server.js';

const PRESENCE = 'subscription($o: ID!) { presence(orgId: $o) { kind user { userId } users { userId } } }';
const TYPING = 'subscription($o: ID!, $r: String!) { typing(orgId: $o, room: $r) { room users { userId } } }';
const SET_TYPING = 'mutation($o: ID!, $r: String!, $t: Boolean!) { setTyping(orgId: $o, room: $r, typing: $t) }';

const backends: PubSubBackend[] = [];
function redisBackend(url: string, prefix: string): PubSubBackend {
  const backend = createRedisPubSub({ topology: parseRedisUrl(url).topology!, prefix, onError: () => {} });
  backends.push(backend);
  return backend;
}
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

describe('the pub/sub contract in memory and on one Redis server', () => {
  it('in memory: any topic, to its listeners only', async () => {
    const memory = createMemoryPubSub();
    for (const off of await expectTopicsCarried(memory, memory)) off();
  });

  it('on one Redis server: any topic, from one instance to another', async () => {
    const prefix = uniquePrefix();
    const offs = await expectTopicsCarried(
      redisBackend(inject('redisUrl'), prefix),
      redisBackend(inject('redisUrl'), prefix),
    );
    for (const off of offs) off();
  });
});

describe.each([
  ['Sentinel', startOwnSentinel as () => Promise<OwnTopology>],
  ['Cluster', startOwnCluster as () => Promise<OwnTopology>],
])('two instances on a Redis %s', (kind, start) => {
  let starting: Promise<OwnTopology> | undefined;
  let redis: OwnTopology;
  let a: TestServer;
  let b: TestServer;
  let proxy: Awaited<ReturnType<typeof startCuttingProxy>> | undefined;

  beforeAll(async () => {
    starting = start();
    redis = await starting;
    const options = {
      postgres: true,
      env: { REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix() },
      tuning: { presenceGraceMs: 150, typingExpireMs: 600, typingThrottleMs: 300, keepAliveMs: 200 },
    };
    a = await startServer(options);
    b = await startServer(options);
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    // A start still under way when beforeAll timed out is awaited and stopped too.
    await (redis ?? (await starting?.catch(() => undefined)))?.stop();
  });

  it('carries any topic from one instance to another, to its listeners only', async () => {
    const prefix = uniquePrefix();
    const offs = await expectTopicsCarried(redisBackend(redis.url, prefix), redisBackend(redis.url, prefix));
    if (kind === 'Cluster') {
      // Sharded channels, spread over the primaries; nothing on the cluster-wide (broadcast) pub/sub.
      const shards = await (redis as OwnCluster).shardChannels();
      const ours = [...shards.values()].map((channels) => channels.filter((c) => c.startsWith(prefix)));
      expect(ours.flat().sort()).toEqual(
        CONTRACT_TOPICS.slice(1)
          .map((t) => prefix + t)
          .sort(),
      );
      expect(ours.filter((channels) => channels.length > 0).length).toBeGreaterThanOrEqual(2);
      expect((await (redis as OwnCluster).globalChannels()).filter((c) => c.startsWith(prefix))).toEqual([]);
    }
    for (const off of offs) off();
    if (kind === 'Cluster') {
      const unsubscribed = async () =>
        [...(await (redis as OwnCluster).shardChannels()).values()].flat().every((c) => !c.startsWith(prefix));
      await until(unsubscribed, 'every shard channel to be unsubscribed');
    }
  });

  it('delivers events published on both instances, in order, to subscribers on both', async () => {
    const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
    const onA = connect('ws', a, org.tokens.alice);
    const onB = connect('sse', b, org.tokens.bob);
    const subA = onA.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'] });
    const subB = onB.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'] });
    await until(
      () => a.app.services.bus.stats().subscriptions > 0 && b.app.services.bus.stats().subscriptions > 0,
      'both subscriptions',
    );
    const ids = [];
    for (let i = 0; i < 10; i++) {
      const via = i % 2 === 0 ? a : b;
      const input = { orgId: org.id, channel: 'property', type: 'property.update', payload: { i } };
      ids.push((await publish(via, org.tokens.alice!, input)).id);
    }
    expect((await subA.results.take(10)).map((r) => r.data.events.id)).toEqual(ids);
    expect((await subB.results.take(10)).map((r) => r.data.events.id)).toEqual(ids);
    // The console asks every instance over the same pub/sub: both subscribers, from either instance.
    const listed = async () =>
      (
        await gqlOk(
          b.graphqlUrl,
          'query($o: ID!) { subscribers(orgId: $o) { userId instanceId } }',
          { o: org.id },
          org.tokens.alice,
        )
      ).subscribers as Array<{ userId: string; instanceId: string }>;
    await until(async () => (await listed()).length === 2, 'both instances answer the console');
    expect((await listed()).map((s) => s.instanceId).sort()).toEqual(
      [a.app.services.instanceId, b.app.services.instanceId].sort(),
    );
    await Promise.all([onA.dispose(), onB.dispose()]);
  });

  it('shows presence across instances: one join, one leave, and the list from either instance', async () => {
    const org = await createOrg(a, `alice-${kind}`, { [`bob-${kind}`]: 'MEMBER' });
    const [alice, bob] = [`alice-${kind}`, `bob-${kind}`];
    const watcher = connect('ws', b, org.tokens[alice]);
    const updates = watcher.subscribe(PRESENCE, { o: org.id });
    const online = () =>
      updates.results.items.at(-1)?.data.presence.users.map((u: { userId: string }) => u.userId) ?? [];
    await until(() => online().includes(alice), 'the watcher to be online');
    const bobs = [connect('ws', a, org.tokens[bob]), connect('sse', a, org.tokens[bob])];
    bobs.forEach((c) => c.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id }));
    await until(() => online().includes(bob), 'bob (on the other instance) to join');
    const listed = await gqlOk(
      b.graphqlUrl,
      'query($o: ID!) { presence(orgId: $o) { userId } }',
      { o: org.id },
      org.tokens[alice],
    );
    expect(listed.presence.map((u: { userId: string }) => u.userId).sort()).toEqual([alice, bob].sort());
    await Promise.all(bobs.map((c) => c.dispose()));
    await until(() => !online().includes(bob), 'bob to leave');
    const kinds = updates.results.items
      .filter((r) => r.data.presence.user?.userId === bob)
      .map((r) => r.data.presence.kind);
    expect(kinds).toEqual(['JOIN', 'LEAVE']);
    await watcher.dispose();
  });

  it('forwards typing from one instance to a room watched on the other, and its stop', async () => {
    const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
    const bob = connect('ws', b, org.tokens.bob);
    const room = bob.subscribe(TYPING, { o: org.id, r: 'room-{1}' });
    expect((await room.results.next('the initial state')).data.typing).toEqual({ room: 'room-{1}', users: [] });
    const typing = (t: boolean) => gqlOk(a.graphqlUrl, SET_TYPING, { o: org.id, r: 'room-{1}', t }, org.tokens.alice);
    // The room's subscription reaches Redis asynchronously: signal until it is seen (the throttle absorbs repeats).
    await until(async () => {
      await typing(true);
      return room.results.pending > 0;
    }, 'the typing signal from the other instance');
    expect((await room.results.next()).data.typing.users).toEqual([{ userId: 'alice' }]);
    await typing(false);
    expect((await room.results.next('the stop')).data.typing.users).toEqual([]);
    await bob.dispose();
  });

  it('resumes a graphql-ws subscription re-sent with its id on the other instance (resume points in Redis)', async () => {
    proxy = await startCuttingProxy(a.url);
    const org = await createOrg(a, 'alice');
    let reconnect!: () => void;
    const retry = new Promise<void>((resolve) => (reconnect = resolve));
    const connected = new Inbox<true>();
    const closed = new Inbox<true>();
    const client: WsClient = createClient({
      url: proxy.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${org.tokens.alice}` },
      shouldRetry: () => true,
      retryWait: () => retry,
      on: { connected: () => connected.push(true), closed: () => closed.push(true) },
    });
    const events = new Inbox<string>();
    client.subscribe(
      { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } },
      {
        next: (r) => events.push((r.data as { events: { id: string } }).events.id),
        error: () => {},
        complete: () => {},
      },
    );
    await connected.next('the connection');
    await until(() => a.app.services.bus.stats().subscriptions > 0, 'the subscription');
    const send = async () =>
      (await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' })).id;
    const first = await send();
    expect(await events.next('the first event')).toBe(first);
    proxy.retarget(b.url);
    proxy.cut();
    await closed.next('the drop');
    const missed = await send();
    reconnect();
    await connected.next('the reconnect, to instance b');
    const after = await send();
    const ids: string[] = [];
    while (ids.at(-1) !== after) ids.push(await events.next('events up to the last'));
    expect(ids.filter((id) => id !== first)).toEqual([missed, after]);
    await client.dispose();
  });
});
