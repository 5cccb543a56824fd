import type { GraphQLError } from 'graphql';
import type { EventRecord } from '../store/types.js';
import { type EventFilter, matchesFilter } from './filter.js';
import { LiveStream } from './live-stream.js';

export interface EventStreamOptions {
  filter: EventFilter;
  maxQueue: number;
  overflowError: (lastDeliveredSeq: number) => GraphQLError;
  onClose: (stream: EventStream) => void;
  replay?: AsyncIterator<EventRecord>;
  /** Sequence the consumer already has: where a cut-off client resumes if nothing else arrives. */
  startSeq: number;
  revoked?: () => GraphQLError | undefined;
  recheckAt?: () => number | undefined;
  onDeliver?: (e: EventRecord, live: boolean) => void;
}

/** A subscriber's stream of one organization's events: its filter, optional replay, then live events in order. */
export class EventStream extends LiveStream<EventRecord> {
  /** Sequence of the last event handed to the consumer: where a cut-off client resumes. */
  lastDeliveredSeq: number;
  readonly filter: EventFilter;

  constructor(options: EventStreamOptions) {
    super({
      maxQueue: options.maxQueue,
      overflowError: () => options.overflowError(this.lastDeliveredSeq),
      onClose: () => options.onClose(this),
      replay: options.replay,
      // Never an event the consumer already has: its cursor may be ahead of this instance's feed.
      accept: (e) => e.seq > options.startSeq && matchesFilter(options.filter, e),
      onDeliver: (e, live) => {
        this.lastDeliveredSeq = e.seq;
        options.onDeliver?.(e, live);
      },
      revoked: options.revoked,
      recheckAt: options.recheckAt,
    });
    this.lastDeliveredSeq = options.startSeq;
    this.filter = options.filter;
  }
}
