import type { GraphQLError } from 'graphql';
import type { StreamGuard } from '../auth/session.js';
import { slowConsumer } from '../errors.js';
import { PullQueue } from './pull-queue.js';
import type { ConsumableStream, EndListener, StreamConsumer } from './stream-consumer.js';

export interface PushStreamOptions<T> {
  /** Items that may wait for a busy consumer before the subscriber is cut off. */
  maxQueue: number;
  /** Checked before every item and at the times it names: once it reports an error, the stream ends with it. */
  guard?: StreamGuard;
  /** Items to hand over before any live item (stored events being replayed), paced by the consumer. */
  replay?: AsyncIterator<T>;
  /** The cursor of an item, for transports that label messages (SSE `id:`): a shared function, not a closure per stream. */
  cursorOf?: (item: T) => string;
  /** The cut-off error, when the stream's remedy is not the default "subscribe again" (pass a shared function). */
  overflowError?: () => GraphQLError;
}

/**
 * One subscriber's stream: the producer pushes items synchronously; the stream applies the subscriber's
 * checks (`accepts`, the guard), replays first if asked, and hands every item to its one consumer in order.
 * While the consumer is busy (an async delivery, a replay) items wait in a bounded queue; past the bound, or
 * when the consumer refuses an item, the subscriber is cut off (`overflow`). A class, not closures: tens of
 * thousands of idle subscriptions each hold one.
 */
export class PushStream<T> implements ConsumableStream<T> {
  private queue: T[] = [];
  private consumer: StreamConsumer<T> | undefined;
  /** The consumer is being caught up (replay, queued items, an async delivery): new items queue. */
  private draining = false;
  private replay: AsyncIterator<T> | undefined;
  private done = false;
  private failure: unknown;
  private listeners: EndListener[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxQueue: number;
  private readonly guard: StreamGuard | undefined;
  private readonly overflowError: (() => GraphQLError) | undefined;
  /** The cursor of an item, when items have one (events). */
  readonly cursorOf: ((item: T) => string) | undefined;

  constructor(options: PushStreamOptions<T>) {
    this.cursorOf = options.cursorOf;
    this.maxQueue = options.maxQueue;
    this.guard = options.guard;
    this.overflowError = options.overflowError;
    this.replay = options.replay;
    this.scheduleCheck();
  }

  /** A live item from the producer. */
  push(item: T): void {
    if (this.done || !this.accepts(item)) return;
    const revoked = this.guard?.revoked();
    if (revoked) return this.fail(revoked);
    this.offer(item);
  }

  /**
   * Starts over from `first`: what the consumer was not handed yet (queued items, the rest of a replay) is
   * dropped, `first` comes next (whatever `accepts` says), then whatever is pushed after.
   */
  restart(first: T): void {
    if (this.done) return;
    this.queue.length = 0;
    const replay = this.replay;
    this.replay = undefined;
    // A replay being read right now ends once that read settles (async generators queue the return);
    // the drain loop sees it is no longer the stream's replay and drops what it read.
    void Promise.resolve(replay?.return?.()).catch(() => undefined);
    this.offer(first);
  }

  /** An accepted item to the consumer: straight through when it is idle, else into the bounded queue. */
  private offer(item: T): void {
    if (this.consumer && !this.draining) {
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
    if (this.queue.length >= this.maxQueue) return this.fail(this.overflow());
    this.queue.push(item);
  }

  /** An item the consumer gets before anything else (a first notice), whatever `accepts` says. */
  first(item: T): void {
    if (this.done) return;
    this.queue.unshift(item);
    if (this.consumer && !this.draining) {
      this.draining = true;
      void this.drain();
    }
  }

  /** From now on items go to `consumer`: the replay first, then what waited, then live items as they come. */
  deliverTo(consumer: StreamConsumer<T>): void {
    if (this.consumer) throw new Error('This stream already has a consumer.');
    this.consumer = consumer;
    this.draining = true;
    void this.drain();
  }

  /** Ends the stream with an error for the consumer (cut off, revoked, expired). */
  fail(error: unknown): void {
    this.end(error);
  }

  /** Ends the stream without an error: the consumer left. */
  close(): void {
    this.end(undefined);
  }

  get isEnded(): boolean {
    return this.done;
  }

  /** Items waiting here and at the consumer. */
  get queued(): number {
    return this.queue.length + (this.consumer?.pending() ?? 0);
  }

  /** Runs `listener` once when the stream ends for any reason; at once if it already has. */
  whenEnded(listener: EndListener): void {
    if (this.done) listener(this.failure);
    else if (this.listeners) this.listeners.push(listener);
    else this.listeners = [listener];
  }

  /** The items one by one, for code that pulls (tests, scripts): a bounded queue as this stream's consumer. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return PullQueue.of(this, this.maxQueue);
  }

  /**
   * The cursor of the last item handed to the consumer, or of where the stream started: where its client
   * resumes if its connection is lost. Undefined for streams of items without positions (presence, typing).
   */
  position(): string | undefined {
    return undefined;
  }

  /** Which pushed items this subscriber receives. */
  protected accepts(_item: T): boolean {
    return true;
  }

  /** Called for every item the consumer took; `live` is false for replayed items. */
  protected delivered(_item: T, _live: boolean): void {}

  /** The error a subscriber that fell too far behind is cut off with. */
  protected overflow(): GraphQLError {
    return this.overflowError?.() ?? slowConsumer();
  }

  /** Called once when the stream ends, before the end listeners. */
  protected onEnded(): void {}

  private scheduleCheck(): void {
    const at = this.guard?.recheckAt?.();
    if (at === undefined || this.done) return;
    // +5 ms: after the deadline, not on it; setTimeout overflows past ~24.8 days.
    const delay = Math.min(Math.max(at - Date.now() + 5, 0), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      const revoked = this.guard?.revoked();
      if (revoked) this.fail(revoked);
      else this.scheduleCheck();
    }, delay);
    this.timer.unref();
  }

  /** Hands the replay, then queued items, to the consumer; live items queue meanwhile. */
  private async drain(): Promise<void> {
    try {
      while (this.replay && !this.done) {
        const replay = this.replay;
        await this.consumer?.ready();
        if (replay !== this.replay) continue;
        const r = await replay.next();
        if (replay !== this.replay) continue; // restarted meanwhile: what it read went with it
        if (r.done || this.done) break;
        const revoked = this.guard?.revoked();
        if (revoked) return this.fail(revoked);
        if (!(await this.handOver(r.value, false))) return;
      }
      // Only awaited when there was a replay: without one, a new consumer is caught up synchronously.
      if (this.replay) await this.stopReplay();
      while (this.queue.length > 0 && !this.done) {
        if (!(await this.handOver(this.queue.shift() as T, true))) return;
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.draining = false;
    }
  }

  /** One item to the consumer; false when the stream was cut off instead. No closure on the sync path. */
  private handOver(item: T, live: boolean): boolean | Promise<boolean> {
    const taken = (this.consumer as StreamConsumer<T>).deliver(item);
    if (typeof taken === 'boolean') return this.settle(item, live, taken);
    return taken.then(
      (ok) => this.settle(item, live, ok),
      (err: unknown) => {
        this.fail(err);
        return false;
      },
    );
  }

  private settle(item: T, live: boolean, taken: boolean): boolean {
    if (this.done) return false;
    if (!taken) {
      this.fail(this.overflow());
      return false;
    }
    this.delivered(item, live);
    return true;
  }

  private async stopReplay(): Promise<void> {
    const replay = this.replay;
    this.replay = undefined;
    await replay?.return?.();
  }

  private end(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    this.queue.length = 0;
    clearTimeout(this.timer);
    if (this.replay && !this.draining) void this.stopReplay();
    this.onEnded();
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener(error);
  }
}
