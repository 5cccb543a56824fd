import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin, YogaServerInstance } from 'graphql-yoga';
import { parseBearer, type TokenVerifier } from '../../../auth/tokens.js';
import type { Viewer } from '../../../auth/viewer.js';
import {
  badInput,
  invalidToken,
  notFound,
  rateLimited,
  unauthenticated,
  withoutTransportExtensions,
} from '../../../errors.js';
import type { HttpServerContext } from '../event-streams.js';
import { TOKEN_HEADER, TOKEN_QUERY, operationComplete, operationNext } from '../frames.js';
import { prepareOperation } from '../../operation.js';
import { OperationSink } from './operation-sink.js';
import type { Reservation, Reservations } from './reservations.js';

export interface SingleConnectionOptions {
  endpoint: string;
  reservations: Reservations;
  verifier: TokenVerifier;
  onViewer?: (viewer: Viewer) => void;
}

type Fetch = { Response: typeof Response };
type Yoga = YogaServerInstance<HttpServerContext, Record<string, unknown>>;

/**
 * GraphQL over SSE, single-connection mode (the graphql-sse protocol): `PUT` reserves a stream, `GET` opens
 * it, `POST` runs an operation whose results arrive on the stream, `DELETE` stops one. Every request needs
 * the bearer token of the user who reserved the stream (a stream token alone is not a credential); a stream
 * holds one of its user's connection slots, an unopened one is dropped after a while, and a stream nobody
 * reads is cut off like any other (see SseResponse). Operations run through Yoga's envelop with a context
 * from the one context factory. Distinct-connections requests to this endpoint are served as /graphql's.
 */
export function useSingleConnectionSse(o: SingleConnectionOptions): Plugin<Record<string, unknown>, HttpServerContext> {
  let yoga: Yoga;
  return {
    onYogaInit({ yoga: y }) {
      yoga = y as unknown as Yoga;
    },
    onRequest({ request, url, serverContext, fetchAPI, endResponse }) {
      if (url.pathname !== o.endpoint) return;
      return handle({ o, yoga, request, url, serverContext, fetchAPI }).then(endResponse);
    },
  };
}

interface Call {
  o: SingleConnectionOptions;
  yoga: Yoga;
  request: Request;
  url: URL;
  serverContext: HttpServerContext;
  fetchAPI: Fetch;
}

async function handle(call: Call): Promise<Response> {
  const { o, request, url, fetchAPI } = call;
  const viewer = await authenticate(o, request);
  if (viewer instanceof GraphQLError) return errorResponse(fetchAPI, 401, viewer);
  if (request.method === 'PUT') return reserve(call, viewer);
  const token = request.headers.get(TOKEN_HEADER) ?? url.searchParams.get(TOKEN_QUERY);
  if (!token)
    return errorResponse(
      fetchAPI,
      400,
      badInput(`Send the token of a stream reserved with PUT (${TOKEN_HEADER} header or ?${TOKEN_QUERY}=).`),
    );
  const reservation = o.reservations.find(token, viewer);
  if (!reservation)
    return errorResponse(fetchAPI, 404, notFound('Stream not found: reserve one with PUT, with the same token.'));
  // A fresh token of the same user extends the stream's operations.
  reservation.session.viewer = viewer;
  switch (request.method) {
    case 'GET':
      return open(call, reservation);
    case 'POST':
      return operate(call, reservation);
    case 'DELETE':
      return stop(call, reservation);
    default:
      return new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, POST, PUT, DELETE' } });
  }
}

async function authenticate(o: SingleConnectionOptions, request: Request): Promise<Viewer | GraphQLError> {
  const header = request.headers.get('authorization');
  if (!header)
    return unauthenticated('Single-connection streams need "Authorization: Bearer <token>" on every request.');
  const token = parseBearer(header);
  if (!token) return invalidToken('the Authorization header must be "Bearer <token>"');
  const result = await o.verifier.verify(token);
  if (!result.ok) return invalidToken(result.reason);
  o.onViewer?.(result.viewer);
  return result.viewer;
}

function reserve({ o, fetchAPI }: Call, viewer: Viewer): Response {
  const reservation = o.reservations.reserve(viewer);
  if (!reservation)
    return errorResponse(fetchAPI, 429, rateLimited('Too many open connections for this user: close one first.'));
  return new fetchAPI.Response(reservation.token, {
    status: 201,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

function open({ o, request, serverContext, fetchAPI }: Call, reservation: Reservation): Response {
  const sse = serverContext.sink;
  if (!sse || !request.headers.get('accept')?.includes('text/event-stream')) {
    return errorResponse(fetchAPI, 406, badInput('GET opens the event stream: send "Accept: text/event-stream".'));
  }
  if (reservation.response) return errorResponse(fetchAPI, 409, badInput('Stream already open.'));
  reservation.response = sse;
  return sse.open(fetchAPI, () => o.reservations.drop(reservation));
}

function stop({ url, fetchAPI }: Call, reservation: Reservation): Response {
  const id = url.searchParams.get('operationId');
  if (!id) return errorResponse(fetchAPI, 400, badInput('Send ?operationId= of the operation to stop.'));
  const op = reservation.operations.get(id);
  reservation.operations.delete(id);
  void op?.return?.();
  return new fetchAPI.Response(null, { status: 200 });
}

/** Runs one operation: its results go to the stream, the request is answered 202 once it started. */
async function operate(call: Call, r: Reservation): Promise<Response> {
  const { yoga, request, serverContext, fetchAPI } = call;
  const response = r.response;
  if (!response)
    return errorResponse(
      fetchAPI,
      409,
      badInput('Open the stream (GET with Accept: text/event-stream) before sending operations.'),
    );
  if (response.congested)
    return errorResponse(
      fetchAPI,
      429,
      rateLimited('The stream is not being read: its client is too far behind to start more operations.'),
    );
  const params = await readParams(request);
  if (params instanceof GraphQLError) return errorResponse(fetchAPI, 400, params);
  const id = params.extensions?.operationId;
  if (typeof id !== 'string' || id === '')
    return errorResponse(fetchAPI, 400, badInput('Send the operation id in extensions.operationId.'));
  if (r.operations.has(id))
    return errorResponse(fetchAPI, 409, badInput('An operation with this id is already running.'));
  const { req, res } = serverContext;
  const enveloped = yoga.getEnveloped({
    req,
    res,
    request,
    params,
    session: r.session,
    sink: new OperationSink(response, id),
  });
  const prepared = await prepareOperation(enveloped, params);
  if (!('args' in prepared)) return errorsResponse(fetchAPI, 400, prepared);
  r.operations.set(id, null);
  let result: ExecutionResult | AsyncIterable<ExecutionResult>;
  try {
    const { args, subscription } = prepared;
    result = (await (subscription ? enveloped.subscribe(args) : enveloped.execute(args))) as
      ExecutionResult | AsyncIterable<ExecutionResult>;
  } catch (err) {
    if (r.operations.get(id) === null) r.operations.delete(id);
    throw err;
  }
  if (!r.operations.has(id)) {
    // Stopped (DELETE) or the stream closed while it started.
    if (Symbol.asyncIterator in result) void result[Symbol.asyncIterator]().return?.();
    return new fetchAPI.Response(null, { status: 204 });
  }
  if (Symbol.asyncIterator in result) void pump(r, id, result[Symbol.asyncIterator]());
  else finish(r, id, result);
  return new fetchAPI.Response(null, { status: 202 });
}

/** Writes what the operation's iterator yields (for a subscription sent to its sink: only its end), then `complete`. */
async function pump(r: Reservation, id: string, results: AsyncIterator<ExecutionResult>): Promise<void> {
  r.operations.set(id, results);
  try {
    for (;;) {
      const step = await results.next();
      if (step.value) r.response?.writeText(operationNext(id, step.value));
      if (step.done) break;
    }
  } finally {
    if (r.operations.get(id) === results) r.operations.delete(id);
    r.response?.writeText(operationComplete(id));
  }
}

function finish(r: Reservation, id: string, result: ExecutionResult): void {
  r.operations.delete(id);
  r.response?.writeText(operationNext(id, result));
  r.response?.writeText(operationComplete(id));
}

interface Params {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

async function readParams(request: Request): Promise<Params | GraphQLError> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return badInput(
      'The body must be a JSON object: { query, variables, operationName, extensions: { operationId } }.',
    );
  }
  const p = body as Partial<Params> | null;
  if (typeof p !== 'object' || p === null || typeof p.query !== 'string')
    return badInput('The body must carry a "query" string.');
  const isObject = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));
  if (!isObject(p.variables) || !isObject(p.extensions))
    return badInput('"variables" and "extensions" must be objects.');
  if (p.operationName !== undefined && p.operationName !== null && typeof p.operationName !== 'string')
    return badInput('"operationName" must be a string.');
  return {
    query: p.query,
    variables: p.variables ?? undefined,
    operationName: p.operationName ?? undefined,
    extensions: p.extensions ?? undefined,
  };
}

const errorResponse = (fetchAPI: Fetch, status: number, error: GraphQLError) =>
  errorsResponse(fetchAPI, status, [error]);

function errorsResponse(fetchAPI: Fetch, status: number, errors: readonly GraphQLError[]): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: errors.map(withoutTransportExtensions) }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
