import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, getOperationAST, type ExecutionArgs } from 'graphql';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { type Session, createSession } from '../auth/session.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import type { Logger } from '../logger.js';
import { WS_SESSION } from './context-factory.js';
import { DIRECT_SINK } from './direct-sink.js';
import { hostNotAllowed } from './host-policy.js';
import { WsSink } from './ws-sink.js';
import type { SlotCounter } from './limits.js';
import { authorize, closeWhenExpired, protocolMisuse, refuse } from './ws-guards.js';

export interface WsTransportOptions {
  httpServer: Server;
  yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
  verifier: TokenVerifier;
  log: Logger;
  path: string;
  /** DNS-rebinding guard: an upgrade for another Host is refused with 403 (transport/host-policy.ts). */
  isHostAllowed: (host: string | undefined) => boolean;
  isOriginAllowed: (origin: string | undefined, host: string | undefined) => boolean;
  /** Largest accepted frame; larger ones close the socket with 1009. */
  maxPayloadBytes: number;
  /** Ping interval; a peer that misses a pong for this long is terminated. */
  keepAliveMs: number;
  onUserConnected?: (viewer: Viewer) => void;
  /** Connections per user, shared with SSE streams. */
  connections: SlotCounter<string>;
  connectionLimit: number;
  /** Messages sent directly that may wait in a connection's buffers before its subscription is cut off. */
  maxPendingMessages: number;
}

interface Extra {
  socket: WebSocket;
  /** The TCP socket under it, which event messages are written to as ready-made frames (see WsSink). */
  tcp: Duplex;
  /** Shared by the connection's operations; `refreshSession` replaces its viewer. */
  session: Session;
  /** The user whose connection slot this socket holds, released when it closes. */
  slotOf?: string;
  /** graphql-ws's end of the connection, called when the socket closes. */
  closed?: (code?: number, reason?: string) => Promise<void>;
  /** The token-expiry check: rechecked by the heartbeat, stopped when the socket closes. */
  expiry?: { recheck(): void; stop(): void };
  /** Logs of this connection carry its id (never a token or a payload); made when first needed. */
  readonly log: Logger;
}

/** The operation for graphql-ws to run, made outside onSubscribe so that it holds nothing else of it. */
const preparedResult = (result: unknown): Prepared => ({ run: () => result });
const preparedExecution = (execute: (args: ExecutionArgs) => unknown, args: ExecutionArgs): Prepared => ({ run: () => execute(args) });

/** What onSubscribe prepared for graphql-ws to run: the execution, or the already started subscription. */
interface Prepared {
  run: () => unknown;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * graphql-ws on `ws`: a thin adapter over graphql-ws's transport-agnostic core, so that protocol
 * misuse ends with the protocol's close code (4400, not 4500) and a bad operation answers that
 * operation only. Operations run through `yoga.getEnveloped`, so Yoga's plugins apply.
 */
export function attachGraphQLWs(options: WsTransportOptions): { dispose(): Promise<void>; connections(): number } {
  const { yoga, verifier, log } = options;
  // No compression: WsSink writes ready-made uncompressed frames beside `ws`, which must never hold one back.
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, handleProtocols, perMessageDeflate: false });

  /**
   * GraphiQL (and some other clients) send headers with each operation, in `extensions.headers`, and an
   * empty connection_init: an anonymous connection may authenticate operation by operation that way.
   */
  const operationViewer = async (extensions: Record<string, unknown> | undefined | null): Promise<Viewer | null | GraphQLError> => {
    const result = await authorize(verifier, extensions?.headers as Record<string, unknown> | undefined);
    if (result === null) return null;
    if (!result.ok) return new GraphQLError(`Invalid token: ${result.reason}.`, { extensions: { code: 'UNAUTHENTICATED' } });
    options.onUserConnected?.(result.viewer);
    return result.viewer;
  };

  const server = makeServer<Record<string, unknown>, Extra>({
    async onConnect(ctx) {
      const result = await authorize(verifier, ctx.connectionParams);
      // Verified once: the token is not kept for the connection's lifetime (memory, and exposure).
      (ctx as { connectionParams?: unknown }).connectionParams = undefined;
      if (result === null) return true; // anonymous, like HTTP without a header
      if (!result.ok) {
        ctx.extra.log.info({ reason: result.reason }, 'graphql-ws connection refused');
        return false; // → close 4403 Forbidden
      }
      // Closed while the token was being verified: taking a slot now would never be given back.
      if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
      if (!options.connections.acquire(result.viewer.userId)) {
        ctx.extra.socket.close(CloseCode.TooManyInitialisationRequests, `Too many connections: at most ${options.connectionLimit} per user`);
        return false;
      }
      ctx.extra.slotOf = result.viewer.userId;
      ctx.extra.session.viewer = result.viewer;
      options.onUserConnected?.(result.viewer);
      ctx.extra.expiry = closeWhenExpired(ctx.extra.socket, ctx.extra.session, 2 * options.keepAliveMs);
      return true;
    },
    async onSubscribe(ctx, id, payload) {
      try {
        let session = ctx.extra.session;
        if (!session.viewer) {
          const viewer = await operationViewer(payload.extensions);
          if (viewer instanceof GraphQLError) return [viewer];
          if (viewer) session = createSession(viewer, 'http'); // this operation only; not refreshable
        }
        // No `request` (there is none per operation) and no `params`: nothing reads them on this path.
        const enveloped = yoga.getEnveloped({
          [WS_SESSION]: session,
          [DIRECT_SINK]: new WsSink(ctx.extra.socket, ctx.extra.tcp, id, options.maxPendingMessages),
        });
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (err) {
          if (!(err instanceof GraphQLError)) throw err;
          return [new GraphQLError(err.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED', ...err.extensions } })];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
        };
        if (getOperationAST(document, payload.operationName)?.operation !== 'subscription') {
          return { ...args, rootValue: preparedExecution(enveloped.execute, args) };
        }
        // Start the subscription here so that a refusal (FORBIDDEN, NOT_FOUND, BAD_USER_INPUT) answers
        // with the protocol's `error` message, not with a `next` carrying errors.
        const started = await enveloped.subscribe(args);
        if (!isAsyncIterable(started) && started.errors?.length) return started.errors;
        args.rootValue = preparedResult(started); // after subscribe: the subscription ran with no root value
        return args;
      } catch (err) {
        // A syntax error or a graphql-armor rejection: answer this operation only, keep the socket.
        if (err instanceof GraphQLError) return [err];
        ctx.extra.log.error({ err }, 'graphql-ws onSubscribe failed');
        return [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL' } })];
      }
    },
    execute: (args) => (args.rootValue as Prepared).run() as never,
    subscribe: (args) => (args.rootValue as Prepared).run() as never,
  });

  // One heartbeat for every socket, not a timer each: a peer that did not answer the last ping is dead.
  const answered = new WeakSet<WebSocket>();
  const extras = new WeakMap<WebSocket, Extra>();
  function markAnswered(this: WebSocket) {
    answered.add(this);
  }
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (!answered.delete(socket)) socket.terminate(); // its subscriptions close through the 'close' event
      else {
        socket.ping();
        extras.get(socket)?.expiry?.recheck();
      }
    }
  }, options.keepAliveMs);
  heartbeat.unref();

  // Listeners shared by every socket (`this` is the socket): a closure each would cost memory per connection.
  function onSocketError(this: WebSocket, err: Error) {
    extras.get(this)?.log.debug({ err }, 'websocket error');
  }
  function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
    const extra = extras.get(this);
    if (!extra) return;
    extra.expiry?.stop();
    if (extra.slotOf !== undefined) options.connections.release(extra.slotOf);
    void extra.closed?.(code, String(reason));
  }

  /** A socket that completed the upgrade, with the TCP socket `ws` was given for it. */
  const accept = (socket: WebSocket, tcp: Duplex) => {
    // A child logger costs about a kilobyte: tens of thousands of idle connections should not each hold one.
    const conn = randomUUID().slice(0, 8);
    let connLog: Logger | undefined;
    socket.on('error', onSocketError);
    answered.add(socket);
    socket.on('pong', markAnswered);
    const extra: Extra = {
      socket,
      tcp,
      session: createSession(null, 'ws'),
      get log() {
        return (connLog ??= log.child({ conn }));
      },
    };
    extras.set(socket, extra);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== WebSocket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) => {
          const failed = (err: unknown) => {
            if (socket.readyState === WebSocket.OPEN) {
              extra.log.error({ err }, 'graphql-ws message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          };
          // Not an async handler: for a subscription, `cb` settles only when it ends, and a suspended
          // handler would hold the message's buffer and text that long.
          socket.on('message', (data) => {
            const text = String(data);
            const misuse = protocolMisuse(text);
            if (misuse) return socket.close(CloseCode.BadRequest, misuse);
            cb(text).catch(failed);
          });
        },
      },
      extra,
    );
    extra.closed = closed;
    socket.once('close', onSocketClose);
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== options.path) return refuse(socket, 404, 'Not Found', `WebSocket endpoint is ${options.path}`);
    if (!options.isHostAllowed(request.headers.host)) return refuse(socket, 403, 'Forbidden', hostNotAllowed(request.headers.host));
    if (!options.isOriginAllowed(request.headers.origin, request.headers.host)) {
      return refuse(socket, 403, 'Forbidden', 'Origin not allowed: add it to CORS_ORIGINS.');
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, socket));
  };
  options.httpServer.on('upgrade', onUpgrade);

  return {
    connections: () => wss.clients.size,
    async dispose() {
      options.httpServer.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      for (const client of wss.clients) client.close(1001, 'Going away');
      // Peers get a moment to answer the close handshake; dead ones are not waited for.
      await Promise.race([
        new Promise<void>((resolve) => wss.close(() => resolve())),
        new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref()),
      ]);
      for (const client of wss.clients) client.terminate();
    },
  };
}
