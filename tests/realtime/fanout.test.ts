import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../support/clients.js';
import { createOrg, publish } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { openRaw } from '../support/raw-ws.js';
import { type TestServer, startServer } from '../support/server.js';

const SHAPE_A = 'subscription A($o: ID!, $c: [String!]) { events(orgId: $o, channels: $c) { sequence type } }';
const SHAPE_B =
  'subscription B($o: ID!, $c: [String!]) { events(orgId: $o, channels: $c) { sequence channel payload } }';

/**
 * Each event's result is executed and serialized once per document and variables and sent directly to the
 * connections: what every subscriber receives must still be its own operation id, its own selection, and
 * only the events its filter lets through, whoever shares a result with whom.
 */
describe('fan-out with shared results', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('gives every subscriber its own id, shape and filter, on one socket, across sockets and over SSE', async () => {
    const org = await createOrg(server, 'alice', { bob: 'MEMBER' });
    const alice = await openRaw(server.wsUrl);
    await alice.init(org.tokens.alice);
    const bob = await openRaw(server.wsUrl);
    await bob.init(org.tokens.bob);
    // a and c share document and variables (one result per event); b has another shape and filter.
    alice.send({ id: 'a', type: 'subscribe', payload: { query: SHAPE_A, variables: { o: org.id, c: ['property'] } } });
    alice.send({ id: 'b', type: 'subscribe', payload: { query: SHAPE_B, variables: { o: org.id, c: ['user'] } } });
    bob.send({ id: 'c', type: 'subscribe', payload: { query: SHAPE_A, variables: { o: org.id, c: ['property'] } } });
    const sse = connect('sse', server, org.tokens.bob).subscribe(SHAPE_A, { o: org.id, c: ['property'] });
    await waitForSubscriptions(server, 4);

    const first = await publish(server, org.tokens.alice!, {
      orgId: org.id,
      channel: 'property',
      type: 'property.update',
      payload: { n: 1 },
    });
    const second = await publish(server, org.tokens.alice!, {
      orgId: org.id,
      channel: 'user',
      type: 'user.activity',
      payload: { n: 2 },
    });
    const third = await publish(server, org.tokens.alice!, {
      orgId: org.id,
      channel: 'property',
      type: 'property.update',
      payload: { n: 3 },
    });

    const onAlice = [
      await alice.messages.next('a or b'),
      await alice.messages.next('a or b'),
      await alice.messages.next('a or b'),
    ];
    const byId = (id: string) => onAlice.filter((m) => m.id === id);
    for (const msgs of [byId('a'), [await bob.messages.next('c'), await bob.messages.next('c')]]) {
      expect(msgs.map((m) => m.payload.data.events)).toEqual([
        { sequence: first.sequence, type: 'property.update' },
        { sequence: third.sequence, type: 'property.update' },
      ]);
      expect(msgs.map((m) => m.payload.extensions.cursor)).toEqual([first.cursor, third.cursor]);
    }
    expect(byId('c')).toEqual([]);
    expect(byId('b').map((m) => m.payload.data.events)).toEqual([
      { sequence: second.sequence, channel: 'user', payload: { n: 2 } },
    ]);
    // Nothing else arrived in between: the next message on each socket is the next matching event.
    const marker = await publish(server, org.tokens.alice!, {
      orgId: org.id,
      channel: 'property',
      type: 'property.update',
      payload: { n: 4 },
    });
    expect(await alice.messages.next('the marker on a')).toMatchObject({
      id: 'a',
      type: 'next',
      payload: { data: { events: { sequence: marker.sequence } } },
    });
    expect(await bob.messages.next('the marker on c')).toMatchObject({
      id: 'c',
      type: 'next',
      payload: { data: { events: { sequence: marker.sequence } } },
    });
    expect([(await sse.results.next()).data, (await sse.results.next()).data]).toEqual([
      { events: { sequence: first.sequence, type: 'property.update' } },
      { events: { sequence: third.sequence, type: 'property.update' } },
    ]);
    alice.socket.close();
    bob.socket.close();
    sse.unsubscribe();
  });

  it('shares one result between filters of their own, and never between different selections', async () => {
    // The root field's arguments (filters) differ for every subscriber; `$p` below the root changes the shape.
    const SHAPE_C =
      'subscription C($o: ID!, $s: [ID!], $p: Boolean!) { events(orgId: $o, subjectIds: $s) { sequence payload @include(if: $p) } }';
    const org = await createOrg(server, 'alice');
    const raw = await openRaw(server.wsUrl);
    await raw.init(org.tokens.alice);
    const subscribe = (id: string, s: string[], p: boolean) =>
      raw.send({ id, type: 'subscribe', payload: { query: SHAPE_C, variables: { o: org.id, s, p } } });
    subscribe('x', ['x'], true);
    subscribe('xy', ['x', 'y'], false);
    subscribe('y', ['y'], true);
    subscribe('y2', ['y', 'z'], true);
    await waitForSubscriptions(server, 4);
    const event = (subjectId: string) =>
      publish(server, org.tokens.alice!, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
        subjectId,
        payload: { on: subjectId },
      });
    const x = await event('x');
    const y = await event('y');
    const got: Awaited<ReturnType<typeof raw.messages.next>>[] = [];
    for (let i = 0; i < 5; i++) got.push(await raw.messages.next('an event'));
    const byId = (id: string) => got.filter((m) => m.id === id).map((m) => m.payload.data.events);
    expect(byId('x')).toEqual([{ sequence: x.sequence, payload: { on: 'x' } }]);
    expect(byId('xy')).toEqual([{ sequence: x.sequence }, { sequence: y.sequence }]);
    expect(byId('y')).toEqual([{ sequence: y.sequence, payload: { on: 'y' } }]);
    expect(byId('y2')).toEqual([{ sequence: y.sequence, payload: { on: 'y' } }]);
    for (const id of ['x', 'xy', 'y', 'y2']) raw.send({ id, type: 'complete' });
    await waitForSubscriptions(server, 0);
    raw.socket.close();
  });
});

describe('graphql-ws messages written as ready-made frames', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ tuning: { maxPayloadBytes: 200_000 } });
  });
  afterAll(() => server.stop());

  it('arrive intact at every frame length (16-bit and 64-bit lengths), in order, between protocol messages', async () => {
    const org = await createOrg(server, 'alice');
    const raw = await openRaw(server.wsUrl);
    await raw.init(org.tokens.alice);
    raw.send({
      id: 'a',
      type: 'subscribe',
      payload: { query: 'subscription($o: ID!) { events(orgId: $o) { sequence payload } }', variables: { o: org.id } },
    });
    await waitForSubscriptions(server, 1);
    const sizes = [0, 1_000, 70_000, 150_000, 10];
    const sent = [];
    for (const n of sizes)
      sent.push(
        await publish(server, org.tokens.alice!, {
          orgId: org.id,
          channel: 'user',
          type: 'user.activity',
          payload: { pad: 'x'.repeat(n) },
        }),
      );
    const got = [];
    for (const _ of sizes) got.push(await raw.messages.next('an event'));
    expect(got.map((m) => m.payload.data.events)).toEqual(
      sent.map((e, i) => ({ sequence: e.sequence, payload: { pad: 'x'.repeat(sizes[i]!) } })),
    );
    expect(got.map((m) => JSON.stringify(m).length > 65_535)).toEqual([false, false, true, true, false]);
    // The socket still speaks the protocol: a ping is answered, and `complete` ends the operation.
    raw.send({ type: 'ping' });
    expect(await raw.messages.next('pong')).toMatchObject({ type: 'pong' });
    raw.send({ id: 'a', type: 'complete' });
    await waitForSubscriptions(server, 0);
    raw.socket.close();
  });
});

async function waitForSubscriptions(server: TestServer, n: number) {
  await until(() => server.app.services.bus.stats().subscriptions === n, `${n} subscriptions`);
}
