import type { ExecutionResult } from 'graphql';

/**
 * The delivery seam: what a transport implements to take an operation's results itself, declared where the
 * per-operation Context can name it (`Context.sink`). The fan-out (transport/fanout/) hands results to it;
 * graphql-ws, distinct-connections SSE and single-connection SSE implement it (transport/ws, transport/sse).
 */

/**
 * One item's result for every subscriber that sent the same document and variables, serialized once.
 * Transports add only their own envelope around `bytes` (graphql-ws: the operation id; SSE: the frame).
 */
export class SharedResult {
  private serialized: string | undefined;
  private encoded: Buffer | undefined;
  constructor(
    readonly result: ExecutionResult,
    /** The event's cursor, for transports that label messages (SSE `id:`); none for presence, typing, inbox. */
    readonly cursor: string | undefined,
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

/**
 * Where one operation's results go when its transport writes them itself: the delivery seam every
 * transport implements (graphql-ws `WsSink`, distinct-connections SSE `SseResponse`, single-connection
 * SSE `OperationSink`). A transport puts one in the operation's `Context.sink`; the fan-out
 * (transport/fanout/shared-results.ts) then hands every result of a subscription straight to it, and only the
 * subscription's end (an error result, then `complete`) takes the iterator Yoga and graphql-ws pull.
 */
export interface ResultSink {
  /**
   * Called once, when a subscription's results start coming this way; `position` is the cursor the
   * subscription starts from, when its items have positions (events).
   */
  attach(position?: string): void;
  /** Called once, when the subscription ended (its client completed it, the server ended it, or the connection went). */
  detach?(): void;
  /** Sends one result; false, having sent nothing, when the peer is too far behind to take more. */
  send(shared: SharedResult): boolean;
  /** Results sent that the peer has not yet taken off this process's buffers. */
  pending(): number;
  /** A promise while the peer is behind (half its limit or more), settled once it has caught up. */
  ready(): Promise<void> | undefined;
}

/** How far a sink lets its peer fall behind: in messages of the current size, and in bytes. */
export interface SinkLimits {
  maxPendingMessages: number;
  maxPendingBytes: number;
}

/** Whether `buffered` bytes of messages of `messageBytes` each are past the limits. */
export const isOverLimit = (limits: SinkLimits, buffered: number, messageBytes: number): boolean =>
  buffered >= limits.maxPendingBytes || buffered >= limits.maxPendingMessages * messageBytes;

/** Whether the peer is behind enough that a replay should wait (half of either limit). */
export const isBehind = (limits: SinkLimits, buffered: number, messageBytes: number): boolean =>
  buffered >= limits.maxPendingBytes / 2 || buffered >= (limits.maxPendingMessages / 2) * messageBytes;
