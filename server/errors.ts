import { GraphQLError } from 'graphql';

/**
 * Every error a client can see is built here, from one closed list of codes (README, docs/security.md).
 * Syntax and validation errors keep Yoga's own codes (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED).
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'INTERNAL',
] as const;
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
/** A live stream's token expired while it ran. */
export const tokenExpired = () =>
  appError('UNAUTHENTICATED', 'Your token expired. Sign in again (or refresh the session) and resubscribe.', {
    reason: 'TOKEN_EXPIRED',
  });
/** An API key that failed verification (unknown, wrong secret, malformed); over HTTP a 401. */
export const invalidApiKey = (reason: string) => appError('UNAUTHENTICATED', `Invalid API key: ${reason}.`);
/** A revoked API key with its right secret: over HTTP a 403, so that a client stops retrying it. */
export const apiKeyRevoked = (key: { id: string; name: string; orgId: string; revokedAt: number }) =>
  appError(
    'FORBIDDEN',
    `API key "${key.name}" (${key.id}) was revoked at ${new Date(key.revokedAt).toISOString()}; ask an OWNER or ADMIN of organization "${key.orgId}" for a new one.`,
    { reason: 'API_KEY_REVOKED', http: { status: 403 } },
  );
/** What an API key may not do: anything but publishing. */
export const apiKeyPublishOnly = () =>
  appError(
    'FORBIDDEN',
    'API keys can only publish events (POST /v1/events, publishEvents, publishEvent); use a user or service token for anything else.',
  );
/** An API key used for another organization than its own; `position` names the batch event that was. */
export const apiKeyOtherOrganization = (keyOrgId: string, orgId: string, position?: number) =>
  appError(
    'FORBIDDEN',
    position === undefined
      ? `This API key belongs to organization "${keyOrgId}"; it cannot act in organization "${orgId.slice(0, 64)}".`
      : `This API key belongs to organization "${keyOrgId}"; events[${position}] is for organization "${orgId.slice(0, 64)}". Nothing was published.`,
    position === undefined ? {} : { position },
  );
export const forbidden = (message: string) => appError('FORBIDDEN', message);
export const noLongerMember = (orgId: string) => forbidden(`You are no longer a member of organization "${orgId}".`);
/** A channel rule of the organization keeps this member from reading or publishing on a channel. */
export const channelForbidden = (o: { channel: string; role: string; needs: string; action: 'read' | 'publish' }) =>
  appError(
    'FORBIDDEN',
    `Channel "${o.channel}" needs ${o.needs} or above to ${o.action === 'read' ? 'subscribe to or read' : 'publish on'}; your role is ${o.role}.`,
    { reason: 'CHANNEL_RULE', channel: o.channel, needs: o.needs },
  );
/** The app took back a user's access to a guarded channel, or one subject of it (revokeChannelAccess). */
export const accessRevoked = (channel: string, subjectId: string | null) =>
  appError(
    'FORBIDDEN',
    `Your access to ${subjectId === null ? `channel "${channel}"` : `"${subjectId}" on channel "${channel}"`} was revoked.`,
    { reason: 'ACCESS_REVOKED', channel, ...(subjectId === null ? {} : { subjectId }) },
  );
/** An administrator ended the user's streams in an organization (endSessions); subscribing again is allowed. */
export const sessionsEnded = (orgId: string) =>
  appError('FORBIDDEN', `An administrator of organization "${orgId}" ended your live streams there.`, {
    reason: 'SESSIONS_ENDED',
  });
/** The app's subscribe endpoint refused a guarded channel, or could not be asked (fail closed). */
export const notAuthorized = (channel: string, subjectId: string | null, failure?: string) =>
  appError(
    'FORBIDDEN',
    failure
      ? `Channel "${channel}" is authorized by the app, which could not be asked (${failure}); try again later.`
      : `The app does not let you read ${subjectId === null ? `channel "${channel}"` : `"${subjectId}" on channel "${channel}"`}.`,
    {
      reason: failure ? 'AUTHORIZATION_UNAVAILABLE' : 'NOT_AUTHORIZED',
      channel,
      ...(subjectId === null ? {} : { subjectId }),
    },
  );
export const notFound = (message: string) => appError('NOT_FOUND', message);
export const badInput = (message: string, extra?: Record<string, unknown>) =>
  appError('BAD_USER_INPUT', message, extra);
/** A subscription over HTTP from a client that takes no stream (its Accept header): HTTP 406. */
export const streamRequired = () =>
  badInput(
    'A subscription over HTTP is answered as a stream: send "Accept: text/event-stream" (GraphQL over SSE), or subscribe over graphql-ws.',
    { reason: 'STREAM_REQUIRED', http: { status: 406 } },
  );
/** Apollo's multipart HTTP subscriptions (HttpLink): not served; HTTP 406 with what to use instead. */
export const apolloMultipartUnsupported = () =>
  badInput(
    "Apollo's multipart HTTP subscriptions (subscriptionSpec=1.0) are not served: subscribe over graphql-ws (Apollo's GraphQLWsLink, or switchboardLink from @switchboard/client) or GraphQL over SSE.",
    { reason: 'MULTIPART_SUBSCRIPTIONS_UNSUPPORTED', http: { status: 406 } },
  );
/**
 * A published payload that does not match its type's declaration in the event catalog: every problem found
 * (up to ten), each as the field's path and what it must be, in the message and as `extensions.problems`.
 */
export function payloadMismatch(type: string, problems: ReadonlyArray<{ path: string; message: string }>) {
  const list = problems.map((p) => `${p.path} ${p.message}`).join('; ');
  return badInput(`Invalid payload for event type "${type}": ${list}.`, {
    reason: 'PAYLOAD_MISMATCH',
    eventType: type,
    problems: problems.map((p) => ({ path: p.path, message: p.message })),
  });
}
/** Over one of the limits in docs/security.md; `extra` says when to retry (`retryAfterMs`) or why (`reason`). */
export const rateLimited = (message: string, extra?: Record<string, unknown>) =>
  appError('RATE_LIMITED', message, extra);

/** A publish batch over the limit: refused as a whole (HTTP 413), nothing published. */
export const batchTooLarge = (count: number, limit: number) =>
  badInput(`A batch holds at most ${limit} events; this one has ${count}. Send it in smaller batches.`, {
    reason: 'BATCH_TOO_LARGE',
    limit,
  });

/** Batches are for app backends, whose budgets are per service or key (docs/publishing.md). */
export const batchesForBackends = () =>
  forbidden(
    'Publishing batches is for app backends: send a service token or an API key of the organization (createApiKey). A user publishes one event at a time with publishEvent.',
  );

/**
 * Why an event was not published although it passed every check: another event of its organization in the
 * same batch was refused, and a batch is all-or-nothing per organization.
 */
export const refusedWithSibling = (position: number, cause: GraphQLError) =>
  appError(
    (cause.extensions.code as ErrorCode | undefined) ?? 'BAD_USER_INPUT',
    `Not published: events[${position}] of the same organization was refused (${cause.message}); a batch is all-or-nothing per organization.`,
    { position },
  );

/** One event of a batch refused by the checks, naming its position. */
export const refusedAt = (position: number, cause: GraphQLError) =>
  appError(
    (cause.extensions.code as ErrorCode | undefined) ?? 'BAD_USER_INPUT',
    `events[${position}]: ${cause.message}`,
    {
      position,
    },
  );

/**
 * The cut-off of a subscriber that fell too far behind. An event stream says where to resume
 * (`resumeAfter`: nothing is lost); presence, typing and the inbox are states, so their client resubscribes.
 */
export function slowConsumer(resume?: { resumeAfter: string } | { remedy: string }): GraphQLError {
  const remedy =
    resume && 'resumeAfter' in resume
      ? 'Subscribe again with `after` set to `extensions.resumeAfter`.'
      : (resume?.remedy ?? 'Subscribe again.');
  const extra = resume && 'resumeAfter' in resume ? { resumeAfter: resume.resumeAfter } : {};
  return rateLimited(`Subscription cut off: the client fell too far behind. ${remedy}`, {
    reason: 'SLOW_CONSUMER',
    ...extra,
  });
}

/** Presence and typing are states: a subscriber cut off for falling behind resubscribes for the current one. */
export const stateCutOff = () => slowConsumer({ remedy: 'Subscribe again for the current state.' });
/** The inbox channel: the inbox in the store is the truth, a cut-off subscriber refetches it. */
export const inboxCutOff = () => slowConsumer({ remedy: 'Subscribe again and refetch the inbox.' });

/** What clients see of anything unexpected; `cause` is kept for the masker to log, never shown. */
export const internalError = (cause?: unknown) =>
  new GraphQLError('Internal server error', {
    extensions: { code: 'INTERNAL' },
    originalError: cause instanceof Error ? cause : undefined,
  });

/** A syntax error as Yoga reports it over HTTP, for transports that parse outside Yoga's HTTP handling. */
export const parseFailed = (err: GraphQLError) =>
  new GraphQLError(err.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED', ...err.extensions } });

/**
 * An operation asked for more stored data than one response may carry (see ResponseBudget).
 * BAD_USER_INPUT, not RATE_LIMITED: the size follows from the operation's own arguments (`first`, aliases),
 * so sending it again later can never succeed; the client must ask for less, as with any oversized argument.
 */
export function responseTooLarge(o: {
  what: string;
  bytes: number;
  limitBytes: number;
  leftBytes: number;
}): GraphQLError {
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
export const streamEndError = (err: unknown): GraphQLError => (err instanceof GraphQLError ? err : internalError(err));

/** An error without Yoga's transport-only extensions (`http`, `unexpected`), for results written past Yoga. */
export function withoutTransportExtensions(e: GraphQLError): GraphQLError {
  const { http: _http, unexpected: _unexpected, ...extensions } = (e.extensions ?? {}) as Record<string, unknown>;
  return new GraphQLError(e.message, {
    nodes: e.nodes,
    path: e.path,
    extensions: Object.keys(extensions).length ? extensions : undefined,
  });
}

/**
 * What clients see of an error: expected ones (GraphQLErrors we raised) as they are, anything else as
 * INTERNAL with the cause logged, never shown. Used by Yoga and by results sent past Yoga's hooks.
 */
export function createErrorMasker(log: ErrorLog) {
  return (error: unknown): GraphQLError => {
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    const cause = unexpectedCause(error);
    if (cause === undefined && graphqlError) return graphqlError;
    if (!(isObject(cause) && loggedCauses.delete(cause))) log.error({ err: cause ?? error }, 'unexpected error');
    return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL' }, path: graphqlError?.path });
  };
}

type ErrorLog = { error(obj: object, msg: string): void };

/**
 * Causes logged where the operation's request is known (its id in the line), which the masker, knowing nothing of
 * the request, then does not log again: see logUnexpected.
 */
const loggedCauses = new WeakSet<object>();
const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** What an unexpected error hides (anything but a GraphQLError we raised), or undefined for an expected one. */
function unexpectedCause(error: unknown): unknown {
  const graphqlError = error instanceof GraphQLError ? error : undefined;
  const original = graphqlError ? graphqlError.originalError : error;
  if (graphqlError && (!original || original instanceof GraphQLError)) return undefined;
  return original ?? error;
}

/**
 * Logs an unexpected error with the log `logFor` gives (an operation's, carrying its request id) before the masker
 * hides it from the client; the masker then does not log it again. Expected errors are not logged.
 */
export function logUnexpected(logFor: () => ErrorLog, error: unknown): void {
  const cause = unexpectedCause(error);
  if (cause === undefined) return;
  logFor().error({ err: cause }, 'unexpected error');
  if (isObject(cause)) loggedCauses.add(cause);
}
