import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { type Client as WsClient, createClient } from 'graphql-ws';
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { Inbox, until } from '../support/inbox.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startPair } from '../support/server.js';

type Proxy = Awaited<ReturnType<typeof startCuttingProxy>>;

/** A gate the client's retry waits on: the test publishes while the client is surely away. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** A stock graphql-ws client (what Apollo's GraphQLWsLink and urql's recipe wrap): no cursor handling at all. */
function stockClient(proxy: Proxy, token: string, retry: Promise<void>) {
  const connected = new Inbox<true>();
  const closed = new Inbox<true>();
  const client = createClient({
    url: proxy.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 5,
    shouldRetry: () => true,
    retryWait: () => retry,
    on: { connected: () => connected.push(true), closed: () => closed.push(true) },
  });
  return { client, connected, closed };
}

/** Events received until `lastId` arrives, as ids. */
async function idsUntil(events: Inbox<{ id: string }>, lastId: string): Promise<string[]> {
  const ids: string[] = [];
  while (ids.at(-1) !== lastId) ids.push((await events.next(`events up to ${lastId}`)).id);
  return ids;
}

describe('server-side resume: a graphql-ws subscription re-sent with its id after a lost connection', () => {
  let a: TestServer;
  let b: TestServer;
  let proxy: Proxy;
  beforeAll(async () => {
    // A short heartbeat, so that pings are echoed (and read positions known) within the tests.
    [a, b] = await startPair({ keepAliveMs: 200 });
    proxy = await startCuttingProxy(a.url);
  });
  afterAll(async () => {
    await proxy.stop();
    await Promise.all([a.stop(), b.stop()]);
  });

  async function drop(ws: ReturnType<typeof stockClient>, to: TestServer) {
    proxy.retarget(to.url);
    proxy.cut();
    await ws.closed.next('the drop');
  }

  it('continues on another instance with nothing missed (the stock graphql-ws client)', async () => {
    const org = await createOrg(a, 'alice');
    const retry = gate();
    const ws = stockClient(proxy, org.tokens.alice!, retry.opened);
    const events = new Inbox<{ id: string }>();
    ws.client.subscribe(
      { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } },
      { next: (r) => events.push((r.data as { events: { id: string } }).events), error: () => {}, complete: () => {} },
    );
    await ws.connected.next('the connection');
    await until(() => a.app.services.bus.stats().subscriptions > 0, 'the subscription');
    const first = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect((await events.next('the first event')).id).toBe(first.id);

    await drop(ws, b);
    const missed = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    retry.open();
    await ws.connected.next('the reconnect, to instance b');
    const after = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    const ids = await idsUntil(events, after.id);
    // Nothing skipped; at most what was in flight before the drop comes again (here: the first event).
    expect(ids.filter((id) => id !== first.id)).toEqual([missed.id, after.id]);
    await ws.client.dispose();
  });

  it("continues with urql's documented graphql-ws setup, which re-sends its original variables", async () => {
    const org = await createOrg(a, 'alice');
    proxy.retarget(a.url);
    const retry = gate();
    const ws = stockClient(proxy, org.tokens.alice!, retry.opened);
    const urql = new Client({
      url: `${proxy.url}/graphql`,
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({
              unsubscribe: (ws.client as WsClient).subscribe({ ...request, query: request.query ?? '' }, sink),
            }),
          }),
        }),
      ],
    });
    const events = new Inbox<{ id: string }>();
    const before = a.app.services.bus.stats().subscriptions;
    const { unsubscribe } = urql.subscription(SUBSCRIBE_EVENTS, { orgId: org.id }).subscribe((r) => {
      if (r.data) events.push(r.data.events);
    });
    await ws.connected.next('the connection');
    await until(() => a.app.services.bus.stats().subscriptions > before, 'the subscription');
    const first = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect((await events.next('the first event')).id).toBe(first.id);

    await drop(ws, a);
    const missed = [];
    for (let i = 0; i < 3; i++)
      missed.push((await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' })).id);
    retry.open();
    await ws.connected.next('the reconnect');
    const after = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    const ids = await idsUntil(events, after.id);
    expect(ids.filter((id) => id !== first.id)).toEqual([...missed, after.id]);
    unsubscribe();
    await ws.client.dispose();
  });

  it('continues with Apollo Client 4 and its GraphQLWsLink, unchanged', async () => {
    const org = await createOrg(a, 'alice');
    proxy.retarget(a.url);
    const retry = gate();
    const ws = stockClient(proxy, org.tokens.alice!, retry.opened);
    const apollo = new ApolloClient({ link: new GraphQLWsLink(ws.client), cache: new InMemoryCache() });
    const events = new Inbox<{ id: string }>();
    const before = a.app.services.bus.stats().subscriptions;
    const subscription = apollo
      .subscribe<{ events: { id: string } }>({ query: gql(SUBSCRIBE_EVENTS), variables: { orgId: org.id } })
      .subscribe({ next: (r) => r.data && events.push(r.data.events), error: () => {} });
    await ws.connected.next('the connection');
    await until(() => a.app.services.bus.stats().subscriptions > before, 'the subscription');
    const first = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect((await events.next('the first event')).id).toBe(first.id);

    await drop(ws, b);
    const missed = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    retry.open();
    await ws.connected.next('the reconnect, to instance b');
    const after = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    const ids = await idsUntil(events, after.id);
    expect(ids.filter((id) => id !== first.id)).toEqual([missed.id, after.id]);
    subscription.unsubscribe();
    await ws.client.dispose();
  });

  it('never resumes a subscription its client completed, nor one of another user', async () => {
    const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
    proxy.retarget(a.url);
    const subscribeAs = async (token: string) => {
      const raw = await openRaw(proxy.wsUrl);
      await raw.init(token);
      return raw;
    };
    const alice = await subscribeAs(org.tokens.alice!);
    const before = a.app.services.bus.stats().subscriptions;
    alice.send({ id: 'done', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    alice.send({ id: 'lost', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    await until(() => a.app.services.bus.stats().subscriptions >= before + 2, 'the subscriptions');
    alice.send({ id: 'done', type: 'complete' });
    await until(() => a.app.services.bus.stats().subscriptions === before + 1, 'the completed one gone');
    proxy.cut();
    await alice.closed;
    const during = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });

    // Bob sends Alice's lost id: he gets live events only.
    const bob = await subscribeAs(org.tokens.bob!);
    bob.send({ id: 'lost', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    const again = await subscribeAs(org.tokens.alice!);
    again.send({ id: 'done', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    await until(() => a.app.services.bus.stats().subscriptions >= before + 2, 'the new subscriptions');
    const live = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect((await bob.messages.next("Bob's first message")).payload.data.events.id).toBe(live.id);
    expect((await again.messages.next('the completed id, sent again')).payload.data.events.id).toBe(live.id);
    // Alice's lost one, sent again by her: it resumes, from before `during`.
    again.send({ id: 'lost', type: 'subscribe', payload: { query: SUBSCRIBE_EVENTS, variables: { orgId: org.id } } });
    const resumed: string[] = [];
    while (resumed.at(-1) !== live.id) {
      const m = await again.messages.next('the resumed subscription');
      if (m.id === 'lost') resumed.push(m.payload.data.events.id);
    }
    expect(resumed).toContain(during.id);
    bob.socket.close();
    again.socket.close();
  });
});
