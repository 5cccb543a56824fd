import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SinkLimits } from '../../delivery.js';
import type { TransportContext } from '../context-factory.js';
import { TOKEN_HEADER, TOKEN_QUERY } from './frames.js';
import { SsePings } from './sse-pings.js';
import { SseResponse } from './sse-response.js';

/**
 * What the HTTP listener hands Yoga with every request: the Node request and response, and for a request
 * that asks for an event stream, the writer that may take the response over (distinct SSE's sink, or a
 * single-connection stream).
 */
export interface HttpServerContext extends TransportContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Echoed in `x-request-id`; the request's log lines carry it (observability/request-id.ts). */
  requestId: string;
  sink?: SseResponse;
}

export interface EventStreamsOptions {
  graphqlEndpoint: string;
  singleConnectionEndpoint: string;
  pingMs: number;
  limits: SinkLimits;
}

/** The HTTP listener's hooks into GraphQL over SSE (both modes). */
export interface EventStreams {
  /**
   * Before Yoga: a distinct-connections request (no stream token) to the single-connection endpoint is
   * served as one to the GraphQL endpoint, since the protocol serves both modes at one URL.
   */
  route(req: IncomingMessage): void;
  /** The writer for a request that asks for an event stream (`Accept: text/event-stream`), else undefined. */
  forRequest(req: IncomingMessage, res: ServerResponse): SseResponse | undefined;
  /** Event streams open now, both modes. */
  open(): number;
}

export function createEventStreams(o: EventStreamsOptions): EventStreams {
  const shared = { pings: new SsePings(o.pingMs), limits: o.limits };
  return {
    route(req) {
      const url = req.url ?? '';
      const [path = '', query = ''] = url.split('?', 2);
      if (path !== o.singleConnectionEndpoint || !acceptsEventStream(req) || req.headers[TOKEN_HEADER] !== undefined)
        return;
      if (new URLSearchParams(query).has(TOKEN_QUERY) || (req.method !== 'GET' && req.method !== 'POST')) return;
      req.url = `${o.graphqlEndpoint}${query ? `?${query}` : ''}`;
    },
    forRequest: (req, res) => (acceptsEventStream(req) ? new SseResponse(res, shared) : undefined),
    open: () => shared.pings.size,
  };
}

const acceptsEventStream = (req: IncomingMessage) => req.headers.accept?.includes('text/event-stream') === true;
