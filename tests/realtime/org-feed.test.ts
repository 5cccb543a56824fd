import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../server/realtime/cursor.js';
import { EventBus } from '../../server/realtime/event-bus.js';
import type { EventStream } from '../../server/realtime/event-stream.js';
import { createFeedLog } from '../../server/realtime/feed-log.js';
type FeedLog = ReturnType<typeof createFeedLog>;
import { createFilter } from '../../server/realtime/filter.js';
import { RECENT_IDS } from '../../server/realtime/recent-ids.js';
import { type PubSubBackend, createMemoryPubSub } from '../../server/realtime/pubsub.js';
import { appendEvent, insertOrganization } from '../../server/store/repository.js';
import { type Store, createStore } from '../../server/store/store.js';
import { until } from '../support/inbox.js';
import type { EventRecord } from '../../server/store/types.js';

// The org feed against a real SQLite log. Messages reach the bus through the in-memory pub/sub, published
// by hand, so each test can do to them what Redis may: drop, reorder or repeat them.

/** Long enough that the periodic position check never runs: only the gap-repair path under test can deliver. */
const NO_POSITION_CHECK = 60_000;

let store: Store;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'switchboard-feed-'));
  store = await createStore({ dataDir });
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A subscriber's stream, and its events pulled one by one (a bounded pull queue is the stream's consumer). */
type Events = AsyncIterableIterator<EventRecord> & { stream: EventStream };

interface Harness {
  bus: EventBus;
  pubsub: PubSubBackend;
  orgId: string;
  /** Appends `n` events to the log (committed, not published); returns them in order. */
  append(n: number): Promise<EventRecord[]>;
  /** What restoring a backup does to the log: events after `seq` gone, the sequence back at `seq`. */
  rewindLog(seq: number): Promise<void>;
  /** Hands events to the bus as the pub/sub would, in the order given. */
  deliver(...events: Array<EventRecord | undefined>): void;
  subscribe(afterSeq?: number): Promise<Events>;
  /** What the feed reported through `onError`; every test expects none. */
  errors: Array<{ err: unknown; context: string }>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  const used = harnesses.splice(0);
  for (const h of used) {
    h.bus.close();
    await h.pubsub.close();
  }
  for (const h of used) expect(h.errors).toEqual([]);
});

// Assembled like server/app.ts, with the same slow-consumer error.
async function harness(
  tuning: { positionCheckMs?: number; maxQueuePerSubscription?: number } = {},
  /** Watches the bus's reads of the log (the position check's). */
  watch: (log: FeedLog) => FeedLog = (log) => log,
): Promise<Harness> {
  const pubsub = createMemoryPubSub();
  const errors: Harness['errors'] = [];
  const bus = new EventBus({
    pubsub,
    log: watch(createFeedLog(store)),
    maxQueuePerSubscription: tuning.maxQueuePerSubscription ?? 1_000,
    positionCheckMs: tuning.positionCheckMs ?? NO_POSITION_CHECK,
    onError: (err, context) => errors.push({ err, context }),
  });
  const org = await insertOrganization(store.db, 'Feed');
  const h: Harness = {
    bus,
    pubsub,
    orgId: org.id,
    errors,
    async append(n) {
      const out: EventRecord[] = [];
      for (let i = 0; i < n; i++) {
        out.push(
          await store.transaction((tx) =>
            appendEvent(tx, {
              orgId: org.id,
              channel: 'property',
              type: 'property.update',
              subjectId: null,
              payload: { i },
              actor: { id: 'alice', name: 'Alice', isService: false },
            }),
          ),
        );
      }
      return out;
    },
    async rewindLog(seq) {
      await store.db.deleteFrom('event_audience').where('org_id', '=', org.id).where('seq', '>', seq).execute();
      await store.db.deleteFrom('events').where('org_id', '=', org.id).where('seq', '>', seq).execute();
      await store.db.updateTable('organizations').set({ last_seq: seq }).where('id', '=', org.id).execute();
    },
    deliver(...events) {
      for (const e of events) {
        if (!e) throw new Error('deliver: no such event');
        pubsub.publish(`org:${org.id}`, e);
      }
    },
    subscribe: async (afterSeq) => {
      const stream = await bus.subscribe({ orgId: org.id, filter: createFilter({}), afterSeq });
      return Object.assign(stream[Symbol.asyncIterator](), { stream });
    },
  };
  harnesses.push(h);
  return h;
}

/** The next event of the stream, or a failure naming what was awaited after `timeoutMs`. */
async function nextEvent(stream: Events, what: string, timeoutMs = 2_000): Promise<EventRecord> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    const r = await Promise.race([stream.next(), timeout]);
    if (r.done) throw new Error(`the stream ended while waiting for ${what}`);
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

async function seqsOf(stream: Events, n: number, what = `${n} events`): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await nextEvent(stream, `${what} (have ${out.length})`)).seq);
  return out;
}

/**
 * Appends and publishes one more event and expects it next: proves nothing (no duplicate, no straggler)
 * was queued before it, without sleeping.
 */
async function expectNothingBefore(h: Harness, stream: Events): Promise<void> {
  const [marker] = await h.append(1);
  h.deliver(marker);
  expect(await nextEvent(stream, 'the marker event')).toEqual(marker);
}

describe('OrgFeed through the EventBus', () => {
  it('never re-delivers what a resuming client already has, even when its cursor is ahead of this feed', async () => {
    const h = await harness();
    const first = await h.subscribe(); // keeps the feed alive at its position
    const events = await h.append(5);
    h.deliver(events[0], events[1], events[2]); // this instance is behind: it has delivered up to 3
    expect(await seqsOf(first, 3)).toEqual([1, 2, 3]);
    const resumed = await h.subscribe(5); // the client already has 1..5 (from another instance)
    h.deliver(events[3], events[4]);
    expect(await seqsOf(first, 2)).toEqual([4, 5]);
    await expectNothingBefore(h, resumed); // 6 comes first: 4 and 5 were not sent again
  });

  it('delivers events that arrive out of order in sequence order', async () => {
    const h = await harness();
    const stream = await h.subscribe();
    const [e1, e2, e3] = await h.append(3);
    h.deliver(e1, e3, e2);
    expect(await seqsOf(stream, 3)).toEqual([1, 2, 3]);
    await expectNothingBefore(h, stream);
  });

  it('fills a message dropped in the middle from the log before the one after it', async () => {
    const h = await harness();
    const stream = await h.subscribe();
    const [e1, e2, e3] = await h.append(3);
    h.deliver(e1, e3);
    const received = [
      await nextEvent(stream, 'event 1'),
      await nextEvent(stream, 'event 2, from the log'),
      await nextEvent(stream, 'event 3'),
    ];
    expect(received).toEqual([e1, e2, e3]);
    await expectNothingBefore(h, stream);
  });

  it('fills several holes, including a run of lost messages', async () => {
    const h = await harness();
    const stream = await h.subscribe();
    const events = await h.append(10);
    h.deliver(events[0], events[3], events[9], events[4]);
    expect(await seqsOf(stream, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expectNothingBefore(h, stream);
  });

  it('finds a lost last event of a quiet organization with the periodic position check', async () => {
    const h = await harness({ positionCheckMs: 50 });
    const stream = await h.subscribe();
    const [e1, e2, e3] = await h.append(3);
    h.deliver(e1, e2);
    expect(await seqsOf(stream, 2)).toEqual([1, 2]);
    expect(await nextEvent(stream, 'event 3, found by the position check')).toEqual(e3);
    await expectNothingBefore(h, stream);
  });

  it('reads no positions while nothing is committed, but for a backstop once every 12 checks', async () => {
    let marks = 0;
    const reads: number[] = []; // the number of commit marks read when each position read happened
    const h = await harness({ positionCheckMs: 20 }, (log) => ({
      ...log,
      commitMark: () => (marks++, log.commitMark()),
      lastSeqs: (orgIds) => (reads.push(marks), log.lastSeqs(orgIds)),
    }));
    const stream = await h.subscribe();
    await until(() => reads.length >= 2, 'a read for the new feed, then the backstop', 10_000);
    expect(reads[1]! - reads[0]!).toBe(12);

    // A commit nothing announced: the next check reads the positions and finds the event.
    const before = reads.length;
    const [e1] = await h.append(1);
    expect(await nextEvent(stream, 'event 1, found by the position check')).toEqual(e1);
    expect(reads.length).toBeGreaterThan(before);
    await expectNothingBefore(h, stream);
  });

  it('drops duplicates, delivered or still waiting behind a hole', async () => {
    const h = await harness();
    const stream = await h.subscribe();
    const [e1, e2, e3, e4] = await h.append(4);
    h.deliver(e1, e1, e2, e1, e4, e4);
    expect(await seqsOf(stream, 2)).toEqual([1, 2]);
    expect(await seqsOf(stream, 2)).toEqual([3, 4]);
    h.deliver(e3, e4, e2);
    await expectNothingBefore(h, stream);
  });

  it('replays after `afterSeq`, then goes live with no duplicate at the seam', async () => {
    const h = await harness();
    const stored = await h.append(5);
    const stream = await h.subscribe(2);
    const [e6] = await h.append(1);
    // A late copy of the head that the replay already covers, then the first live event.
    h.deliver(stored[4], e6);
    expect(await seqsOf(stream, 4)).toEqual([3, 4, 5, 6]);
    expect(stream.stream.lastDeliveredSeq).toBe(6);
    await expectNothingBefore(h, stream);
  });

  it('drops a message the start position already covers, and still repairs the next gap', async () => {
    const h = await harness();
    const [, e2, e3] = await h.append(3);
    // The feed subscribes to pub/sub first and then reads its start position (3): messages in that window
    // for events up to 3 are covered by it and must be dropped, not chased in the log or left pending.
    const subscribing = h.subscribe();
    h.deliver(e3, e2);
    const stream = await subscribing;
    const [e4, e5] = await h.append(2);
    h.deliver(e5);
    expect(await nextEvent(stream, 'event 4, filled from the log')).toEqual(e4);
    expect(await nextEvent(stream, 'event 5')).toEqual(e5);
    await expectNothingBefore(h, stream);
  });

  it('cuts off a subscriber that stops reading, while one that keeps reading gets every event', async () => {
    const h = await harness({ maxQueuePerSubscription: 5 });
    const slow = await h.subscribe();
    const fast = await h.subscribe();
    const events = await h.append(20);
    for (const e of events) {
      h.deliver(e);
      expect(await nextEvent(fast, `event ${e.seq} on the reading subscriber`)).toEqual(e);
    }
    expect(h.bus.stats().subscriptions).toBe(1);

    // Whatever the slow one still gets before the error is a gapless prefix, and the error says where it stopped.
    const got: number[] = [];
    let failure: unknown;
    for (;;) {
      try {
        got.push((await nextEvent(slow, 'the slow subscriber to be cut off')).seq);
      } catch (err) {
        failure = err;
        break;
      }
      if (got.length > 5) break;
    }
    expect(got).toEqual(got.map((_, i) => i + 1));
    expect(got.length).toBeLessThanOrEqual(5);
    expect(failure).toBeInstanceOf(GraphQLError);
    expect((failure as GraphQLError).extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'SLOW_CONSUMER',
      resumeAfter: encodeCursor(events[0]!.orgId, got.length),
    });
    await expect(slow.next()).resolves.toEqual({ value: undefined, done: true });
  });
});

describe('OrgFeed when the log goes back (a database restored from a backup)', () => {
  /** The `stream.resync` a rewind to `seq` gives every stream. */
  const rewound = (h: Harness, seq: number) =>
    expect.objectContaining({
      orgId: h.orgId,
      seq,
      type: 'stream.resync',
      channel: 'system',
      payload: { reason: 'LOG_REWOUND' },
    });

  /** A live stream that has received `n` events published and delivered as usual. */
  async function liveWith(h: Harness, n: number): Promise<{ stream: Events; events: EventRecord[] }> {
    const stream = await h.subscribe();
    const events = await h.append(n);
    h.deliver(...events);
    expect(await seqsOf(stream, n)).toEqual(events.map((e) => e.seq));
    return { stream, events };
  }

  it('notices an arrival that reuses a delivered number with another event: resync, then the reused numbers in order', async () => {
    const h = await harness();
    const { stream } = await liveWith(h, 10);
    await h.rewindLog(6);
    const reused = await h.append(3); // 7, 8 and 9 again, as other events
    h.deliver(...reused);
    expect(await nextEvent(stream, 'the resync')).toEqual(rewound(h, 6));
    expect([await nextEvent(stream, '7'), await nextEvent(stream, '8'), await nextEvent(stream, '9')]).toEqual(reused);
    await expectNothingBefore(h, stream);
  });

  it('reads reused numbers whose messages were lost, when one later arrival shows the rewind', async () => {
    const h = await harness();
    const { stream } = await liveWith(h, 10);
    await h.rewindLog(3);
    const reused = await h.append(5); // 4..8; only 6 is announced
    h.deliver(reused[2]);
    expect(await nextEvent(stream, 'the resync')).toEqual(rewound(h, 3));
    for (const e of reused) expect(await nextEvent(stream, `event ${e.seq}, from the log`)).toEqual(e);
    await expectNothingBefore(h, stream);
  });

  it('notices a rewind nothing arrived to show with the periodic position check', async () => {
    const h = await harness({ positionCheckMs: 50 });
    const { stream } = await liveWith(h, 10);
    await h.rewindLog(4);
    expect(await nextEvent(stream, 'the resync, found by the position check')).toEqual(rewound(h, 4));
    const reused = await h.append(2);
    h.deliver(...reused);
    expect([await nextEvent(stream, '5'), await nextEvent(stream, '6')]).toEqual(reused);
    await expectNothingBefore(h, stream);
  });

  it('the position check also finds where the log stopped agreeing when new events were written unannounced', async () => {
    const h = await harness({ positionCheckMs: 50 });
    const { stream } = await liveWith(h, 10);
    await h.rewindLog(4);
    const reused = await h.append(3); // 5, 6, 7: the log's end (7) is still behind the feed (10)
    expect(await nextEvent(stream, 'the resync')).toEqual(rewound(h, 4));
    for (const e of reused) expect(await nextEvent(stream, `event ${e.seq}, from the log`)).toEqual(e);
    await expectNothingBefore(h, stream);
  });

  it('drops a replay in progress and what was queued: resync first, then the reused numbers', async () => {
    const h = await harness();
    const { stream: live } = await liveWith(h, 10);
    const resumed = await h.subscribe(0); // replays 1..10
    expect(await seqsOf(resumed, 2, 'the first replayed events')).toEqual([1, 2]);
    await h.rewindLog(5);
    const reused = await h.append(2);
    h.deliver(...reused);
    // The live stream first: once it has its resync, the rewind has reached every stream of the feed.
    for (const stream of [live, resumed]) {
      expect(await nextEvent(stream, 'the resync instead of replayed event 3')).toEqual(rewound(h, 5));
      expect([await nextEvent(stream, '6'), await nextEvent(stream, '7')]).toEqual(reused);
      expect(stream.stream.lastDeliveredSeq).toBe(7);
    }
    await expectNothingBefore(h, resumed);
  });

  it("a rewind deeper than the remembered window: resync at the log's end, then live events", async () => {
    const h = await harness({ positionCheckMs: 50 });
    const { stream } = await liveWith(h, RECENT_IDS + 20);
    await h.rewindLog(5);
    expect(await nextEvent(stream, 'the resync')).toEqual(rewound(h, 5));
    await expectNothingBefore(h, stream);
  });
});
