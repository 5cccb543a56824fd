import type { ExecutionResult } from 'graphql';

/**
 * Key under which a transport offers an operation's context a way to send results itself. When the
 * operation is an event subscription, the fan-out hands each event's shared result straight to it instead
 * of through a per-subscriber chain of async iterators (graphql-js, Yoga's hooks, graphql-ws's `for await`).
 * Only the stream's end (an error, `complete`) still takes that chain, after everything sent directly.
 */
export const DIRECT_SINK = 'switchboardDirectSink';

/** One event's result for every subscriber that sent the same document and variables, serialized once. */
export class SharedResult {
  private serialized: string | undefined;
  private encoded: Buffer | undefined;
  constructor(
    readonly result: ExecutionResult,
    /** The event's cursor, for transports that label messages (SSE `id:`). */
    readonly cursor: string,
  ) {}

  /** `JSON.stringify(result)`, computed by the first subscriber that needs it. */
  get json(): string {
    return (this.serialized ??= JSON.stringify(this.result));
  }

  /** `json` as UTF-8, encoded once. */
  get bytes(): Buffer {
    return (this.encoded ??= Buffer.from(this.json));
  }
}

/** A transport's own delivery of one operation's results. */
export interface DirectSink {
  /** Called once, when the operation's results start coming this way. */
  attach(): void;
  /** Sends one result; false, having sent nothing, when the consumer is too far behind to take more. */
  send(shared: SharedResult): boolean;
  /** Results sent that the peer has not yet taken off this process's buffers. */
  pending(): number;
  /** A promise while the peer is behind (half the limit or more), settled once it has caught up. */
  ready(): Promise<void> | undefined;
}

export const directSinkOf = (context: unknown): DirectSink | undefined =>
  (context as Record<string, DirectSink | undefined> | null)?.[DIRECT_SINK];
