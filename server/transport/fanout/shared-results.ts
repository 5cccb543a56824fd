import { type ExecutionArgs, type ExecutionResult, type GraphQLError, execute } from 'graphql';
import { streamEndError } from '../../errors.js';
import { PullQueue } from '../../realtime/pull-queue.js';
import type { PushStream } from '../../realtime/push-stream.js';
import type { StreamConsumer } from '../../realtime/stream-consumer.js';
import { type ResultSink, SharedResult } from '../../delivery.js';
import { ResultKeys } from './result-key.js';

type Shared = SharedResult | Promise<SharedResult>;

/** Subscribers with the same result key (result-key.ts), and the result of the item being fanned out (see SinkConsumer). */
interface Group {
  key: string;
  subscribers: number;
  cursorOf: ((item: object) => string) | undefined;
  item?: object;
  shared?: Shared;
}

/**
 * The fan-out's per-item work, done once per item instead of once per subscriber: a subscription's selection
 * is executed once for every subscriber that selects the same fields with the same variables (whatever the
 * root field's arguments, which only choose items: see result-key.ts), stamped with the item's
 * cursor (`extensions.cursor`, events only) and serialized once; each subscriber's sink adds its envelope.
 *
 * Sharing is safe because no subscription result depends on who receives it (an Event's, a presence update's
 * or typing state's fields depend only on the item); who may receive an item (organization, filters,
 * audience, revocation, token expiry) is decided before, per stream.
 */
export class SharedResults {
  private readonly results = new WeakMap<object, Map<string, Shared>>();
  private readonly groups = new Map<string, Group>();
  private readonly keys = new ResultKeys();

  constructor(private readonly maskError: (error: unknown) => GraphQLError) {}

  /** Hands every item of `stream` to `sink`, as results shared with the operation's group. */
  deliver(args: ExecutionArgs, stream: PushStream<object>, sink: ResultSink): void {
    const group = this.join(this.keyOf(args), stream);
    sink.attach(stream.position());
    stream.whenEnded(() => {
      this.leave(group);
      sink.detach?.();
    });
    stream.deliverTo(new SinkConsumer(group, sink, args, this));
  }

  /** The stream's results as an iterator, for transports without a sink; it ends with the stream's error as a result. */
  pull(args: ExecutionArgs, stream: PushStream<object>, maxQueue: number): AsyncIterableIterator<ExecutionResult> {
    const key = this.keyOf(args);
    const map = async (item: object) => (await this.resultOf(args, key, item, stream.cursorOf)).result;
    return PullQueue.mapped(stream, maxQueue, map, (error) => ({ errors: [streamEndError(error)] }));
  }

  /** The result of `item` for the operation `key`, executed once whoever asks. */
  resultOf(args: ExecutionArgs, key: string, item: object, cursorOf: ((item: object) => string) | undefined): Shared {
    let perItem = this.results.get(item);
    if (!perItem) this.results.set(item, (perItem = new Map()));
    let shared = perItem.get(key);
    if (!shared) {
      const cursor = cursorOf?.(item);
      const executed = execute({ ...args, rootValue: item });
      shared = executed instanceof Promise ? executed.then((r) => this.share(r, cursor)) : this.share(executed, cursor);
      perItem.set(key, shared);
    }
    return shared;
  }

  private share(executed: ExecutionResult, cursor: string | undefined): SharedResult {
    // Yoga masks errors on the iterator path; results sent to a sink never pass there.
    const errors = executed.errors?.map((e) => this.maskError(e));
    const extensions = cursor === undefined ? executed.extensions : { ...executed.extensions, cursor };
    return new SharedResult({ ...executed, ...(errors && { errors }), ...(extensions && { extensions }) }, cursor);
  }

  private keyOf(args: ExecutionArgs): string {
    return this.keys.keyOf(args);
  }

  private join(key: string, stream: PushStream<object>): Group {
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { key, subscribers: 0, cursorOf: stream.cursorOf }));
    group.subscribers++;
    return group;
  }

  private leave(group: Group): void {
    if (--group.subscribers === 0 && this.groups.get(group.key) === group) this.groups.delete(group.key);
  }
}

/**
 * One subscriber's side of a group: a class, not closures, because tens of thousands of idle subscriptions
 * each hold one. The fan-out hands one item to every subscriber before the next, so after the first
 * subscriber of an item each lookup is one comparison.
 */
class SinkConsumer implements StreamConsumer<object> {
  constructor(
    private readonly group: Group,
    private readonly sink: ResultSink,
    private readonly args: ExecutionArgs,
    private readonly results: SharedResults,
  ) {}

  deliver(item: object): boolean | Promise<boolean> {
    const g = this.group;
    if (g.item !== item) {
      g.item = item;
      g.shared = this.results.resultOf(this.args, g.key, item, g.cursorOf);
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
