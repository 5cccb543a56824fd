import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { switchboardLink } from '../../packages/client/src/apollo.js';
import { type Resync, type Transport, createConnection } from '../../packages/client/src/index.js';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { createOrg, publish } from '../support/fixtures.js';
import { Inbox, until } from '../support/inbox.js';
import { pairPerSuite } from '../support/server.js';

// packages/client against two real instances through a proxy that cuts every connection: exactly once on every
// transport (the cursor becomes `after`), the resync signal, and the Apollo link.
const LIVE =
  'subscription Live($o: ID!, $after: String) { events(orgId: $o, after: $after) { id type cursor payload } }';

describe('the client package (packages/client)', () => {
  const pair = pairPerSuite();

  /** Subscriptions of one organization on both instances (other tests' streams may still be closing). */
  const subscribedTo = (orgId: string) =>
    [pair.a, pair.b].reduce(
      (n, s) => n + (s.app.services.bus.orgStats().find((o) => o.orgId === orgId)?.subscriptions ?? 0),
      0,
    );

  it.each(['ws', 'sse', 'sse-single'] as Transport[])(
    'resumes exactly once after a cut, on the other instance (%s)',
    async (transport) => {
      const org = await createOrg(pair.a, 'alice');
      // A proxy of its own: pooled HTTP connections of another test would still lead to the other instance.
      const proxy = await startCuttingProxy(pair.a.url);
      const connection = createConnection({
        url: `${proxy.url}/graphql`,
        token: () => org.tokens.alice!,
        transport,
        webSocketImpl: WebSocket,
      });
      const events = new Inbox<{ id: string; type: string }>();
      const stop = connection.subscribe(
        { query: LIVE, variables: { o: org.id } },
        { next: (r) => events.push((r.data as any).events), error: () => {}, complete: () => {} },
      );
      await until(() => subscribedTo(org.id) > 0, 'the subscription');
      const send = () => publish(pair.a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
      const first = await send();
      expect((await events.next('the first event')).id).toBe(first.id);
      proxy.retarget(pair.b.url);
      proxy.cut();
      const missed = [await send(), await send()];
      const last = await send();
      const ids: string[] = [];
      while (ids.at(-1) !== last.id) ids.push((await events.next('events after the cut', 15_000)).id);
      expect(ids).toEqual([...missed.map((e) => e.id), last.id]);
      stop();
      await connection.dispose();
      await proxy.stop();
    },
  );

  it('tells the app at once when the token is refused, instead of retrying', async () => {
    const org = await createOrg(pair.a, 'alice');
    const authErrors = new Inbox<true>();
    const connection = createConnection({
      url: pair.a.graphqlUrl,
      token: () => 'not-a-token',
      webSocketImpl: WebSocket,
      onAuthError: () => authErrors.push(true),
    });
    const ended = new Promise<unknown>((resolve) =>
      connection.subscribe(
        { query: LIVE, variables: { o: org.id } },
        { next: () => {}, error: resolve, complete: () => {} },
      ),
    );
    await authErrors.next('the auth error');
    // graphql-ws hands the close event itself to the sink: 4403, with the server's reason.
    expect(await ended).toMatchObject({ code: 4403, reason: expect.stringMatching(/^Invalid token/) });
    await connection.dispose();
  });

  it('hands a stream.resync to onResync', async () => {
    const org = await createOrg(pair.a, 'alice');
    const resyncs = new Inbox<Resync>();
    const connection = createConnection({
      url: pair.a.graphqlUrl,
      token: () => org.tokens.alice!,
      webSocketImpl: WebSocket,
      onResync: (r) => resyncs.push(r),
    });
    const stop = connection.subscribe(
      { query: LIVE, variables: { o: org.id, after: 'not-a-cursor' } },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    expect(await resyncs.next('the resync')).toMatchObject({ reason: 'CURSOR_INVALID', cursor: expect.any(String) });
    stop();
    await connection.dispose();
  });

  it('gives Apollo Client exactly once too, through switchboardLink', async () => {
    const org = await createOrg(pair.a, 'alice');
    const proxy = await startCuttingProxy(pair.a.url);
    const connection = createConnection({
      url: `${proxy.url}/graphql`,
      token: () => org.tokens.alice!,
      webSocketImpl: WebSocket,
    });
    const apollo = new ApolloClient({ link: switchboardLink(connection), cache: new InMemoryCache() });
    const events = new Inbox<{ id: string }>();
    const sub = apollo
      .subscribe<{ events: { id: string } }>({ query: gql(LIVE), variables: { o: org.id } })
      .subscribe({ next: (r) => r.data && events.push(r.data.events), error: () => {} });
    await until(() => subscribedTo(org.id) > 0, 'the subscription');
    const send = () => publish(pair.a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    const first = await send();
    expect((await events.next('the first event')).id).toBe(first.id);
    proxy.retarget(pair.b.url);
    proxy.cut();
    const missed = await send();
    const last = await send();
    const ids: string[] = [];
    while (ids.at(-1) !== last.id) ids.push((await events.next('events after the cut', 15_000)).id);
    expect(ids).toEqual([missed.id, last.id]);
    sub.unsubscribe();
    await connection.dispose();
    await proxy.stop();
  });
});
