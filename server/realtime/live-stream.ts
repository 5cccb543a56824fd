import type { GraphQLError } from 'graphql';

export interface LiveStreamOptions<T> {
  /** Items one subscriber may have waiting before it is cut off. */
  maxQueue: number;
  overflowError: () => GraphQLError;
  onClose: () => void;
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
    if (this.done || (this.options.accept && !this.options.accept(item))) return;
    const revoked = this.options.revoked?.();
    if (revoked) return this.fail(revoked);
    if (this.waiter && !this.replay) {
      const resolve = this.waiter;
      this.clearWaiters();
      this.options.onDeliver?.(item, true);
      resolve({ value: item, done: false });
      return;
    }
    if (this.queue.length >= this.options.maxQueue) return this.fail(this.options.overflowError());
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
    return this.queue.length;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.replay && !this.done) {
      try {
        const r = await this.replay.next();
        // Replayed items pass the same access check as live ones (expiry, revocation).
        const revoked = r.done ? undefined : this.options.revoked?.();
        if (revoked) this.fail(revoked);
        else if (!r.done && !this.done) {
          this.options.onDeliver?.(r.value, false);
          return r;
        }
      } catch (err) {
        this.fail(err);
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
      this.options.onDeliver?.(item, true);
      return { value: item, done: false };
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
    this.options.onClose();
  }

  private clearWaiters() {
    this.waiter = undefined;
    this.failWaiter = undefined;
  }
}

/** `first`, then everything of `rest`; `return()` reaches `rest` at once (an async generator would wait for the next item). */
export function prepend<T>(first: T, rest: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
  let sentFirst = false;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (sentFirst) return rest.next();
      sentFirst = true;
      return Promise.resolve({ value: first, done: false });
    },
    return: async () => rest.return?.() ?? { value: undefined, done: true },
    throw: async (err: unknown) => {
      await rest.return?.();
      throw err;
    },
  };
}

/** `source`, calling `release` once when it ends for any reason (done, error, or the consumer leaving). */
export function withRelease<T>(source: AsyncIterableIterator<T>, release: () => void): AsyncIterableIterator<T> {
  let released = false;
  const once = () => {
    if (released) return;
    released = true;
    release();
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const r = await source.next();
        if (r.done) once();
        return r;
      } catch (err) {
        once();
        throw err;
      }
    },
    async return() {
      once();
      return (await source.return?.()) ?? { value: undefined, done: true };
    },
    async throw(err: unknown) {
      once();
      await source.return?.();
      throw err;
    },
  };
}
