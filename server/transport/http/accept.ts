/**
 * Content negotiation for GraphQL over HTTP, as graphql-http and Yoga read the Accept header: a single result
 * (a query, a mutation, a refused subscription) is JSON unless the client prefers an event stream; a live
 * subscription needs a stream (SSE, or Yoga's multipart) and is refused before it starts when the client takes
 * neither, so nothing of it is created only to be answered 406.
 */

interface Accepted {
  type: string;
  q: number;
}

/** The media types of an Accept header, most preferred first (by `q`, then as listed); `q=0` left out. */
export function acceptedMediaTypes(accept: string | null | undefined): string[] {
  const list: Accepted[] = [];
  for (const part of (accept || '*/*').toLowerCase().split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    if (!type) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (weight > 0) list.push({ type, q: Number.isNaN(weight) ? 1 : weight });
  }
  // A stable sort: equal weights keep the client's order.
  return list.sort((a, b) => b.q - a.q).map((a) => a.type);
}

const JSON_TYPES = new Set(['application/graphql-response+json', 'application/json', 'application/*', '*/*']);
const STREAM_TYPES = new Set(['text/event-stream', 'text/*', 'multipart/mixed', 'multipart/*', '*/*']);

/** Whether a single result should go out as an event stream: `text/event-stream` ranks above every JSON type. */
export function prefersEventStream(accept: string | null | undefined): boolean {
  for (const type of acceptedMediaTypes(accept)) {
    if (type === 'text/event-stream') return true;
    if (JSON_TYPES.has(type)) return false;
  }
  return false;
}

/**
 * Apollo Client's HttpLink asks for its own multipart subscription protocol (`multipart/mixed;subscriptionSpec=1.0`:
 * payloads wrapped, heartbeats), which Yoga's incremental multipart is not. Unless the same request also takes
 * SSE, it is refused with a clear reason rather than answered in a format the client misreads.
 */
export const asksApolloMultipart = (accept: string | null | undefined): boolean =>
  /subscriptionspec\s*=/i.test(accept ?? '') && !acceptedMediaTypes(accept).includes('text/event-stream');

/** Whether the client takes a subscription's stream at all: SSE or multipart, named or by wildcard. */
export const acceptsStream = (accept: string | null | undefined): boolean =>
  acceptedMediaTypes(accept).some((type) => STREAM_TYPES.has(type));
