import { randomUUID } from 'node:crypto';
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import { type Response as SseResponse, TOKEN_HEADER_KEY, TOKEN_QUERY_KEY } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';

export interface SingleConnectionOptions {
  endpoint: string;
  /** Messages graphql-sse may hold for a stream that its client is not reading; beyond it, pulling stops. */
  maxBacklog: number;
  /** Whether a request carries a valid bearer token (reserving a stream needs one). */
  isAuthenticated: (request: Request) => Promise<boolean>;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized' };
const errorResponse = (status: number, errors: unknown[]): SseResponse => [
  JSON.stringify({ errors }),
  { status, statusText: STATUS_TEXT[status] ?? 'Error', headers: { 'content-type': 'application/json; charset=utf-8' } },
];
const json = (status: number, message: string, code: string) => errorResponse(status, [{ message, extensions: { code } }]);

/**
 * GraphQL over SSE, single-connection mode (graphql-sse's handler, operations through Yoga's envelop).
 * Replaces `@graphql-yoga/plugin-graphql-sse`, whose hook passes a refused subscription (`{ errors }`
 * without `data`) on as if it were execution arguments and answers "Unable to detect operation AST",
 * and whose syntax errors escape as 500s. Here both are clear answers; reserving a stream needs a valid
 * token. Distinct-connections mode is Yoga's own SSE at /graphql.
 */
export function useSingleConnectionSse(options: SingleConnectionOptions): Plugin<YogaInitialContext> {
  const serverContexts = new WeakMap<Request, Record<string, unknown>>();
  const backlogs = new Map<string, Backlog>();
  const backlogOf = (token: string) => {
    let b = backlogs.get(token);
    if (!b) backlogs.set(token, (b = new Backlog(options.maxBacklog)));
    return b;
  };
  let handler: (request: Request, context?: unknown) => Promise<Response>;
  return {
    onYogaInit({ yoga }) {
      handler = createHandler(
        {
          async authenticate(req) {
            const header = req.headers.get(TOKEN_HEADER_KEY);
            if (header) return header;
            const fromUrl = new URL(req.url ?? '', 'http://localhost/').searchParams.get(TOKEN_QUERY_KEY);
            if (fromUrl) return fromUrl;
            if (req.method === 'PUT' && !(await options.isAuthenticated(req.raw))) {
              return json(401, 'Reserving an event stream needs "Authorization: Bearer <token>".', 'UNAUTHENTICATED');
            }
            return randomUUID();
          },
          async onSubscribe(req, params) {
            const enveloped = yoga.getEnveloped({ ...serverContexts.get(req.raw), request: req.raw, params });
            let document;
            try {
              document = enveloped.parse(params.query);
            } catch (err) {
              if (err instanceof GraphQLError) return json(400, err.message, 'GRAPHQL_PARSE_FAILED');
              throw err;
            }
            const errors = enveloped.validate(enveloped.schema, document);
            if (errors.length > 0) return errorResponse(400, [...errors]);
            const args = {
              schema: enveloped.schema,
              document,
              contextValue: await enveloped.contextFactory(),
              variableValues: params.variables,
              operationName: params.operationName,
            };
            const isSubscription = getOperationAST(document, params.operationName)?.operation === 'subscription';
            const result = (await (isSubscription ? enveloped.subscribe(args) : enveloped.execute(args))) as
              | ExecutionResult
              | AsyncIterable<ExecutionResult>;
            // graphql-sse recognizes a finished result only by its `data` key.
            if (!(Symbol.asyncIterator in result)) return { data: null, ...result } as ExecutionResult;
            const token = streamTokenOf(req.raw);
            return token ? paced(result, backlogOf(token)) : result;
          },
        },
        yoga.fetchAPI,
      ) as typeof handler;
    },
    onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== options.endpoint) return;
      serverContexts.set(request, serverContext as Record<string, unknown>);
      return handler(request).then((response) => {
        const token = streamTokenOf(request);
        const isStream = request.method === 'GET' && token && response.body && response.headers.get('content-type')?.startsWith('text/event-stream');
        if (!isStream) return endResponse(response);
        const backlog = backlogOf(token);
        endResponse(new fetchAPI.Response(counted(response.body!, backlog, () => backlogs.delete(token)), response));
      });
    },
  };
}

const streamTokenOf = (request: Request) =>
  request.headers.get(TOKEN_HEADER_KEY) ?? new URL(request.url, 'http://localhost/').searchParams.get(TOKEN_QUERY_KEY) ?? undefined;

/**
 * graphql-sse drains each operation into an unbounded per-stream buffer. Counting what the response body
 * hands to the socket lets the operations stop pulling when the client stops reading; our bounded streams
 * then cut the subscriber off (SLOW_CONSUMER) instead of memory growing without end.
 */
class Backlog {
  produced = 0;
  consumed = 0;
  private closed = false;
  private waiters: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async room(): Promise<void> {
    while (!this.closed && this.produced - this.consumed >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  consume(): void {
    this.consumed++;
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

function paced<T>(source: AsyncIterable<T>, backlog: Backlog): AsyncIterableIterator<T> {
  const it = source[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      await backlog.room();
      const r = await it.next();
      if (!r.done) backlog.produced++;
      return r;
    },
    return: async () => (await it.return?.()) ?? { value: undefined, done: true },
    // With `throw`, graphql-sse sees a generator and ends it when the event stream closes.
    throw: async (err: unknown) => {
      await it.return?.();
      throw err;
    },
  };
}

function counted(body: ReadableStream<Uint8Array>, backlog: Backlog, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const end = () => {
    backlog.close();
    onEnd();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await reader.read();
      if (r.done) {
        end();
        controller.close();
        return;
      }
      controller.enqueue(r.value);
      backlog.consume();
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
}
