import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../logger.js';
import { SlotCounter } from '../../limits/slot-counter.js';
import { hostNotAllowed } from '../http/host-policy.js';
import { WsConnections } from './connections.js';
import { longestPingGapMs } from './heartbeat.js';
import { type ProtocolOptions, createProtocol } from './protocol.js';
import { createWebSocketServer } from './raw-frames.js';
import { refuse } from './ws-guards.js';

export interface WsTransportOptions extends Omit<ProtocolOptions, 'expiryHorizonMs' | 'anonymousSlots'> {
  /** Connections acknowledged without a token, per instance; over it, close 4429. */
  anonymousConnectionLimit: number;
  httpServer: Server;
  log: Logger;
  path: string;
  /** DNS-rebinding guard: an upgrade for another Host is refused with 403 (see host-policy.ts). */
  isHostAllowed: (host: string | undefined) => boolean;
  isOriginAllowed: (origin: string | undefined, host: string | undefined) => boolean;
  /** Largest accepted frame; larger ones close the socket with 1009. */
  maxPayloadBytes: number;
  /** Ping interval; a peer that misses a pong for this long is terminated. */
  keepAliveMs: number;
}

export interface WsTransport {
  /** Open graphql-ws connections. */
  connections(): number;
  dispose(): Promise<void>;
}

/**
 * graphql-ws on `ws`: upgrades at `path` from allowed origins, each connection run by graphql-ws's
 * transport-agnostic core with our rules (protocol.ts), instead of the stock `graphql-ws/use/ws`, because a
 * client sending a server-only message must get 4400 (the stock adapter answers 4500), a syntax error or
 * refused subscription must answer that operation only (the stock recipe closes the socket), and event
 * messages are written as ready-made frames (raw-frames.ts).
 */
export function attachGraphQLWs(options: WsTransportOptions): WsTransport {
  const wss = createWebSocketServer(options.maxPayloadBytes);
  const anonymousSlots = new SlotCounter<true>(options.anonymousConnectionLimit);
  const protocol = createProtocol({
    ...options,
    anonymousSlots,
    expiryHorizonMs: longestPingGapMs(options.keepAliveMs),
  });
  const connections = new WsConnections(
    protocol,
    options.connections,
    anonymousSlots,
    options.log,
    options.keepAliveMs,
    options.resumePoints,
  );

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== options.path) return refuse(socket, 404, 'Not Found', `WebSocket endpoint is ${options.path}`);
    if (!options.isHostAllowed(request.headers.host))
      return refuse(socket, 403, 'Forbidden', hostNotAllowed(request.headers.host));
    if (!options.isOriginAllowed(request.headers.origin, request.headers.host)) {
      return refuse(socket, 403, 'Forbidden', 'Origin not allowed: add it to CORS_ORIGINS.');
    }
    // The cookie only for the app's sign-in, and only past the origin check above: another site's page cannot
    // open a socket with the user's cookie (cross-site WebSocket hijacking).
    const upgrade = {
      authorization: request.headers.authorization,
      cookie: options.verifier.verifyCookie ? request.headers.cookie : undefined,
    };
    wss.handleUpgrade(request, socket, head, (ws) => connections.accept(ws, socket, upgrade));
  };
  options.httpServer.on('upgrade', onUpgrade);

  return {
    connections: () => wss.clients.size,
    async dispose() {
      options.httpServer.off('upgrade', onUpgrade);
      connections.stop();
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
