import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { type DirectConsumer, LiveStream } from '../../server/realtime/live-stream.js';

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

/** The hot path's contract: direct delivery keeps every ordering and bound the iterator path has. */
describe('LiveStream delivering directly', () => {
  it('hands the replay first, then what was pushed meanwhile, in order, with nothing twice', async () => {
    const got: number[] = [];
    const source = gatedReplay([1, 2, 3]);
    const stream = new LiveStream<number>({ maxQueue: 10, overflowError: overflow, onClose: () => {}, replay: source.replay });
    stream.deliverTo({ deliver: (n) => (got.push(n), true), pending: () => 0, ready: () => undefined });
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
    const consumer: DirectConsumer<number> = {
      deliver: (n) => (got.push(n), true),
      pending: () => 0,
      ready: () => (behind ? new Promise<void>((r) => (caughtUp = r)) : undefined),
    };
    const source = gatedReplay([1, 2]);
    source.releaseAll();
    const stream = new LiveStream<number>({ maxQueue: 10, overflowError: overflow, onClose: () => {}, replay: source.replay });
    stream.deliverTo(consumer);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([]);
    behind = false;
    caughtUp();
    await expect.poll(() => got).toEqual([1, 2]);
  });

  it('keeps order across an asynchronous delivery, queueing what arrives meanwhile', async () => {
    const got: number[] = [];
    let finish!: () => void;
    const stream = new LiveStream<number>({ maxQueue: 10, overflowError: overflow, onClose: () => {} });
    stream.deliverTo({
      deliver: (n) => (n === 1 ? new Promise<boolean>((r) => (finish = () => (got.push(1), r(true)))) : (got.push(n), true)),
      pending: () => 0,
      ready: () => undefined,
    });
    stream.push(1);
    stream.push(2);
    stream.push(3);
    expect(got).toEqual([]);
    finish();
    await expect.poll(() => got).toEqual([1, 2, 3]);
  });

  it('is cut off when the consumer refuses an item: the item does not count as delivered and the end is an error result', async () => {
    const delivered: number[] = [];
    let accept = true;
    const stream = new LiveStream<number>({ maxQueue: 10, overflowError: overflow, onClose: () => {}, onDeliver: (n) => delivered.push(n) });
    stream.deliverTo({ deliver: () => accept, pending: () => 0, ready: () => undefined });
    const end = stream.next();
    stream.push(1);
    accept = false;
    stream.push(2);
    stream.push(3);
    expect(delivered).toEqual([1]);
    expect(await end).toMatchObject({ done: false, value: { errors: [{ extensions: { reason: 'SLOW_CONSUMER' } }] } });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('stops delivering the moment the consumer leaves', async () => {
    const got: number[] = [];
    const stream = new LiveStream<number>({ maxQueue: 10, overflowError: overflow, onClose: () => {} });
    stream.deliverTo({ deliver: (n) => (got.push(n), true), pending: () => 0, ready: () => undefined });
    const end = stream.next();
    stream.push(1);
    await stream.return();
    stream.push(2);
    expect(got).toEqual([1]);
    expect(await end).toEqual({ value: undefined, done: true });
  });
});

/** `restart`: what a rewound log does to a stream (OrgFeed); the same on both paths. */
describe('LiveStream restarting', () => {
  it('delivering directly: drops the rest of a replay being read and what was queued, then the first item, then live ones', async () => {
    const got: number[] = [];
    const source = gatedReplay([1, 2, 3]);
    const stream = new LiveStream<number>({ maxQueue: 10, overflowError: overflow, onClose: () => {}, replay: source.replay });
    stream.deliverTo({ deliver: (n) => (got.push(n), true), pending: () => 0, ready: () => undefined });
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

  it('delivering directly and idle: the first item goes straight through', () => {
    const got: number[] = [];
    const stream = new LiveStream<number>({ maxQueue: 10, accept: (n) => n > 10, onClose: () => {} });
    stream.deliverTo({ deliver: (n) => (got.push(n), true), pending: () => 0, ready: () => undefined });
    stream.push(11);
    stream.restart(1); // not subject to `accept`
    stream.push(12);
    expect(got).toEqual([11, 1, 12]);
  });

  it('iterated: a pending next() reading the replay gets the first item instead, then live ones', async () => {
    const source = gatedReplay([1, 2, 3]);
    const stream = new LiveStream<number>({ maxQueue: 10, overflowError: overflow, onClose: () => {}, replay: source.replay });
    source.release();
    expect(await stream.next()).toEqual({ value: 1, done: false });
    stream.push(4);
    const reading = stream.next(); // waits for replayed item 2
    stream.restart(100);
    stream.push(5);
    source.releaseAll();
    expect(await reading).toEqual({ value: 100, done: false });
    expect(await stream.next()).toEqual({ value: 5, done: false });
    const waiting = stream.next();
    stream.push(6);
    expect(await waiting).toEqual({ value: 6, done: false });
  });

  it('does nothing once the stream ended', async () => {
    const stream = new LiveStream<number>({ maxQueue: 10, onClose: () => {} });
    await stream.return();
    stream.restart(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
