import { randomUUID } from 'node:crypto';
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import { type Response as SseResponse, TOKEN_HEADER_KEY, TOKEN_QUERY_KEY } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';

export interface SingleConnectionOptions {
  endpoint: string;
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
            return Symbol.asyncIterator in result ? result : ({ data: null, ...result } as ExecutionResult);
          },
        },
        yoga.fetchAPI,
      ) as typeof handler;
    },
    onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname !== options.endpoint) return;
      serverContexts.set(request, serverContext as Record<string, unknown>);
      return handler(request).then(endResponse);
    },
  };
}
