import type { ConsumableStream, StreamConsumer } from './stream-consumer.js';

/** What a failed stream becomes for the puller: thrown (`'throw'`), or a last value built from the error. */
export type FailureAs<R> = 'throw' | ((error: unknown) => R);

/**
 * A stream's consumer for code that pulls: each item is mapped (possibly asynchronously, order kept) and
 * waits here until `next()` takes it, at most `maxQueue` of them; a puller that falls further behind gets the
 * stream cut off. After the last item comes the stream's end: its error (thrown, or as a last value), then done.
 * `return()` closes the stream at once, even while `next()` waits.
 */
export class PullQueue<T, R> implements StreamConsumer<T>, AsyncIterableIterator<R> {
  private readonly queue: R[] = [];
  private waiter: { resolve(r: IteratorResult<R>): void; reject(err: unknown): void } | undefined;
  private end: { error: unknown } | undefined;
  private finished = false;
  /** A replay waiting for the puller to ask for the next item (see `ready`). */
  private emptied: (() => void) | undefined;

  private constructor(
    private readonly stream: ConsumableStream<T>,
    private readonly maxQueue: number,
    private readonly map: (item: T) => R | Promise<R>,
    private readonly failureAs: FailureAs<R>,
  ) {}

  /** The raw items of `stream`; a failure is thrown from `next()`. */
  static of<T>(stream: ConsumableStream<T>, maxQueue: number): PullQueue<T, T> {
    return PullQueue.mapped(stream, maxQueue, (item) => item, 'throw');
  }

  /** The items of `stream` mapped by `map`, attached as the stream's consumer. */
  static mapped<T, R>(
    stream: ConsumableStream<T>,
    maxQueue: number,
    map: (item: T) => R | Promise<R>,
    failureAs: FailureAs<R>,
  ): PullQueue<T, R> {
    const queue = new PullQueue(stream, maxQueue, map, failureAs);
    stream.deliverTo(queue);
    stream.whenEnded((error) => queue.onEnd(error));
    return queue;
  }

  deliver(item: T): boolean | Promise<boolean> {
    if (this.queue.length >= this.maxQueue) return false;
    const mapped = this.map(item);
    if (mapped instanceof Promise) return mapped.then((r) => this.take(r));
    return this.take(mapped);
  }

  pending(): number {
    return this.queue.length;
  }

  /** A replay is read as the puller asks for it: one item per `next()`, never ahead of it. */
  ready(): Promise<void> | undefined {
    if (this.waiter || this.finished) return undefined;
    return new Promise((resolve) => (this.emptied = resolve));
  }

  next(): Promise<IteratorResult<R>> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.end) return this.finish();
    const waiting = new Promise<IteratorResult<R>>((resolve, reject) => (this.waiter = { resolve, reject }));
    this.wakeReplay();
    return waiting;
  }

  async return(): Promise<IteratorResult<R>> {
    this.queue.length = 0;
    this.finished = true;
    this.wakeReplay();
    this.stream.close();
    this.wake({ value: undefined, done: true });
    return { value: undefined, done: true };
  }

  async throw(err: unknown): Promise<IteratorResult<R>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    return this;
  }

  private take(result: R): boolean {
    if (this.finished) return true;
    if (this.waiter) this.wake({ value: result, done: false });
    else this.queue.push(result);
    return true;
  }

  private onEnd(error: unknown): void {
    this.end = { error };
    if (!this.waiter) return;
    const waiter = this.waiter;
    this.waiter = undefined;
    this.finish().then(waiter.resolve, waiter.reject);
  }

  /** The end, once everything before it was taken: the failure once (thrown or as a value), then done. */
  private finish(): Promise<IteratorResult<R>> {
    const error = this.end?.error;
    if (this.finished || error === undefined) {
      this.finished = true;
      return Promise.resolve({ value: undefined, done: true });
    }
    this.finished = true;
    if (this.failureAs === 'throw') return Promise.reject(error);
    return Promise.resolve({ value: this.failureAs(error), done: false });
  }

  private wakeReplay(): void {
    const emptied = this.emptied;
    this.emptied = undefined;
    emptied?.();
  }

  private wake(result: IteratorResult<R>): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(result);
  }
}
