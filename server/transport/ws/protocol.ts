import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode, type SubscribePayload, makeServer } from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocket } from 'ws';
import { type Session, createSession } from '../../auth/session.js';
import type { TokenVerifier } from '../../auth/tokens.js';
import type { Viewer } from '../../auth/viewer.js';
import { internalError, invalidToken } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { TransportContext } from '../context-factory.js';
import type { SinkLimits } from '../../delivery.js';
import type { SlotCounter } from '../../limits/slot-counter.js';
import { prepareOperation } from '../operation.js';
import { WsSink } from './ws-sink.js';
import type { ResumePoints } from '../../realtime/resume-points.js';
import { authorize, closeReason, closeWhenExpired } from './ws-guards.js';

/** One graphql-ws connection's state, shared by its operations. */
export interface Connection {
  socket: WebSocket;
  /** The TCP socket under it, which event messages are written to as ready-made frames (see WsSink). */
  tcp: Duplex;
  /** Shared by the connection's operations; `refreshSession` replaces its viewer. */
  session: Session;
  /** The upgrade request's `Authorization`, used when `connection_init` carries none; dropped once read. */
  upgradeAuthorization?: string;
  /**
   * The upgrade request's `Cookie`, kept only when the app signs users in with a session cookie
   * (AUTH_CONNECT_URL) and used when no authorization came at all; dropped once read.
   */
  upgradeCookie?: string;
  /** Its running subscriptions with positions (events), by operation id: resumed if the connection is lost. */
  running?: Map<string, WsSink>;
  /** The user whose connection slot this socket holds, released when it closes. */
  slotOf?: string;
  /** Holds one of the anonymous connections' places, given back when it closes. */
  anonymous?: boolean;
  /** graphql-ws's end of the connection, called when the socket closes. */
  closed?: (code?: number, reason?: string) => Promise<void>;
  /** The token-expiry check: rechecked by the heartbeat, stopped when the socket closes. */
  expiry?: { recheck(): void; stop(): void };
  /** Logs of this connection carry its id (never a token or a payload); made when first needed. */
  readonly log: Logger;
}

export interface ProtocolOptions {
  yoga: YogaServerInstance<TransportContext, Record<string, unknown>>;
  verifier: TokenVerifier;
  /** Connections per user, shared with SSE streams. */
  connections: SlotCounter<string>;
  /** Connections acknowledged without a token, on this instance. */
  anonymousSlots: SlotCounter<true>;
  /** How far a subscriber's peer may fall behind (see WsSink). */
  sinkLimits: SinkLimits;
  /** A token's expiry closer than this gets a timer (the heartbeat rechecks the others). */
  expiryHorizonMs: number;
  onUserConnected?: (viewer: Viewer) => void;
  /** Where lost subscriptions resume (server-side resume by operation id). */
  resumePoints?: ResumePoints;
}

/** What onSubscribe prepared for graphql-ws to run: the execution, or the already started subscription. */
interface Prepared {
  run: () => unknown;
}
/** Made outside onSubscribe so that what graphql-ws keeps holds nothing else of it. */
const preparedResult = (result: unknown): Prepared => ({ run: () => result });
const preparedExecution = (execute: (args: ExecutionArgs) => unknown, args: ExecutionArgs): Prepared => ({
  run: () => execute(args),
});

/**
 * graphql-ws's transport-agnostic core with our rules: the token is verified once at `connection_init`
 * (4403 when bad, 4429 over the user's connection limit); every operation runs through `yoga.getEnveloped`
 * with the connection's session and a `WsSink`, so Yoga's plugins and the fan-out apply; a bad or refused
 * operation gets an `error` message for that operation only, never a closed socket.
 */
export function createProtocol(o: ProtocolOptions) {
  return makeServer<Record<string, unknown>, Connection>({
    async onConnect(ctx) {
      const cookie = ctx.extra.upgradeCookie;
      const result =
        (await authorize(o.verifier, credentialsOf(ctx.connectionParams, ctx.extra.upgradeAuthorization))) ??
        (cookie && o.verifier.verifyCookie ? await o.verifier.verifyCookie(cookie) : null);
      // Verified once: the token is not kept for the connection's lifetime (memory, and exposure).
      (ctx as { connectionParams?: unknown }).connectionParams = undefined;
      ctx.extra.upgradeAuthorization = undefined;
      ctx.extra.upgradeCookie = undefined;
      // Closed while the token was being verified: taking a slot now would never be given back.
      if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
      if (result === null) return acceptAnonymous(o, ctx.extra);
      if (!result.ok) {
        ctx.extra.log.info({ reason: result.reason }, 'graphql-ws connection refused');
        // 4403 with the reason an HTTP client gets in its 401, rather than graphql-ws's bare "Forbidden".
        ctx.extra.socket.close(CloseCode.Forbidden, closeReason(`Invalid token: ${result.reason}`));
        return false;
      }
      if (!o.connections.acquire(result.viewer.userId)) {
        ctx.extra.socket.close(
          CloseCode.TooManyInitialisationRequests,
          `Too many connections: at most ${o.connections.limit} per user`,
        );
        return false;
      }
      ctx.extra.slotOf = result.viewer.userId;
      ctx.extra.session.viewer = result.viewer;
      ctx.extra.log.debug({ user: result.viewer.userId }, 'graphql-ws connection signed in');
      o.onUserConnected?.(result.viewer);
      ctx.extra.expiry = closeWhenExpired(ctx.extra.socket, ctx.extra.session, o.expiryHorizonMs);
      return true;
    },
    onSubscribe: (ctx, id, payload) => onSubscribe(o, ctx.extra, id, payload),
    execute: (args) => (args.rootValue as Prepared).run() as never,
    subscribe: (args) => (args.rootValue as Prepared).run() as never,
  });
}

/**
 * Where the connection's credentials are: `connection_init`'s payload when it carries an authorization (what
 * browsers can send), else the upgrade request's `Authorization` header.
 */
function credentialsOf(
  params: Record<string, unknown> | undefined | null,
  upgradeAuthorization: string | undefined,
): Record<string, unknown> | undefined | null {
  const given = params?.authorization ?? params?.Authorization;
  if ((given !== undefined && given !== null && given !== '') || !upgradeAuthorization) return params;
  return { authorization: upgradeAuthorization };
}

/** Anonymous, like HTTP without a header; capped, as nothing else bounds what anyone may hold open. */
function acceptAnonymous(o: ProtocolOptions, connection: Connection): boolean {
  if (!o.anonymousSlots.acquire(true)) {
    connection.socket.close(
      CloseCode.TooManyInitialisationRequests,
      'Too many anonymous connections: send a token in connection_init',
    );
    return false;
  }
  connection.anonymous = true;
  return true;
}

/**
 * Parses, validates and prepares one `subscribe` message for graphql-ws to run: a query or mutation as an
 * execution, a subscription already started so that a refusal (FORBIDDEN, NOT_FOUND, BAD_USER_INPUT) answers
 * with the protocol's `error` message, not with a `next` carrying errors. Errors answer this operation only.
 */
async function onSubscribe(
  o: ProtocolOptions,
  connection: Connection,
  id: string,
  payload: SubscribePayload,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  try {
    const session = await operationSession(o, connection.session, payload.extensions);
    if (session instanceof GraphQLError) return [session];
    const resume = session === connection.session ? await resumeOf(o, connection, id, payload) : undefined;
    // No `request` (there is none per operation) and no `params`: nothing reads them on this path.
    const enveloped = o.yoga.getEnveloped({
      session,
      sink: new WsSink(connection.socket, connection.tcp, id, o.sinkLimits, resume?.running, resume?.fingerprint),
      lastEventId: resume?.after,
    });
    const prepared = await prepareOperation(enveloped, payload);
    if (!('args' in prepared)) return prepared;
    const { args } = prepared;
    if (!prepared.subscription) return { ...args, rootValue: preparedExecution(enveloped.execute, args) };
    const started = await enveloped.subscribe(args);
    if (!(Symbol.asyncIterator in started) && started.errors?.length) return started.errors;
    args.rootValue = preparedResult(started); // after subscribe: the subscription ran with no root value
    return args;
  } catch (err) {
    // A graphql-armor rejection: answer this operation only, keep the socket.
    if (err instanceof GraphQLError) return [err];
    connection.log.error({ err }, 'graphql-ws onSubscribe failed');
    return [internalError()];
  }
}

/**
 * Server-side resume, for clients that know nothing of cursors: graphql-ws clients send a subscription again with
 * the same id after a reconnect. A subscription of a signed-in connection is fingerprinted (its document and
 * variables, `after` aside) and tracked while it runs; if a subscription with the same user, id and
 * fingerprint was lost with its connection within the window, on any instance, it continues after the last
 * event its client is known to have read (see WsSink.resumeAfter). An explicit `after` always wins.
 */
async function resumeOf(o: ProtocolOptions, connection: Connection, id: string, payload: SubscribePayload) {
  const viewer = connection.session.viewer;
  if (!o.resumePoints || !viewer || !SUBSCRIPTION.test(payload.query)) return undefined;
  const { after, ...variables } = payload.variables ?? {};
  const fingerprint = createHash('sha1')
    .update(`${payload.operationName ?? ''}\u0000${payload.query}\u0000${JSON.stringify(variables)}`)
    .digest('base64url');
  const point = after === undefined || after === null ? await o.resumePoints.take(viewer.userId, id) : undefined;
  const resumed = point?.fingerprint === fingerprint ? point.after : undefined;
  if (resumed) connection.log.debug({ id }, 'subscription resumed after a lost connection');
  return { running: (connection.running ??= new Map()), fingerprint, after: resumed };
}

const SUBSCRIPTION = /\bsubscription\b/;

/**
 * The session an operation runs under: the connection's, or, on a connection without a token, one made
 * for this operation from the token it carries in `extensions.headers` (what GraphiQL sends).
 */
async function operationSession(
  o: ProtocolOptions,
  session: Session,
  extensions: Record<string, unknown> | undefined | null,
): Promise<Session | GraphQLError> {
  if (session.viewer) return session;
  const result = await authorize(o.verifier, extensions?.headers as Record<string, unknown> | undefined);
  if (result === null) return session;
  if (!result.ok) return invalidToken(result.reason);
  o.onUserConnected?.(result.viewer);
  return createSession(result.viewer, 'http'); // this operation only; not refreshable
}
