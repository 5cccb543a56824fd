import type { ConnectionState, Transport } from '../lib/urql';

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  resynced: 'Resynced',
} as const;

const TRANSPORTS: Record<Transport, string> = { ws: 'graphql-ws', sse: 'SSE' };

/** The connection's state, and the transport it runs over (chosen at sign-in). */
export function ConnectionBadge({ state, transport }: { state: ConnectionState | 'resynced'; transport: Transport }) {
  return (
    <span
      className={`badge badge-${state}`}
      data-testid="connection"
      data-state={state}
      data-transport={transport}
      title={`Connected over ${TRANSPORTS[transport]}`}
    >
      {LABELS[state]} · {TRANSPORTS[transport]}
    </span>
  );
}
