import { GraphQLError } from 'graphql';

/** The closed list of error codes a client can see in `extensions.code` (docs/errors in README). */
export const ERROR_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'RATE_LIMITED', 'INTERNAL'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };

/** An expected failure, returned to the client as is. */
export function appError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...extra, ...(status ? { http: { status } } : {}) },
  });
}

export const unauthenticated = (message = 'Sign in: send "Authorization: Bearer <token>".') =>
  appError('UNAUTHENTICATED', message);
/** A token that failed verification; over HTTP a 401 (graphql-ws closes with 4403 and the same words). */
export const invalidToken = (reason: string) => appError('UNAUTHENTICATED', `Invalid token: ${reason}.`);
export const forbidden = (message: string) => appError('FORBIDDEN', message);
export const notFound = (message: string) => appError('NOT_FOUND', message);
export const badInput = (message: string, extra?: Record<string, unknown>) => appError('BAD_USER_INPUT', message, extra);
/** Over one of the limits in docs/security.md; `extra` says when to retry (`retryAfterMs`) or why (`reason`). */
export const rateLimited = (message: string, extra?: Record<string, unknown>) => appError('RATE_LIMITED', message, extra);

/**
 * An operation asked for more stored data than one response may carry (see ResponseBudget).
 * BAD_USER_INPUT, not RATE_LIMITED: the size follows from the operation's own arguments (`first`, aliases),
 * so sending it again later can never succeed; the client must ask for less, as with any oversized argument.
 */
export function responseTooLarge(o: { what: string; bytes: number; limitBytes: number; leftBytes: number }): GraphQLError {
  return badInput(
    `Response too large: ${o.what} hold ${o.bytes} bytes of stored data, and one operation may return at most ${o.limitBytes} bytes ` +
      `(${o.leftBytes} left). Ask for less: a smaller "first", or fewer aliases per operation (send the rest in another).`,
    { reason: 'RESPONSE_TOO_LARGE', limitBytes: o.limitBytes },
  );
}

/**
 * The error a live stream ended with, as its last result carries it: ours as they are, anything else as
 * INTERNAL keeping the cause for the masker to log (never its message).
 */
export const streamEndError = (err: unknown): GraphQLError =>
  err instanceof GraphQLError ? err : new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL' }, originalError: err as Error });

/**
 * What clients see of an error: expected ones (GraphQLErrors we raised) as they are, anything else as
 * INTERNAL with the cause logged, never shown. Used by Yoga and by results sent past Yoga's hooks.
 */
export function createErrorMasker(log: { error(obj: object, msg: string): void }) {
  return (error: unknown): GraphQLError => {
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    const original = graphqlError ? graphqlError.originalError : error;
    if (graphqlError && (!original || original instanceof GraphQLError)) return graphqlError;
    log.error({ err: original ?? error }, 'unexpected error');
    return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL' }, path: graphqlError?.path });
  };
}
