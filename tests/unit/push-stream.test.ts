import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PushStream } from '../../server/realtime/push-stream.js';
import type { StreamConsumer } from '../../server/realtime/stream-consumer.js';

/** A replay source the test releases item by item (each `release` lets one more item through). */
function gatedReplay(items: number[]) {
  let permits = 0;
  let wake: (() => void) | undefined;
  let i = 0;
  const replay: AsyncIterator<number> = {
    async next() {
      while (permits === 0) await new Promise<void>((r) => (wake = r));
      permits--;
      return i < items.length ? { value: items[i++]!, done: false } : { value: undefined, done: true };
    },
  };
  const grant = (n: number) => {
    permits += n;
    wake?.();
  };
  return { replay, release: () => grant(1), releaseAll: () => grant(Infinity) };
}

const overflow = () => new GraphQLError('behind', { extensions: { code: 'RATE_LIMITED', reason: 'SLOW_CONSUMER' } });

/** Records what the consumer took (the stream's `delivered` hook) and how it ended. */
class Recorded extends PushStream<number> {
  readonly taken: number[] = [];
  ending: unknown = 'not ended';
  constructor(replay?: AsyncIterator<number>) {
    super({ maxQueue: 10, overflowError: overflow, replay });
    this.whenEnded((error) => (this.ending = error));
  }
  protected override delivered(n: number): void {
    this.taken.push(n);
  }
}

const consumer = (
  deliver: StreamConsumer<number>['deliver'],
  ready: StreamConsumer<number>['ready'] = () => undefined,
): StreamConsumer<number> => ({
  deliver,
  pending: () => 0,
  ready,
});

/** The hot path's contract: a push stream keeps every ordering and bound, whatever its consumer does. */
describe('PushStream', () => {
  it('hands the replay first, then what was pushed meanwhile, in order, with nothing twice', async () => {
    const got: number[] = [];
    const source = gatedReplay([1, 2, 3]);
    const stream = new Recorded(source.replay);
    stream.deliverTo(consumer((n) => (got.push(n), true)));
    stream.push(4); // live while the replay is still running
    source.release();
    await expect.poll(() => got).toEqual([1]);
    stream.push(5);
    source.releaseAll();
    await expect.poll(() => got).toEqual([1, 2, 3, 4, 5]);
    stream.push(6); // now straight through, synchronously
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('waits for a consumer that is behind before each replayed item', async () => {
    const got: number[] = [];
    let caughtUp!: () => void;
    let behind = true;
    const source = gatedReplay([1, 2]);
    source.releaseAll();
    const stream = new Recorded(source.replay);
    stream.deliverTo(
      consumer(
        (n) => (got.push(n), true),
        () => (behind ? new Promise<void>((r) => (caughtUp = r)) : undefined),
      ),
    );
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([]);
    behind = false;
    caughtUp();
    await expect.poll(() => got).toEqual([1, 2]);
  });

  it('keeps order across an asynchronous delivery, queueing what arrives meanwhile', async () => {
    const got: number[] = [];
    let finish!: () => void;
    const stream = new Recorded();
    stream.deliverTo(
      consumer((n) =>
        n === 1 ? new Promise<boolean>((r) => (finish = () => (got.push(1), r(true)))) : (got.push(n), true),
      ),
    );
    stream.push(1);
    stream.push(2);
    stream.push(3);
    expect(got).toEqual([]);
    finish();
    await expect.poll(() => got).toEqual([1, 2, 3]);
  });

  it('is cut off when the consumer refuses an item: the item does not count as delivered and the stream ends with the error', async () => {
    let accept = true;
    const stream = new Recorded();
    stream.deliverTo(consumer(() => accept));
    stream.push(1);
    accept = false;
    stream.push(2);
    stream.push(3);
    expect(stream.taken).toEqual([1]);
    expect(stream.ending).toMatchObject({ extensions: { reason: 'SLOW_CONSUMER' } });
    expect(stream.isEnded).toBe(true);
  });

  it('is cut off when more items wait for a busy consumer than its queue holds', async () => {
    const stream = new Recorded();
    stream.deliverTo(consumer(() => new Promise<boolean>(() => {}))); // never finishes the first
    for (let i = 0; i < 12; i++) stream.push(i);
    expect(stream.ending).toMatchObject({ extensions: { reason: 'SLOW_CONSUMER' } });
  });

  it('stops delivering the moment the consumer leaves', async () => {
    const got: number[] = [];
    const stream = new Recorded();
    stream.deliverTo(consumer((n) => (got.push(n), true)));
    stream.push(1);
    stream.close();
    stream.push(2);
    expect(got).toEqual([1]);
    expect(stream.ending).toBeUndefined();
  });

  it('puts a first notice before everything else, even before a consumer comes', async () => {
    const stream = new Recorded();
    stream.push(2);
    stream.first(1);
    const items = stream[Symbol.asyncIterator]();
    expect([(await items.next()).value, (await items.next()).value]).toEqual([1, 2]);
  });
});

/** `restart`: what a rewound log does to a stream (OrgFeed); the same whatever the consumer. */
describe('PushStream restarting', () => {
  it('drops the rest of a replay being read and what was queued, then the first item, then live ones', async () => {
    const got: number[] = [];
    const source = gatedReplay([1, 2, 3]);
    const stream = new Recorded(source.replay);
    stream.deliverTo(consumer((n) => (got.push(n), true)));
    source.release();
    await expect.poll(() => got).toEqual([1]);
    stream.push(4); // queued behind the replay
    stream.restart(100); // while the replay waits to read item 2
    stream.push(5);
    source.releaseAll(); // item 2 is read, and dropped with the replay
    await expect.poll(() => got).toEqual([1, 100, 5]);
    stream.push(6);
    expect(got).toEqual([1, 100, 5, 6]);
  });

  it('hands the first item straight through to an idle consumer, whatever accepts says', () => {
    const got: number[] = [];
    class Big extends PushStream<number> {
      protected override accepts(n: number): boolean {
        return n > 10;
      }
    }
    const stream = new Big({ maxQueue: 10 });
    stream.deliverTo(consumer((n) => (got.push(n), true)));
    stream.push(11);
    stream.restart(1);
    stream.push(12);
    expect(got).toEqual([11, 1, 12]);
  });

  it('pulled: a pending next() waiting on the replay gets the first item instead, then live ones', async () => {
    const source = gatedReplay([1, 2, 3]);
    const stream = new Recorded(source.replay);
    const items = stream[Symbol.asyncIterator]();
    source.release();
    expect(await items.next()).toEqual({ value: 1, done: false });
    stream.push(4);
    const reading = items.next(); // waits for replayed item 2
    stream.restart(100);
    stream.push(5);
    source.releaseAll();
    expect(await reading).toEqual({ value: 100, done: false });
    expect(await items.next()).toEqual({ value: 5, done: false });
    const waiting = items.next();
    stream.push(6);
    expect(await waiting).toEqual({ value: 6, done: false });
  });

  it('does nothing once the stream ended', async () => {
    const stream = new Recorded();
    const items = stream[Symbol.asyncIterator]();
    stream.close();
    stream.restart(1);
    expect(await items.next()).toEqual({ value: undefined, done: true });
  });
});

describe('PullQueue (a push stream pulled)', () => {
  it('yields what it holds, then throws the error the stream failed with, then is done', async () => {
    const stream = new Recorded();
    const items = stream[Symbol.asyncIterator]();
    stream.push(1);
    stream.push(2);
    stream.fail(overflow());
    expect((await items.next()).value).toBe(1);
    expect((await items.next()).value).toBe(2);
    await expect(items.next()).rejects.toMatchObject({ extensions: { reason: 'SLOW_CONSUMER' } });
    expect(await items.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a waiting next() at once when the puller leaves, and the stream with it', async () => {
    const stream = new Recorded();
    const items = stream[Symbol.asyncIterator]();
    const waiting = items.next();
    await items.return?.();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(stream.isEnded).toBe(true);
  });
});
