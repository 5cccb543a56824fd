import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import type { EventFieldsFragment } from '../gql/graphql';
import { EventHistoryQuery, LiveEventsSubscription, PublishEventMutation } from '../operations';
import { ListingSummary } from './ListingSummary';

const CHANNELS = ['', 'property', 'user', 'organization', 'system', 'notifications'];

/**
 * The organization's events: the stored history, then live events resumed from its last cursor. Rows are
 * keyed by sequence, so a replay after a reconnect never shows a row twice.
 */
export function EventFeed({ orgId, onResync }: { orgId: string; onResync: () => void }) {
  const [channel, setChannel] = useState('');
  const [type, setType] = useState('');
  const filters = useMemo(
    () => ({ orgId, channels: channel ? [channel] : null, types: type ? [type] : null }),
    [orgId, channel, type],
  );
  const [history, reloadHistory] = useQuery({
    query: EventHistoryQuery,
    variables: filters,
    requestPolicy: 'network-only',
  });
  const [rows, setRows] = useState(() => new Map<number, EventFieldsFragment>());
  useEffect(() => setRows(new Map()), [filters]);
  useEffect(() => {
    const nodes = history.data?.events.nodes;
    if (nodes) setRows((prev) => merge(prev, nodes));
  }, [history.data]);
  const after = history.data?.events.pageInfo.endCursor ?? null;
  useSubscription(
    { query: LiveEventsSubscription, variables: { ...filters, after }, pause: !history.data },
    (_prev, data) => {
      const e = data.events;
      if (e.type === 'stream.resync') {
        // What is shown may be gone (a restored backup reuses sequence numbers): start over from the history.
        onResync();
        setRows(new Map());
        reloadHistory({ requestPolicy: 'network-only' });
      } else {
        setRows((prev) => merge(prev, [e]));
      }
      return data;
    },
  );
  const sorted = [...rows.values()].sort((a, b) => b.sequence - a.sequence);
  return (
    <section className="card feed">
      <div className="card-head">
        <h2>Live events</h2>
        <select aria-label="Channel filter" value={channel} onChange={(e) => setChannel(e.target.value)}>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {c || 'all channels'}
            </option>
          ))}
        </select>
        <input
          aria-label="Type filter"
          placeholder="type, e.g. property.update"
          value={type}
          onChange={(e) => setType(e.target.value.trim())}
        />
      </div>
      <PublishForm orgId={orgId} />
      {history.error && <p className="error">{history.error.message}</p>}
      <ol className="events" data-testid="events">
        {sorted.map((e) => (
          <li key={e.sequence} data-sequence={e.sequence}>
            <span className="seq">#{e.sequence}</span>
            <span className="chip">{e.channel}</span>
            <strong>{e.type}</strong>
            {e.subjectId && <span className="subject">{e.subjectId}</span>}
            {e.data?.__typename === 'PropertyUpdatePayload' && <ListingSummary listing={e.data} />}
            <code className="payload">
              {e.payload === null || e.payload === undefined ? '' : JSON.stringify(e.payload)}
            </code>
            <span className="meta">
              {e.actor.name ?? e.actor.id} · {new Date(e.occurredAt).toLocaleTimeString()}
            </span>
          </li>
        ))}
        {sorted.length === 0 && <li className="empty">No events yet: publish one above.</li>}
      </ol>
    </section>
  );
}

function merge(prev: Map<number, EventFieldsFragment>, events: readonly EventFieldsFragment[]) {
  const next = new Map(prev);
  for (const e of events) next.set(e.sequence, e);
  return next;
}

function PublishForm({ orgId }: { orgId: string }) {
  const [channel, setChannel] = useState('property');
  const [type, setType] = useState('property.update');
  const [subjectId, setSubjectId] = useState('');
  const [payload, setPayload] = useState('{"price": 450000}');
  const [result, publish] = useMutation(PublishEventMutation);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    let parsed: unknown = null;
    try {
      parsed = payload.trim() ? JSON.parse(payload) : null;
    } catch {
      return setProblem('Payload must be JSON.');
    }
    setProblem(null);
    const r = await publish({ input: { orgId, channel, type, subjectId: subjectId || null, payload: parsed } });
    if (r.error) setProblem(r.error.graphQLErrors[0]?.message ?? r.error.message);
  };
  return (
    <form className="publish" onSubmit={submit}>
      <input aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)} />
      <input aria-label="Type" value={type} onChange={(e) => setType(e.target.value)} />
      <input
        aria-label="Subject"
        placeholder="subject (optional)"
        value={subjectId}
        onChange={(e) => setSubjectId(e.target.value)}
      />
      <input aria-label="Payload" className="wide" value={payload} onChange={(e) => setPayload(e.target.value)} />
      <button type="submit" className="primary" disabled={result.fetching}>
        Publish
      </button>
      {problem && <p className="error">{problem}</p>}
    </form>
  );
}
