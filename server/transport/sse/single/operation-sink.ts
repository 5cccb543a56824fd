import type { ResultSink, SharedResult } from '../../../delivery.js';
import { operationEnvelope } from '../frames.js';
import type { SseResponse } from '../sse-response.js';

/**
 * One single-connection operation's results: the shared result's bytes inside the operation's envelope
 * (`{"id":…,"payload":…}`), written to the reserved stream it shares with the other operations.
 */
export class OperationSink implements ResultSink {
  private readonly head: Buffer;
  private readonly tail: Buffer;

  constructor(
    private readonly response: SseResponse,
    operationId: string,
  ) {
    const [head, tail] = operationEnvelope(operationId);
    this.head = Buffer.from(head);
    this.tail = Buffer.from(tail);
  }

  attach(): void {}

  send(shared: SharedResult): boolean {
    return this.response.writeEvent(Buffer.concat([this.head, shared.bytes, this.tail]));
  }

  pending(): number {
    return this.response.pending();
  }

  ready(): Promise<void> | undefined {
    return this.response.ready();
  }
}
