import type { TokenVerifier } from '../auth/tokens.js';
import { type Session, createSession } from '../auth/session.js';
import { parseBearer } from '../auth/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { type Context, type Services, createContext } from '../context.js';
import { invalidToken } from '../errors.js';

/** Key under which the WebSocket transport hands its connection's session to Yoga. */
export const WS_SESSION = 'switchboardWsSession';

/**
 * Yoga's context factory, shared by every transport: HTTP and SSE verify the request's bearer token,
 * graphql-ws reuses the token verified once at connection time. Always a fresh object per operation.
 */
export function createContextFactory(services: Services, verifier: TokenVerifier, onViewer?: (v: Viewer) => void) {
  return async (initial: Record<string, unknown>): Promise<Context> => {
    if (WS_SESSION in initial) return createContext(services, initial[WS_SESSION] as Session);
    const request = initial.request as Request | undefined;
    const lastEventId = request?.headers.get('last-event-id')?.slice(0, 256) || undefined;
    const header = request?.headers.get('authorization');
    if (!header) return createContext(services, createSession(null, 'http'), lastEventId);
    const token = parseBearer(header);
    if (!token) throw invalidToken('the Authorization header must be "Bearer <token>"');
    const result = await verifier.verify(token);
    if (!result.ok) throw invalidToken(result.reason);
    onViewer?.(result.viewer);
    return createContext(services, createSession(result.viewer, 'http'), lastEventId);
  };
}
