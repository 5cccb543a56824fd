import type { IncomingMessage, ServerResponse } from 'node:http';
import { badInput } from '../../errors.js';
import { type PublishApiOptions, answerPublishApi } from './use-publish-api.js';

/**
 * The publish API for backends, answered on Node's request and response, before Yoga: a request without an
 * `Origin` header (no browser sent it, so there are no CORS headers to add) to the API's path. Yoga's adapter
 * builds a WHATWG request, reads its body through a stream and writes a WHATWG response back, which took about
 * a fifth of the server's CPU for a one-event publish (docs/benchmarks.md). Browsers' requests go on to Yoga
 * (usePublishApi), which adds the CORS headers; both answer with answerPublishApi. The listener has already
 * refused bodies over the limit and chunked ones.
 */
export function createPublishApiRoute(o: PublishApiOptions) {
  return (req: IncomingMessage, res: ServerResponse, requestId: string): boolean => {
    if (req.headers.origin !== undefined || (req.url ?? '').split('?')[0] !== o.path) return false;
    const asked = {
      method: req.method ?? 'GET',
      authorization: req.headers.authorization ?? null,
      text: () => bodyOf(req),
      requestId,
    };
    void answerPublishApi(o, asked).then(
      (a) => {
        res.writeHead(a.status, { ...a.headers, 'x-request-id': requestId });
        res.end(a.body);
      },
      () => res.destroy(),
    );
    return true;
  };
}

/**
 * The whole body as text. A peer gone before its end fails the read as bad input: nothing waits on it, and it is
 * not logged as a fault of the server.
 */
function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const cutShort = () => reject(badInput('The request ended before its body did: nothing was published.'));
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', cutShort);
    req.once('close', () => {
      if (!req.complete) cutShort();
    });
  });
}
