import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { CloseCode } from 'graphql-ws';
import { WebSocket } from 'ws';
import { createSession } from '../../auth/session.js';
import type { Logger } from '../../logger.js';
import type { SlotCounter } from '../../limits/slot-counter.js';
import { Heartbeat } from './heartbeat.js';
import type { Connection, createProtocol } from './protocol.js';
import { LEGACY_PROTOCOL } from './raw-frames.js';
import { protocolMisuse } from './ws-guards.js';
import type { ResumePoints } from '../../realtime/resume-points.js';

/** The close reason a subscriptions-transport-ws client gets (docs/clients.md; at most 123 bytes). */
const LEGACY_REFUSED = 'subscriptions-transport-ws is not served: use graphql-ws (subprotocol graphql-transport-ws)';

/**
 * The graphql-ws connections of a `WebSocketServer`: each socket that completed the upgrade is opened on the
 * protocol core with its `Connection` state; one heartbeat serves them all; a closing socket gives back its
 * user's connection slot and ends its operations.
 */
export class WsConnections {
  private readonly states = new WeakMap<WebSocket, Connection>();
  private readonly heartbeat: Heartbeat;
  /** Listeners shared by every socket (`this` is the socket): a closure each would cost memory per connection. */
  private readonly onError: (this: WebSocket, err: Error) => void;
  private readonly onClose: (this: WebSocket, code: number, reason: Buffer) => void;

  constructor(
    private readonly protocol: ReturnType<typeof createProtocol>,
    userSlots: SlotCounter<string>,
    anonymousSlots: SlotCounter<true>,
    private readonly log: Logger,
    keepAliveMs: number,
    resumePoints?: ResumePoints,
  ) {
    const states = this.states;
    this.heartbeat = new Heartbeat(
      keepAliveMs,
      (socket) => {
        const state = states.get(socket);
        state?.expiry?.recheck();
        if (state?.running) for (const sink of state.running.values()) sink.pingSent();
      },
      (socket) => {
        const running = states.get(socket)?.running;
        if (running) for (const sink of running.values()) sink.pingEchoed();
      },
    );
    this.onError = function onError(this: WebSocket, err: Error) {
      states.get(this)?.log.debug({ err }, 'websocket error');
    };
    this.onClose = function onClose(this: WebSocket, code: number, reason: Buffer) {
      const state = states.get(this);
      if (!state) return;
      state.expiry?.stop();
      if (state.slotOf !== undefined) userSlots.release(state.slotOf);
      if (state.anonymous) anonymousSlots.release(true);
      saveResumePoints(state, resumePoints);
      if (log.isLevelEnabled('debug'))
        state.log.debug({ code, user: state.session.viewer?.userId }, 'graphql-ws connection closed');
      void state.closed?.(code, String(reason));
    };
  }

  /**
   * A socket that completed the upgrade, with the TCP socket `ws` was given for it and the upgrade request's
   * `Authorization` header (native clients and gateways send their credentials there).
   */
  accept(socket: WebSocket, tcp: Duplex, upgrade: { authorization?: string; cookie?: string } = {}): void {
    // A child logger costs about a kilobyte: tens of thousands of idle connections should not each hold one.
    const conn = randomUUID().slice(0, 8);
    const log = this.log;
    let connLog: Logger | undefined;
    socket.on('error', this.onError);
    if (socket.protocol === LEGACY_PROTOCOL) return socket.close(CloseCode.SubprotocolNotAcceptable, LEGACY_REFUSED);
    this.heartbeat.watch(socket, tcp);
    const state: Connection = {
      socket,
      tcp,
      session: createSession(null, 'ws'),
      upgradeAuthorization: upgrade.authorization,
      upgradeCookie: upgrade.cookie,
      get log() {
        return (connLog ??= log.child({ conn }));
      },
    };
    this.states.set(socket, state);
    if (log.isLevelEnabled('debug')) state.log.debug('graphql-ws connection opened');
    state.closed = this.protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== WebSocket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) => listen(socket, state, cb),
      },
      state,
    );
    socket.once('close', this.onClose);
  }

  stop(): void {
    this.heartbeat.stop();
  }
}

/**
 * Feeds the socket's messages to the protocol core. Not an async handler: for a subscription, `cb` settles
 * only when it ends, and a suspended handler would hold the message's buffer and text that long.
 */
function listen(socket: WebSocket, state: Connection, cb: (text: string) => Promise<void>): void {
  const failed = (err: unknown) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    state.log.error({ err }, 'graphql-ws message handling failed');
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };
  socket.on('message', (data) => {
    const text = String(data);
    const misuse = protocolMisuse(text);
    if (misuse) return socket.close(CloseCode.BadRequest, misuse);
    cb(text).catch(failed);
  });
}

/**
 * The connection is gone: each subscription still running (neither completed by its client nor ended by the
 * server) leaves where it resumes, one write each, for its client's reconnect (see protocol.ts resumeOf).
 */
function saveResumePoints(state: Connection, resumePoints: ResumePoints | undefined): void {
  const viewer = state.session.viewer;
  if (!resumePoints || !viewer || !state.running) return;
  for (const sink of state.running.values()) {
    const after = sink.resumeAfter;
    if (after !== undefined && sink.fingerprint !== undefined)
      resumePoints.save(viewer.userId, sink.id, { fingerprint: sink.fingerprint, after });
  }
}
