import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../support/fixtures.js';
import { Inbox } from '../support/inbox.js';
import { type TestServer, startServer, token } from '../support/server.js';

// EventSource reconnects after every stream that ends. A stream with a single result (a refused subscription,
// a query) is labelled final (frames.ts: FINAL_EVENT_ID); the reconnect that names it is answered 204, and
// EventSource stops, as HTML specifies, instead of asking again every second forever.
describe('EventSource and streams that will never have more', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  /** An EventSource for `query` as `auth`, recording each request's status and Last-Event-ID. */
  function open(query: string, auth: string) {
    const requests: Array<{ lastEventId: string | null; status: number }> = [];
    const source = new EventSource(`${server.graphqlUrl}?query=${encodeURIComponent(query)}`, {
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${auth}`);
        const res = await fetch(input, { ...init, headers });
        requests.push({ lastEventId: headers.get('last-event-id'), status: res.status });
        return res;
      },
    });
    const events = new Inbox<{ type: string; data: string; lastEventId: string }>();
    for (const type of ['next', 'complete'])
      source.addEventListener(type, (e) => events.push({ type, data: e.data, lastEventId: e.lastEventId }));
    const closed = new Promise<void>((resolve) =>
      source.addEventListener('error', () => source.readyState === EventSource.CLOSED && resolve()),
    );
    return { source, requests, events, closed };
  }

  it('a refused subscription: the error, then complete, then one reconnect answered 204, and nothing more', async () => {
    const org = await createOrg(server, 'alice');
    const before = server.app.services.bus.stats().subscriptions;
    const { source, requests, events, closed } = open(
      `subscription { events(orgId: "${org.id}") { id } }`,
      await token('mallory'),
    );
    const [next, complete] = await events.take(2, 'the refusal and complete');
    expect(next?.type).toBe('next');
    expect(JSON.parse(next!.data).errors[0].extensions.code).toBe('FORBIDDEN');
    expect(complete?.type).toBe('complete');
    await closed;
    expect(requests).toEqual([
      { lastEventId: null, status: 200 },
      { lastEventId: 'final', status: 204 },
    ]);
    expect(source.readyState).toBe(EventSource.CLOSED);
    expect(server.app.services.bus.stats().subscriptions).toBe(before);
  });

  it('a query asked for as a stream: its result once, then EventSource stops', async () => {
    const org = await createOrg(server, 'alice');
    const { requests, events, closed } = open('{ me { id } }', org.tokens.alice!);
    const [next] = await events.take(2, 'the result and complete');
    expect(JSON.parse(next!.data).data.me.id).toBe('alice');
    await closed;
    expect(requests.map((r) => r.status)).toEqual([200, 204]);
  });
});
