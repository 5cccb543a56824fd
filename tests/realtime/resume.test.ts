import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneEvents } from '../../server/store/retention.js';
import { appendEvent } from '../../server/store/repository.js';
import { createStore } from '../../server/store/store.js';
import { TRANSPORTS, connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { Inbox, until } from '../support/inbox.js';
import { freePort } from '../support/free-port.js';
import { type TestServer, startServer } from '../support/server.js';

describe('resuming an event stream', () => {
  let dataDir: string;
  let port: number;
  let server: TestServer | undefined;
  const start = async () => {
    server = await startServer({ dataDir, env: { PORT: String(port) } });
    return server;
  };
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-resume-'));
    port = await freePort();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(TRANSPORTS)(
    'over %s with `after`, across a restart on the embedded store: no gap, no duplicate',
    async (transport) => {
      const s1 = await start();
      const org = await createOrg(s1, 'alice');
      const auth = org.tokens.alice!;
      const client1 = connect(transport, s1, auth);
      const live = client1.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'] });
      await until(() => s1.app.services.bus.stats().subscriptions === 1, 'the subscription');
      const before = [];
      for (let i = 0; i < 3; i++)
        before.push(
          await publish(s1, auth, { orgId: org.id, channel: 'property', type: 'property.update', payload: { i } }),
        );
      const seen = (await live.results.take(3)).map((r) => r.data.events);
      expect(seen.map((e) => e.id)).toEqual(before.map((e) => e.id));
      const lastCursor = seen.at(-1).cursor;
      await client1.dispose();
      await s1.stop();

      // Published while this client was away (one on another channel, which the filter must skip).
      const s2 = await start();
      const missed = [];
      for (let i = 0; i < 3; i++)
        missed.push(
          await publish(s2, auth, {
            orgId: org.id,
            channel: 'property',
            type: 'property.update',
            payload: { i: i + 3 },
          }),
        );
      await publish(s2, auth, { orgId: org.id, channel: 'user', type: 'user.activity' });
      const client2 = connect(transport, s2, auth);
      const resumed = client2.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'], after: lastCursor });
      const replayed = await resumed.results.take(3, 'the replayed events');
      expect(replayed.map((r) => r.data.events.id)).toEqual(missed.map((e) => e.id));
      expect(replayed.map((r) => r.extensions?.cursor)).toEqual(missed.map((e) => e.cursor));
      const next = await publish(s2, auth, { orgId: org.id, channel: 'property', type: 'property.update' });
      expect((await resumed.results.next('the live event after the replay')).data.events.id).toBe(next.id);
      expect(resumed.results.pending).toBe(0);
      await client2.dispose();
    },
  );

  it('over SSE, a reconnecting EventSource resumes through Last-Event-ID after a restart', async () => {
    const s1 = await start();
    const org = await createOrg(s1, 'alice');
    const auth = org.tokens.alice!;
    const query = encodeURIComponent(`subscription { events(orgId: "${org.id}", channels: ["property"]) { id } }`);
    const lastEventIds: Array<string | null> = [];
    const source = new EventSource(`${s1.graphqlUrl}?query=${query}`, {
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        lastEventIds.push(headers.get('last-event-id'));
        headers.set('authorization', `Bearer ${auth}`);
        return fetch(input, { ...init, headers });
      },
    });
    const received = new Inbox<{ id: string; lastEventId: string }>();
    source.addEventListener('next', (e) =>
      received.push({ id: JSON.parse(e.data).data.events.id, lastEventId: e.lastEventId }),
    );
    try {
      await until(() => s1.app.services.bus.stats().subscriptions === 1, 'the EventSource subscription');
      const first = await publish(s1, auth, { orgId: org.id, channel: 'property', type: 'property.update' });
      expect(await received.next()).toEqual({ id: first.id, lastEventId: first.cursor });
      await s1.stop();

      // While the server is down, an event reaches the log only: it can come back through replay alone.
      const store = await createStore({ dataDir });
      const offline = await store.transaction((tx) =>
        appendEvent(tx, {
          orgId: org.id,
          channel: 'property',
          type: 'property.update',
          subjectId: null,
          payload: null,
          actor: { id: 'alice', name: null, isService: false },
        }),
      );
      await store.close();
      const s2 = await start();
      expect((await received.next('the event written while the server was down', 10_000)).id).toBe(offline.id);
      expect(lastEventIds.at(-1)).toBe(first.cursor);
      const after = await publish(s2, auth, { orgId: org.id, channel: 'property', type: 'property.update' });
      expect((await received.next('the live event')).id).toBe(after.id);
      expect(received.pending).toBe(0);
    } finally {
      source.close();
    }
  });

  describe('cursors that cannot be resumed from', () => {
    const resyncOf = async (s: TestServer, auth: string, variables: Record<string, unknown>) => {
      const client = connect('ws', s, auth);
      const sub = client.subscribe(SUBSCRIBE_EVENTS, variables);
      const first = (await sub.results.next('the first payload')).data.events;
      return { client, sub, first };
    };

    it.each([
      ['garbage', () => 'garbage', 'CURSOR_INVALID'],
      [
        'from the future',
        (cursor: string) =>
          Buffer.from(Buffer.from(cursor, 'base64url').toString().replace(/:\d+$/, ':999999')).toString('base64url'),
        'CURSOR_AHEAD',
      ],
    ])('%s: one stream.resync payload first, then live events', async (_n, make, reason) => {
      const s = await start();
      const org = await createOrg(s, 'alice');
      const e = await publish(s, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
      const { client, sub, first } = await resyncOf(s, org.tokens.alice!, { orgId: org.id, after: make(e.cursor) });
      expect(first).toMatchObject({ type: 'stream.resync', channel: 'system', payload: { reason }, cursor: e.cursor });
      const live = await publish(s, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
      expect((await sub.results.next()).data.events.id).toBe(live.id);
      await client.dispose();
    });

    it('older than retention: resync (never a silent jump over pruned events)', async () => {
      const s = await start();
      const org = await createOrg(s, 'alice');
      const published = [];
      for (let i = 0; i < 6; i++)
        published.push(await publish(s, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' }));
      // Only this organization: the database is shared with the tests running beside this one.
      await pruneEvents(s.app.services.store, { maxAgeMs: 3_600_000, maxEventsPerOrg: 3 }, { orgIds: [org.id] });
      const { client, first } = await resyncOf(s, org.tokens.alice!, { orgId: org.id, after: published[1]!.cursor });
      expect(first).toMatchObject({
        type: 'stream.resync',
        payload: { reason: 'CURSOR_EXPIRED' },
        cursor: published.at(-1)!.cursor,
      });
      await client.dispose();
      // A cursor at the edge of what is retained still resumes.
      const edge = await resyncOf(s, org.tokens.alice!, { orgId: org.id, after: published[3]!.cursor });
      expect(edge.first.id).toBe(published[4]!.id);
      await edge.client.dispose();
    });

    it("another organization's cursor is BAD_USER_INPUT and leaks nothing", async () => {
      const s = await start();
      const org = await createOrg(s, 'alice');
      const other = await createOrg(s, 'mallory');
      const foreign = await publish(s, other.tokens.mallory!, {
        orgId: other.id,
        channel: 'user',
        type: 'user.activity',
      });
      const client = connect('ws', s, org.tokens.alice);
      const sub = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, after: foreign.cursor });
      expect((await refusal(sub)).map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(sub.results.items).toEqual([]);
      await client.dispose();
    });
  });
});
