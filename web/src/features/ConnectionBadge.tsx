import type { ConnectionState } from '../lib/urql';

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  resynced: 'Resynced',
} as const;

export function ConnectionBadge({ state }: { state: ConnectionState | 'resynced' }) {
  return (
    <span className={`badge badge-${state}`} data-testid="connection" data-state={state}>
      {LABELS[state]}
    </span>
  );
}
