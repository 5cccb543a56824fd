/**
 * Where a stream's items go, as they come (the fan-out's per-subscriber end, or a pull queue).
 * `deliver` returns false, having taken nothing, when the consumer is too far behind: the stream is then
 * cut off. It may return a promise when the item needs async work first; items arriving meanwhile wait in
 * the stream's bounded queue, so order is kept.
 */
export interface StreamConsumer<T> {
  deliver(item: T): boolean | Promise<boolean>;
  /** Items taken that have not yet left this process (for stats). */
  pending(): number;
  /** A promise while the consumer would rather not take more yet: a replay waits on it before each item. */
  ready(): Promise<void> | undefined;
}

/** Called once when a stream ends: with the error it failed with, or nothing when it was closed. */
export type EndListener = (error: unknown) => void;

/** A stream as a consumer attaches to it (see PushStream). */
export interface ConsumableStream<T> {
  deliverTo(consumer: StreamConsumer<T>): void;
  whenEnded(listener: EndListener): void;
  /** The consumer left: the stream ends without an error. */
  close(): void;
}
