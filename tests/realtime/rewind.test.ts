import type { ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../server/realtime/cursor.js';
import type { Store } from '../../server/store/store.js';
import { type LiveSubscription, type RealtimeClient, TRANSPORTS, connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { type TestServer, startPair, startServer, token } from '../support/server.js';

// An organization's log goes back under live subscribers, as when its database is restored from a backup:
// the last 50 events vanish and the sequence is set back by 50, while publishing goes on. Sequence numbers
// the subscribers already received are handed out again, to other events. Every subscriber, on every
// transport and instance, must be told (stream.resync, LOG_REWOUND) and then get every new event once.

const BEFORE = 60;
const REWOUND = 50;
const AFTER = 60;

/** What restoring the backup does, in one transaction: events after `seq` gone, the sequence back at `seq`. */
async function rewindLog(store: Store, orgId: string, seq: number): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.deleteFrom('event_audience').where('org_id', '=', orgId).where('seq', '>', seq).execute();
    await tx.deleteFrom('events').where('org_id', '=', orgId).where('seq', '>', seq).execute();
    await tx.updateTable('organizations').set({ last_seq: seq }).where('id', '=', orgId).execute();
  });
}

const eventsOf = (results: ExecutionResult<any>[]) =>
  results.map((r) => r.data.events as { id: string; type: string; cursor: string; payload: unknown });

let clients: RealtimeClient[] = [];
let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all(servers.map((s) => s.stop()));
  clients = [];
  servers = [];
});

/** Subscribers on every transport of every instance; publishers take turns on the instances. */
async function rewindWhileLive(instances: TestServer[]): Promise<void> {
  const [first] = instances as [TestServer];
  const org = await createOrg(first, 'alice');
  const auth = org.tokens.alice!;
  const subs: Array<{ name: string; sub: LiveSubscription }> = [];
  for (const [i, server] of instances.entries()) {
    for (const transport of TRANSPORTS) {
      const client = connect(transport, server, auth);
      clients.push(client);
      subs.push({
        name: `${transport} on instance ${i + 1}`,
        sub: client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id }),
      });
    }
    const live = () =>
      server.app.services.bus.orgStats().find((o) => o.orgId === org.id)?.subscriptions === TRANSPORTS.length;
    await until(live, `the subscriptions on instance ${i + 1}`);
  }
  // A backend service publishes: exempt from the per-user publish rate, so 120 events go out at once.
  const service = await token('crm', { service: true });
  const publishAll = async (n: number, offset: number) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const via = instances[i % instances.length]!;
      out.push(
        await publish(via, service, {
          orgId: org.id,
          channel: 'property',
          type: 'property.update',
          payload: { i: offset + i },
        }),
      );
    }
    return out;
  };

  const before = await publishAll(BEFORE, 0);
  for (const { name, sub } of subs)
    expect(
      eventsOf(await sub.results.take(BEFORE, `${name}: the first events`)).map((e) => e.id),
      name,
    ).toEqual(before.map((e) => e.id));

  const restoredTo = before.at(-1)!.sequence - REWOUND;
  await rewindLog(first.app.services.store, org.id, restoredTo);
  const after = await publishAll(AFTER, BEFORE);
  expect(after[0]!.sequence).toBe(restoredTo + 1); // the numbers are reused

  for (const { name, sub } of subs) {
    const [resync, ...rest] = eventsOf(await sub.results.take(1 + AFTER, `${name}: the resync and the new events`));
    expect(resync, name).toMatchObject({
      type: 'stream.resync',
      payload: { reason: 'LOG_REWOUND' },
      cursor: encodeCursor(org.id, restoredTo),
    });
    expect(
      rest.map((e) => e.id),
      name,
    ).toEqual(after.map((e) => e.id));
  }
  // Nothing else came or was waiting: the next event is next everywhere.
  const [marker] = await publishAll(1, BEFORE + AFTER);
  for (const { name, sub } of subs) {
    expect(eventsOf([await sub.results.next(`${name}: the marker`)])[0]!.id, name).toBe(marker!.id);
    expect(sub.results.pending, name).toBe(0);
  }
}

describe('a log that goes back under live subscribers (a restored backup)', () => {
  it('one instance, embedded SQLite: graphql-ws and both SSE modes get stream.resync, then every new event once, in order', async () => {
    servers = [await startServer()];
    await rewindWhileLive(servers);
  });

  it('two instances, PostgreSQL and Redis: all six subscribers get stream.resync, then every new event once, in order', async () => {
    servers = await startPair();
    await rewindWhileLive(servers);
  });
});

describe('resuming after the log went back', () => {
  it('a cursor past the new end gets stream.resync (CURSOR_AHEAD); one before the restore point resumes', async () => {
    const server = await startServer();
    servers = [server];
    const org = await createOrg(server, 'alice');
    const auth = org.tokens.alice!;
    const published = [];
    for (let i = 0; i < 10; i++)
      published.push(await publish(server, auth, { orgId: org.id, channel: 'user', type: 'user.activity' }));
    const restoredTo = published[4]!.sequence;
    await rewindLog(server.app.services.store, org.id, restoredTo);
    const reused = await publish(server, auth, { orgId: org.id, channel: 'user', type: 'user.activity' });

    const client = connect('ws', server, auth);
    clients.push(client);
    const ahead = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, after: published.at(-1)!.cursor });
    expect(eventsOf([await ahead.results.next('the resync')])[0]).toMatchObject({
      type: 'stream.resync',
      payload: { reason: 'CURSOR_AHEAD' },
      cursor: reused.cursor,
    });
    const before = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, after: published[3]!.cursor });
    expect(eventsOf(await before.results.take(2, 'the replay')).map((e) => e.id)).toEqual([
      published[4]!.id,
      reused.id,
    ]);
  });
});
