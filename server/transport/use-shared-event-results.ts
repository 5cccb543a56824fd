import { type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError, createSourceEventStream, execute, print } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { encodeCursor } from '../realtime/cursor.js';
import { EventStream } from '../realtime/event-stream.js';
import type { DirectConsumer } from '../realtime/live-stream.js';
import type { EventRecord } from '../store/types.js';
import { type DirectSink, SharedResult, directSinkOf } from './direct-sink.js';

type Shared = SharedResult | Promise<SharedResult>;

/**
 * The fan-out's per-event work, done once per event instead of once per subscriber: a subscription's
 * selection is executed once for every subscriber that sent the same document and variables, stamped with
 * the event's cursor (`extensions.cursor`) and serialized once. Where the transport offers a direct sink
 * (graphql-ws, SSE), the subscriber's stream hands events straight to it.
 *
 * Sharing is safe because an Event's fields depend only on the event, never on who receives it; who may
 * receive it (organization, filters, audience, revocation, token expiry) is decided before, per stream.
 */
export function useSharedEventResults(options: { maskError: (error: unknown) => GraphQLError }): Plugin {
  const results = new WeakMap<EventRecord, Map<string, Shared>>();
  /** Direct subscribers by key, with the result of the event being fanned out (see GroupConsumer). */
  const groups = new Map<string, Group>();
  const printed = new WeakMap<DocumentNode, string>();
  const keyOf = (a: ExecutionArgs) => {
    let doc = printed.get(a.document);
    if (doc === undefined) printed.set(a.document, (doc = print(a.document)));
    return `${a.operationName ?? ''}\u0000${doc}\u0000${JSON.stringify(a.variableValues ?? {})}`;
  };
  const share = (executed: ExecutionResult, event: EventRecord): SharedResult => {
    const cursor = encodeCursor(event.orgId, event.seq);
    // Yoga masks errors on the iterator path; results sent directly never pass there.
    const errors = executed.errors?.map((e) => options.maskError(e));
    return new SharedResult({ ...executed, ...(errors && { errors }), extensions: { ...executed.extensions, cursor } }, cursor);
  };

  const sharedResult = (args: ExecutionArgs, event: EventRecord, key: string): Shared => {
    let perEvent = results.get(event);
    if (!perEvent) results.set(event, (perEvent = new Map()));
    let shared = perEvent.get(key);
    if (!shared) {
      const executed = execute({ ...args, rootValue: event });
      shared = executed instanceof Promise ? executed.then((r) => share(r, event)) : share(executed, event);
      perEvent.set(key, shared);
    }
    return shared;
  };

  /** Hands the stream's events to the sink, sharing each event's result with the group. */
  const deliverDirectly = (args: ExecutionArgs, source: EventStream, sink: DirectSink, g: Group) => {
    g.subscribers++;
    source.whenClosed(() => {
      if (--g.subscribers === 0) groups.delete(g.key);
    });
    sink.attach();
    source.deliverTo(new GroupConsumer(g, sink, args, sharedResult));
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source;
        const sink = directSinkOf(args.contextValue);
        const key = keyOf(args);
        if (sink && source instanceof EventStream) {
          let group = groups.get(key);
          if (!group) groups.set(key, (group = { key, subscribers: 0 }));
          deliverDirectly(args, source, sink, group);
          return source; // yields nothing: it ends, with its error if it failed, after all it delivered
        }
        return mapStream(source, async (payload) =>
          isEventRecord(payload) ? (await sharedResult(args, payload, key)).result : execute({ ...args, rootValue: payload }),
        );
      });
    },
  };
}

/**
 * One subscriber's side of a group: a class, not closures, because tens of thousands of idle subscriptions
 * each hold one. The fan-out hands one event to every subscriber before the next, so after the first
 * subscriber of an event each lookup is one comparison.
 */
class GroupConsumer implements DirectConsumer<EventRecord> {
  constructor(
    private readonly group: Group,
    private readonly sink: DirectSink,
    private readonly args: ExecutionArgs,
    private readonly compute: (args: ExecutionArgs, event: EventRecord, key: string) => Shared,
  ) {}

  deliver(event: EventRecord): boolean | Promise<boolean> {
    const g = this.group;
    if (g.event !== event) {
      g.event = event;
      g.shared = this.compute(this.args, event, g.key);
    }
    const shared = g.shared as Shared;
    return shared instanceof Promise ? shared.then((s) => this.sink.send(s)) : this.sink.send(shared);
  }

  pending(): number {
    return this.sink.pending();
  }

  ready(): Promise<void> | undefined {
    return this.sink.ready();
  }
}

/** Direct subscribers with the same key, and the result of the event being fanned out. */
interface Group {
  key: string;
  subscribers: number;
  event?: EventRecord;
  shared?: Shared;
}

function isEventRecord(value: unknown): value is EventRecord {
  const e = value as Partial<EventRecord> | null;
  return typeof e === 'object' && e !== null && typeof e.seq === 'number' && typeof e.orgId === 'string' && typeof e.channel === 'string';
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** Maps a stream; `return()` reaches the source at once (an async generator would wait for the next item). */
function mapStream<T, U>(source: AsyncIterable<T>, map: (item: T) => Promise<U>): AsyncIterableIterator<U> {
  const it = source[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const r = await it.next();
      return r.done ? { value: undefined, done: true } : { value: await map(r.value), done: false };
    },
    return: async () => {
      await it.return?.();
      return { value: undefined, done: true };
    },
    throw: async (err: unknown) => {
      await it.return?.();
      throw err;
    },
  };
}
