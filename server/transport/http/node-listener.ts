import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendNodeResponse } from '@whatwg-node/server';
import type { Logger } from '../../logger.js';
import { requestIdOf } from '../../observability/request-id.js';
import { refuseForeignHost } from './host-policy.js';
import type { EventStreams, HttpServerContext } from '../sse/event-streams.js';

/** What the listener needs of Yoga (its Node entry point without the final write). */
interface NodeHandler {
  fetchAPI: { Response: typeof Response };
  handleNodeRequestAndResponse(
    req: IncomingMessage,
    res: ServerResponse,
    context: HttpServerContext,
  ): Promise<Response> | Response;
}

export interface HttpListenerOptions {
  maxBodyBytes: number;
  log: Logger;
  /** GraphQL over SSE: routing between its modes, and the writer that takes over an event stream's response. */
  eventStreams: EventStreams;
  /** DNS-rebinding guard: a request for another Host is refused with 403 (see host-policy.ts). */
  isHostAllowed: (host: string | undefined) => boolean;
  /** Answers the requests it takes (returning true) on Node's request and response, before Yoga. */
  beforeYoga?: (req: IncomingMessage, res: ServerResponse, requestId: string) => boolean;
}

/**
 * The HTTP server's request listener: Yoga's `requestListener`, except that an event stream is handed the
 * Node response once Yoga has answered (see sse/sse-response.ts) instead of having an empty body piped into
 * it for its whole life. Every other response is sent by whatwg-node as Yoga would. Hosts the host policy does
 * not allow (DNS rebinding), bodies over the limit, and chunked ones, are refused before Yoga (Yoga's own body limit is off: it would pipe every body through a
 * stream kept alive with the response).
 */
export function createHttpListener(yoga: NodeHandler, options: HttpListenerOptions) {
  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    options.eventStreams.route(req);
    const sink = options.eventStreams.forRequest(req, res);
    let response: Response;
    try {
      response = await yoga.handleNodeRequestAndResponse(req, res, { req, res, sink, requestId });
    } catch (err) {
      // Yoga answers its own errors; this is a failure outside it. No stack to the client.
      options.log.error({ err, req: requestId }, 'HTTP request handling failed');
      response = new yoga.fetchAPI.Response(
        JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL' } }] }),
        {
          status: 500,
          headers: { 'content-type': 'application/json' },
        },
      );
    }
    if (sink?.owns(response)) return sink.start(response);
    await sendNodeResponse(response, res, req, true);
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    if (refuseForeignHost(req, res, options.isHostAllowed) || refuseOversizedBody(req, res, options.maxBodyBytes))
      return;
    const requestId = requestIdOf(req);
    if (options.beforeYoga?.(req, res, requestId)) return;
    serve(req, res, requestId).catch((err: unknown) => {
      options.log.error({ err, req: requestId }, 'HTTP response failed');
      res.destroy();
    });
  };
}

function refuseOversizedBody(req: IncomingMessage, res: ServerResponse, max: number): boolean {
  const length = req.headers['content-length'];
  const chunked = length === undefined && req.headers['transfer-encoding'] !== undefined;
  const tooLarge = length !== undefined && Number(length) > max;
  if (!chunked && !tooLarge) return false;
  const [status, message] = tooLarge
    ? [413, `Request body is ${length} bytes; the limit is ${max} bytes.`]
    : [411, 'Send a Content-Length header; chunked request bodies are not accepted.'];
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }));
  req.resume();
  return true;
}
