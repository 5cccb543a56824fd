import { DataTable } from './DataTable';
import { useEffect } from 'react';
import { useMutation, useQuery } from 'urql';
import { EndSessionsMutation, SubscribersQuery } from '../../operations';

/** Refreshed this often while shown: subscribers come and go. */
const REFRESH_MS = 5_000;
const SUBSCRIBERS_CHANGED = { additionalTypenames: ['Subscriber'] };

/**
 * Who is subscribed to the organization's events, on every instance: user, transport, filters, since when and
 * where. "End sessions" ends that user's streams on every instance (they may subscribe again; removing them
 * from the organization keeps them out).
 */
export function Subscribers({ orgId }: { orgId: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({
    query: SubscribersQuery,
    variables: { orgId },
    requestPolicy: 'network-only',
  });
  const [ending, endSessions] = useMutation(EndSessionsMutation);
  useEffect(() => {
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refetch]);
  const rows = data?.subscribers ?? [];
  // endSessions returns a count: it names the type it changed, and urql's document cache refetches the list.
  const end = (userId: string) => endSessions({ orgId, userId }, SUBSCRIBERS_CHANGED);
  return (
    <section className="card" aria-labelledby="subscribers-title">
      <div className="card-head">
        <h2 id="subscribers-title">Subscribers</h2>
        <span className="muted">{fetching ? 'refreshing…' : `${rows.length} live streams`}</span>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
      </div>
      {error && <p className="error">{error.message}</p>}
      {ending.error && <p className="error">{ending.error.message}</p>}
      {ending.data && (
        <p className="muted" role="status">
          Ended {ending.data.endSessions} stream{ending.data.endSessions === 1 ? '' : 's'}.
        </p>
      )}
      <DataTable
        label="Subscribers table"
        testId="subscribers"
        headers={['User', 'Transport', 'Filters', 'Since', 'Instance', '']}
      >
        {rows.map((s) => (
          <tr key={`${s.instanceId}:${s.id}`} data-user={s.userId}>
            <td>{s.userId}</td>
            <td>{s.transport}</td>
            <td>{filtersOf(s)}</td>
            <td>{new Date(String(s.since)).toLocaleTimeString()}</td>
            <td>
              <code>{s.instanceId}</code>
            </td>
            <td>
              <button type="button" onClick={() => void end(s.userId)} disabled={ending.fetching}>
                End sessions
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function filtersOf(s: { channels: string[]; types: string[]; subjectIds: string[] }): string {
  const parts = [
    s.channels.length ? `channels ${s.channels.join(', ')}` : '',
    s.types.length ? `types ${s.types.join(', ')}` : '',
    s.subjectIds.length ? `subjects ${s.subjectIds.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'everything';
}
