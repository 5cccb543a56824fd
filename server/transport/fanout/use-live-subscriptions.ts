import { type ExecutionArgs, type ExecutionResult, Kind, createSourceEventStream, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type Context, operationLog } from '../../context.js';
import type { TransportContext } from '../context-factory.js';
import { acceptsStream, asksApolloMultipart } from '../http/accept.js';
import { apolloMultipartUnsupported, streamEndError, streamRequired } from '../../errors.js';
import { PushStream } from '../../realtime/push-stream.js';
import type { SharedResults } from './shared-results.js';
import type { SubscriptionLimits } from './subscription-limits.js';

export interface LiveSubscriptionOptions {
  results: SharedResults;
  limits: SubscriptionLimits;
  /** Results an iterator may hold for a consumer that pulls (no sink) before it is cut off. */
  maxQueue: number;
}

/**
 * How every subscription runs, on every transport, in one place: its slots are taken (limits), its field's
 * stream is opened, and its items go either to the operation's sink (`Context.sink`, the fast path: results
 * executed once per group, see shared-results.ts) or, without one, into an iterator of results. What Yoga and
 * graphql-ws iterate in the sink case carries only the end: the error the stream ended with as a last result,
 * then `complete`. Every stream ends the same way on every transport.
 */
export function useLiveSubscriptions(options: LiveSubscriptionOptions): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn((args: ExecutionArgs) => subscribe(args, options));
    },
  };
}

async function subscribe(
  args: ExecutionArgs,
  o: LiveSubscriptionOptions,
): Promise<ExecutionResult | AsyncIterable<ExecutionResult>> {
  const ctx = args.contextValue as Context & TransportContext;
  // Over HTTP a subscription needs a stream; refused before anything of it exists (Yoga would answer 406
  // only after running it).
  const accept = ctx.request?.headers.get('accept');
  if (ctx.request && !ctx.sink && asksApolloMultipart(accept)) return { errors: [apolloMultipartUnsupported()] };
  if (ctx.request && !ctx.sink && !acceptsStream(accept)) return { errors: [streamRequired()] };
  const release = o.limits.acquire(ctx.session);
  if (typeof release !== 'function') return { errors: [release] };
  let source: AsyncIterable<unknown> | ExecutionResult;
  try {
    source = await createSourceEventStream(args);
  } catch (err) {
    release();
    throw err;
  }
  if (!(Symbol.asyncIterator in source)) {
    release(); // refused (FORBIDDEN, NOT_FOUND, BAD_USER_INPUT ...): nothing stays behind
    return source;
  }
  const stream = asPushStream(source);
  stream.whenEnded(release);
  traceLifecycle(ctx, args, stream);
  if (!ctx.sink) return o.results.pull(args, stream, o.maxQueue);
  o.results.deliver(args, stream, ctx.sink);
  return new StreamEnd(stream);
}

/** Every subscription field of this schema returns a PushStream (server/realtime): the fan-out relies on it. */
function asPushStream(source: AsyncIterable<unknown>): PushStream<object> {
  if (source instanceof PushStream) return source as PushStream<object>;
  throw new Error(
    'A subscription field returned something other than a PushStream (see server/realtime/push-stream.ts).',
  );
}

/**
 * What the transport iterates for a subscription whose results go to a sink: nothing until the stream ends,
 * then its error as one last result if it failed, then done. `return()` (the client left) closes the stream.
 */
class StreamEnd implements AsyncIterableIterator<ExecutionResult> {
  private outcome: { error: unknown } | undefined;
  private waiter: ((r: IteratorResult<ExecutionResult>) => void) | undefined;
  private reported = false;

  constructor(private readonly stream: PushStream<object>) {
    stream.whenEnded((error) => {
      this.outcome = { error };
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.(this.step());
    });
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.outcome) return Promise.resolve(this.step());
    return new Promise((resolve) => (this.waiter = resolve));
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.reported = true;
    this.stream.close();
    return { value: undefined, done: true };
  }

  async throw(err: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }

  private step(): IteratorResult<ExecutionResult> {
    const error = this.outcome?.error;
    if (this.reported || error === undefined) {
      this.reported = true;
      return { value: undefined, done: true };
    }
    this.reported = true;
    return { value: { errors: [streamEndError(error)] }, done: false };
  }
}

/**
 * LOG_LEVEL=debug: a line when a subscription starts and when it ends, with its transport, user, field and
 * organization (ids and counts only: never a token, variables or payloads).
 */
function traceLifecycle(ctx: Context, args: ExecutionArgs, stream: PushStream<object>): void {
  if (!ctx.services.log.isLevelEnabled('debug')) return;
  const log = operationLog(ctx);
  const operation = getOperationAST(args.document, args.operationName);
  const field = operation?.selectionSet.selections.find((s) => s.kind === Kind.FIELD)?.name.value;
  const orgId = args.variableValues?.orgId;
  const trace = {
    transport: ctx.session.transport,
    user: ctx.viewer?.userId,
    field,
    ...(typeof orgId === 'string' ? { orgId } : {}),
  };
  const started = Date.now();
  log.debug(trace, 'subscription started');
  stream.whenEnded((err) => {
    const code = (err as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
    log.debug({ ...trace, ms: Date.now() - started, ...(code ? { code } : {}) }, 'subscription ended');
  });
}
