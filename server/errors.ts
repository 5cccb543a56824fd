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
export const forbidden = (message: string) => appError('FORBIDDEN', message);
export const notFound = (message: string) => appError('NOT_FOUND', message);
export const badInput = (message: string, extra?: Record<string, unknown>) => appError('BAD_USER_INPUT', message, extra);

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
