import { looksLikeApiKey, verifyApiKey } from '../auth/api-keys.js';
import type { Session } from '../auth/session.js';
import { createSession } from '../auth/session.js';
import type { TokenVerifier, VerifyResult } from '../auth/tokens.js';
import { parseBearer } from '../auth/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { type Context, type Services, createContext, operationLog } from '../context.js';
import { invalidToken, logUnexpected } from '../errors.js';
import type { ResultSink } from '../delivery.js';

/** What a transport hands Yoga for one operation, beside Yoga's own `request` and `params`. */
export interface TransportContext {
  /** graphql-ws and single-connection SSE: the connection's session, authenticated by the transport. */
  session?: Session;
  /** Where the operation's results go when the transport writes them itself (see Context.sink). */
  sink?: ResultSink;
  request?: Request;
  /** graphql-ws: where a subscription lost with its connection resumes (server-side resume), as a cursor. */
  lastEventId?: string;
  /** HTTP: the request's id (see observability/request-id.ts). */
  requestId?: string;
}

/**
 * The caller of one HTTP request from its `Authorization` header: null without one; a JWT's user or service;
 * an organization's API key (`sbk_…`, told apart by its prefix); with the app's sign-in (AUTH_CONNECT_URL), an
 * opaque token, or without any Authorization the `cookie` given. Throws the GraphQLError to answer with:
 * UNAUTHENTICATED (HTTP 401) for a bad credential, FORBIDDEN (403) for a revoked key.
 */
export type Authenticate = (
  authorization: string | null | undefined,
  cookie?: string | null | undefined,
) => Promise<Viewer | null>;

export function createAuthenticator(
  services: Services,
  verifier: TokenVerifier,
  onViewer?: (v: Viewer) => void,
): Authenticate {
  return async (header, cookie) => {
    if (!header) return cookie && verifier.verifyCookie ? viewerOf(await verifier.verifyCookie(cookie)) : null;
    const token = parseBearer(header);
    if (!token) throw invalidToken('the Authorization header must be "Bearer <token>"');
    if (looksLikeApiKey(token)) return verifyApiKey(services.store, token);
    const viewer = viewerOf(await verifier.verify(token));
    onViewer?.(viewer);
    return viewer;
  };
}

function viewerOf(result: VerifyResult): Viewer {
  if (!result.ok) throw invalidToken(result.reason);
  return result.viewer;
}

/**
 * Yoga's context factory, shared by every transport: HTTP and SSE authenticate the request's bearer token
 * (or API key), graphql-ws and single-connection SSE reuse the session their transport authenticated. Always a
 * fresh object per operation.
 */
export function createContextFactory(services: Services, authenticate: Authenticate) {
  return async (initial: TransportContext): Promise<Context> => {
    if (initial.session)
      return createContext(services, initial.session, {
        sink: initial.sink,
        lastEventId: initial.lastEventId,
        requestId: initial.requestId,
      });
    const { request, requestId } = initial;
    const lastEventId = request?.headers.get('last-event-id')?.slice(0, 256) || undefined;
    let viewer: Viewer | null;
    try {
      viewer = await authenticate(request?.headers.get('authorization'), request?.headers.get('cookie'));
    } catch (err) {
      // Logged here, with the request's id, when it is unexpected (the masker then only hides it).
      logUnexpected(() => operationLog({ services, requestId }), err);
      throw err;
    }
    return createContext(services, createSession(viewer, 'http'), { lastEventId, sink: initial.sink, requestId });
  };
}
