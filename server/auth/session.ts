import type { GraphQLError } from 'graphql';
import { tokenExpired } from '../errors.js';
import type { Viewer } from './viewer.js';

/**
 * Who an operation runs as, for as long as it runs. A graphql-ws connection shares one session among its
 * operations, so a token refreshed over the socket (`refreshSession`) extends every live subscription.
 */
export interface Session {
  viewer: Viewer | null;
  /** `http`: one request (distinct-connections SSE included); `ws`: a graphql-ws connection; `sse`: a single-connection SSE stream. */
  transport: 'http' | 'ws' | 'sse';
}

export const createSession = (viewer: Viewer | null, transport: Session['transport']): Session => ({
  viewer,
  transport,
});

/** Milliseconds since the epoch at which the session's token expires, if it does. */
export const expiresAtMs = (session: Session): number | undefined =>
  session.viewer?.expiresAt === undefined ? undefined : session.viewer.expiresAt * 1000;

/** What a live stream checks before each delivery, and when to look again with nothing to deliver. */
export interface StreamGuard {
  revoked: () => GraphQLError | undefined;
  /** Absent when something else ends the stream at expiry (a graphql-ws connection closes itself with 4403). */
  recheckAt?: () => number | undefined;
}

export function sessionGuard(session: Session): StreamGuard {
  const revoked = () => {
    const at = expiresAtMs(session);
    return at !== undefined && at <= Date.now() ? tokenExpired() : undefined;
  };
  // A connection's session: the socket is closed at expiry, so its streams need no timer each.
  if (session.transport === 'ws') return { revoked };
  return { revoked, recheckAt: () => expiresAtMs(session) };
}
