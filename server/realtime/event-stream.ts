import type { GraphQLError } from 'graphql';
import type { EventRecord } from '../store/types.js';
import { type EventFilter, matchesFilter } from './filter.js';

/**
 * One subscriber's stream: a replay source (stored events, read page by page) followed by a bounded
 * queue of live events. Live events are pushed synchronously by the org feed; when the queue is full
 * the subscriber is cut off with `overflowError` instead of buffering without bound.
 */
export class EventStream implements AsyncIterableIterator<EventRecord> {
  private readonly queue: EventRecord[] = [];
  private waiter: ((r: IteratorResult<EventRecord>) => void) | undefined;
  private failWaiter: ((err: unknown) => void) | undefined;
  private failure: unknown;
  private done = false;

  constructor(
    readonly filter: EventFilter,
    private readonly maxQueue: number,
    private readonly overflowError: (lastDeliveredSeq: number) => GraphQLError,
    private readonly onClose: (stream: EventStream) => void,
    private replay?: AsyncIterator<EventRecord>,
    /** Sequence of the last event handed to the consumer: where a cut-off client resumes. */
    public lastDeliveredSeq = 0,
  ) {}

  /** Called by the feed for every live event of the organization, in sequence order. */
  push(event: EventRecord): void {
    if (this.done || !matchesFilter(this.filter, event)) return;
    if (this.waiter && !this.replay) {
      const resolve = this.waiter;
      this.clearWaiters();
      this.lastDeliveredSeq = event.seq;
      resolve({ value: event, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.fail(this.overflowError(this.lastDeliveredSeq));
      return;
    }
    this.queue.push(event);
  }

  /** Ends the stream with an error delivered to the consumer (after nothing else). */
  fail(err: unknown): void {
    if (this.done) return;
    this.failure = err;
    this.queue.length = 0;
    this.finish();
    if (this.failWaiter) {
      const reject = this.failWaiter;
      this.clearWaiters();
      reject(err);
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  async next(): Promise<IteratorResult<EventRecord>> {
    if (this.replay) {
      try {
        const r = await this.replay.next();
        if (!r.done) {
          this.lastDeliveredSeq = r.value.seq;
          return r;
        }
      } catch (err) {
        this.fail(err);
      }
      this.replay = undefined;
    }
    const queued = this.queue.shift();
    if (queued) {
      this.lastDeliveredSeq = queued.seq;
      return { value: queued, done: false };
    }
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      throw err;
    }
    if (this.done) return { value: undefined, done: true };
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  async return(): Promise<IteratorResult<EventRecord>> {
    this.queue.length = 0;
    this.failure = undefined;
    this.finish();
    await this.replay?.return?.();
    this.waiter?.({ value: undefined, done: true });
    this.clearWaiters();
    return { value: undefined, done: true };
  }

  async throw(err: unknown): Promise<IteratorResult<EventRecord>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private finish() {
    if (this.done) return;
    this.done = true;
    this.onClose(this);
  }

  private clearWaiters() {
    this.waiter = undefined;
    this.failWaiter = undefined;
  }
}
