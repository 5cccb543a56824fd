import type { Session } from '../auth/session.js';
import { parseBearer } from '../auth/tokens.js';
import type { Services } from '../context.js';
import { badInput, forbidden, invalidToken, unauthenticated } from '../errors.js';

/**
 * Hands a fresh token to an open graphql-ws connection: every subscription on it continues under the new
 * expiry. The token must be for the same user: a connection never changes who it is.
 */
export async function refreshSession(services: Services, session: Session, token: string): Promise<Session> {
  if (session.transport !== 'ws') {
    throw badInput(
      'refreshSession applies to a graphql-ws connection (token in connection_init); over HTTP and SSE, send the new token with the next request.',
    );
  }
  const current = session.viewer;
  if (!current) throw unauthenticated('This connection has no token to refresh: send one in connection_init.');
  const result = await services.verifier.verify(parseBearer(token) ?? token);
  if (!result.ok) throw invalidToken(result.reason);
  if (result.viewer.userId !== current.userId || result.viewer.isService !== current.isService) {
    throw forbidden('The new token is for another user; open a new connection to switch users.');
  }
  session.viewer = result.viewer;
  return session;
}
