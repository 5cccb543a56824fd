import { GraphQLError } from 'graphql';
import { streamEndError } from '../errors.js';

export interface LiveStreamOptions<T> {
  /** Items one subscriber may have waiting before it is cut off. */
  maxQueue: number;
  overflowError?: () => GraphQLError;
  onClose?: () => void;
  /** Items to hand out before any live item (e.g. stored events being replayed). */
  replay?: AsyncIterator<T>;
  /** Which pushed items this subscriber receives. */
  accept?: (item: T) => boolean;
  /** Called for every item handed to the consumer; `live` is false for replayed items. */
  onDeliver?: (item: T, live: boolean) => void;
  /** Checked at every push: once it returns an error, the stream ends with it instead of delivering. */
  revoked?: () => GraphQLError | undefined;
  /** When to check `revoked` even if nothing is pushed (a token's expiry); read again after each check. */
  recheckAt?: () => number | undefined;
}

/**
 * A consumer that takes items as they come instead of pulling them (see `LiveStream.deliverTo`).
 * `deliver` returns false, having sent nothing, when the consumer is too far behind: the stream is then
 * cut off with `overflowError`. It may return a promise when the item needs async work first; items
 * arriving meanwhile wait in the stream's bounded queue, so order is kept.
 */
export interface DirectConsumer<T> {
  deliver(item: T): boolean | Promise<boolean>;
  /** Items handed over that the consumer has not yet sent on (for stats). */
  pending(): number;
  /**
   * A promise while the consumer would rather not take more yet; the stream waits on it before each item
   * it controls the pace of (replay), so a long replay is paced by the consumer, not cut off.
   */
  ready(): Promise<void> | undefined;
}

/**
 * One subscriber's bounded stream: optional replay, then live items pushed synchronously by a producer.
 * When the queue is full the subscriber is cut off with `overflowError` instead of buffering without bound.
 * `return()` takes effect at once, even while the consumer waits (an async generator could not do that).
 */
export class LiveStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiter: ((err: unknown) => void) | undefined;
  private failure: unknown;
  private done = false;
  private replay: AsyncIterator<T> | undefined;
  /** Set by `deliverTo`: items go straight to it, `next()` only reports the end. */
  private direct: DirectConsumer<T> | undefined;
  /** A direct consumer is being caught up (replay, queued items, an async delivery): new items queue. */
  private draining = false;
  /** Exactly as long as needed: thousands of idle streams each hold one. */
  private releases: Array<() => void> | undefined;

  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveStreamOptions<T>) {
    this.replay = options.replay;
    this.scheduleCheck();
  }

  private scheduleCheck(): void {
    const at = this.options.recheckAt?.();
    if (at === undefined || this.done) return;
    this.timer = setTimeout(
      () => {
        const revoked = this.options.revoked?.();
        if (revoked) this.fail(revoked);
        else this.scheduleCheck();
      },
      // +5 ms: fire after the deadline, not on it; setTimeout overflows past ~24.8 days.
      Math.min(Math.max(at - Date.now() + 5, 0), 2 ** 31 - 1),
    );
    this.timer.unref();
  }

  push(item: T): void {
    if (this.done || !this.accepts(item)) return;
    const revoked = this.options.revoked?.();
    if (revoked) return this.fail(revoked);
    this.offer(item);
  }

  /**
   * Starts over from `first`: what the consumer was not handed yet (queued items, the rest of a replay) is
   * dropped, `first` comes next (skipping `accept`), then whatever is pushed after. On both paths, iterator
   * and direct.
   */
  restart(first: T): void {
    if (this.done) return;
    this.queue.length = 0;
    const replay = this.replay;
    this.replay = undefined;
    // A replay being read right now ends once that read settles (async generators queue the return);
    // the reader sees it is no longer the stream's replay and drops what it read.
    void Promise.resolve(replay?.return?.()).catch(() => undefined);
    this.offer(first);
  }

  /** An accepted item to the consumer: directly, to a waiting `next()`, or into the bounded queue. */
  private offer(item: T): void {
    if (this.direct && !this.draining) {
      const handed = this.handOver(item, true);
      if (handed instanceof Promise) {
        this.draining = true;
        void handed.then((ok) => {
          if (ok) return this.drain();
          this.draining = false;
        });
      }
      return;
    }
    if (this.waiter && !this.replay && !this.direct) {
      const resolve = this.waiter;
      this.clearWaiters();
      this.delivered(item, true);
      resolve({ value: item, done: false });
      return;
    }
    if (this.queue.length >= this.options.maxQueue) return this.fail(this.overflow());
    this.queue.push(item);
  }

  /** Ends the stream with an error for the consumer; anything still queued is dropped. */
  fail(err: unknown): void {
    if (this.done) return;
    this.failure = err;
    this.queue.length = 0;
    this.finish();
    if (this.failWaiter) {
      const reject = this.failWaiter;
      this.clearWaiters();
      this.failure = undefined;
      reject(err);
    }
  }

  get queued(): number {
    return this.queue.length + (this.direct?.pending() ?? 0);
  }

  /**
   * From now on items go straight to `consumer`, in the same order and under the same checks (replay
   * first, then live items), with no promise or iterator step per item: the fan-out hot path. `next()`
   * then resolves only when the stream ends, with its error if it failed.
   */
  deliverTo(consumer: DirectConsumer<T>): void {
    if (this.direct) throw new Error('This stream already has a direct consumer.');
    this.direct = consumer;
    this.draining = true;
    void this.drain();
  }

  /** Which pushed items this subscriber receives (subclasses: without a closure per stream). */
  protected accepts(item: T): boolean {
    return this.options.accept ? this.options.accept(item) : true;
  }

  /** Called for every item handed to the consumer. */
  protected delivered(item: T, live: boolean): void {
    this.options.onDeliver?.(item, live);
  }

  /** The error a subscriber that fell too far behind is cut off with. */
  protected overflow(): GraphQLError {
    return this.options.overflowError?.() ?? new GraphQLError('Subscription cut off: the client fell too far behind.', { extensions: { code: 'RATE_LIMITED', reason: 'SLOW_CONSUMER' } });
  }

  /** Called once when the stream ends. */
  protected closed(): void {
    this.options.onClose?.();
  }

  /** Runs `release` once when the stream ends for any reason (failed, returned); at once if it already has. */
  whenClosed(release: () => void): void {
    if (this.done) release();
    else this.releases = this.releases ? [...this.releases, release] : [release];
  }

  /** Puts `item` before everything else the consumer gets (a first notice), skipping `accept`. */
  unshift(item: T): void {
    if (!this.done) this.queue.unshift(item);
  }

  /** Hands the replay, then queued items, to the direct consumer; live items queue meanwhile. */
  private async drain(): Promise<void> {
    try {
      while (this.replay && !this.done) {
        const replay = this.replay;
        await this.direct?.ready();
        if (replay !== this.replay) continue;
        const r = await replay.next();
        if (replay !== this.replay) continue; // restarted meanwhile: what it read went with it
        if (r.done) break;
        const revoked = this.options.revoked?.();
        if (revoked) return this.fail(revoked);
        if (!(await this.handOver(r.value, false))) return;
      }
      if (this.replay) {
        const replay = this.replay;
        this.replay = undefined;
        await replay.return?.();
      }
      while (this.queue.length > 0 && !this.done) {
        if (!(await this.handOver(this.queue.shift() as T, true))) return;
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.draining = false;
    }
  }

  /** One item to the direct consumer; false when the stream was cut off instead. No closure on the sync path. */
  private handOver(item: T, live: boolean): boolean | Promise<boolean> {
    const accepted = (this.direct as DirectConsumer<T>).deliver(item);
    if (typeof accepted === 'boolean') return this.settle(item, live, accepted);
    return accepted.then(
      (ok) => this.settle(item, live, ok),
      (err: unknown) => {
        this.fail(err);
        return false;
      },
    );
  }

  private settle(item: T, live: boolean, accepted: boolean): boolean {
    if (this.done) return false;
    if (!accepted) {
      this.fail(this.overflow());
      return false;
    }
    this.delivered(item, live);
    return true;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.direct) return this.end();
    if (this.replay && !this.done) {
      const replay = this.replay;
      try {
        const r = await replay.next();
        // Restarted meanwhile: what it read went with it, and the restart's first item is queued.
        if (replay === this.replay) {
          // Replayed items pass the same access check as live ones (expiry, revocation).
          const revoked = r.done ? undefined : this.options.revoked?.();
          if (revoked) this.fail(revoked);
          else if (!r.done && !this.done) {
            this.delivered(r.value, false);
            return r;
          }
        }
      } catch (err) {
        if (replay === this.replay) this.fail(err);
      }
    }
    if (this.replay) {
      // Finished, failed or left: a replay is never served after the stream ended.
      const replay = this.replay;
      this.replay = undefined;
      await replay.return?.();
    }
    if (this.queue.length > 0) {
      const item = this.queue.shift() as T;
      this.delivered(item, true);
      return { value: item, done: false };
    }
    return this.end();
  }

  /**
   * What the consumer learns once nothing is left to hand out: the failure, the end, or a wait for either.
   * With a direct consumer the consumer is a transport's iterator loop that only sees the end: a failure
   * comes as one last GraphQL result carrying the error (as useStreamErrors makes of other streams), then done.
   */
  private end(): Promise<IteratorResult<T>> {
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      return this.direct ? Promise.resolve(errorResult(err)) : Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = this.direct ? (err: unknown) => resolve(errorResult(err)) : reject;
    });
  }

  /** Whether the stream ends with an error result rather than a thrown error (see `end`). */
  get endsWithResult(): boolean {
    return this.direct !== undefined;
  }

  async return(): Promise<IteratorResult<T>> {
    this.queue.length = 0;
    this.failure = undefined;
    this.finish();
    await this.replay?.return?.();
    this.waiter?.({ value: undefined, done: true });
    this.clearWaiters();
    return { value: undefined, done: true };
  }

  async throw(err: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private finish() {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.closed();
    const releases = this.releases;
    this.releases = undefined;
    for (const release of releases ?? []) release();
  }

  private clearWaiters() {
    this.waiter = undefined;
    this.failWaiter = undefined;
  }
}

/** A failure as the last result of a stream (see streamEndError). */
const errorResult = <T>(err: unknown): IteratorResult<T> => ({ value: { errors: [streamEndError(err)] } as T, done: false });
