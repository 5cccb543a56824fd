import type { Session } from '../auth/session.js';
import { createSession } from '../auth/session.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { parseBearer } from '../auth/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { type Context, type Services, createContext } from '../context.js';
import { invalidToken } from '../errors.js';
import type { ResultSink } from '../delivery.js';

/** What a transport hands Yoga for one operation, beside Yoga's own `request` and `params`. */
export interface TransportContext {
  /** graphql-ws and single-connection SSE: the connection's session, authenticated by the transport. */
  session?: Session;
  /** Where the operation's results go when the transport writes them itself (see Context.sink). */
  sink?: ResultSink;
  request?: Request;
}

/**
 * Yoga's context factory, shared by every transport: HTTP and SSE verify the request's bearer token,
 * graphql-ws and single-connection SSE reuse the session their transport authenticated. Always a fresh
 * object per operation.
 */
export function createContextFactory(services: Services, verifier: TokenVerifier, onViewer?: (v: Viewer) => void) {
  return async (initial: TransportContext): Promise<Context> => {
    if (initial.session) return createContext(services, initial.session, { sink: initial.sink });
    const request = initial.request;
    const lastEventId = request?.headers.get('last-event-id')?.slice(0, 256) || undefined;
    const header = request?.headers.get('authorization');
    if (!header) return createContext(services, createSession(null, 'http'), { lastEventId, sink: initial.sink });
    const token = parseBearer(header);
    if (!token) throw invalidToken('the Authorization header must be "Bearer <token>"');
    const result = await verifier.verify(token);
    if (!result.ok) throw invalidToken(result.reason);
    onViewer?.(result.viewer);
    return createContext(services, createSession(result.viewer, 'http'), { lastEventId, sink: initial.sink });
  };
}
