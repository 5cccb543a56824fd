import { useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import type { EventFieldsFragment } from '../gql/graphql';
import { EventHistoryQuery, LiveEventsSubscription, PublishEventMutation } from '../operations';
import { ListingSummary } from './ListingSummary';

const CHANNELS = ['', 'property', 'user', 'organization', 'system', 'notifications'];
/** Rows the feed keeps: the newest; older ones are dropped (the log keeps them, Query.events pages them). */
export const MAX_ROWS = 500;

/**
 * The organization's events: the newest 100 stored, then live events from where they end. Rows are keyed by
 * sequence, so a replay after a reconnect never shows a row twice; at most MAX_ROWS are kept. Pause holds new
 * rows back (counted, shown on resume), Clear empties the view, Search narrows what is shown.
 */
export function EventFeed({ orgId, onResync }: { orgId: string; onResync: () => void }) {
  const [channel, setChannel] = useState('');
  const [type, setType] = useState('');
  const [subject, setSubject] = useState('');
  const filters = useMemo(
    () => ({
      orgId,
      channels: channel ? [channel] : null,
      types: type ? [type] : null,
      subjectIds: subject ? [subject] : null,
    }),
    [orgId, channel, type, subject],
  );
  const [history, reloadHistory] = useQuery({
    query: EventHistoryQuery,
    variables: filters,
    requestPolicy: 'network-only',
  });
  const [rows, setRows] = useState(() => new Map<number, EventFieldsFragment>());
  const [paused, setPaused] = useState(false);
  // Read by the subscription's handler, which may be a render behind.
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const [held, setHeld] = useState<EventFieldsFragment[]>([]);
  const [search, setSearch] = useState('');
  useEffect(() => setRows(new Map()), [filters]);
  useEffect(() => {
    if (paused || held.length === 0) return;
    setRows((prev) => merge(prev, held));
    setHeld([]);
  }, [paused, held]);
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
      } else if (pausedRef.current) {
        setHeld((prev) => [...prev, e].slice(-MAX_ROWS));
      } else {
        setRows((prev) => merge(prev, [e]));
      }
      return data;
    },
  );
  const needle = search.trim().toLowerCase();
  const sorted = [...rows.values()]
    .sort((a, b) => b.sequence - a.sequence)
    .filter((e) => !needle || searchable(e).includes(needle));
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
        <input
          aria-label="Subject filter"
          placeholder="subject, e.g. prop-42"
          value={subject}
          onChange={(e) => setSubject(e.target.value.trim())}
        />
      </div>
      <PublishForm orgId={orgId} />
      <div className="feed-tools">
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
          {paused ? `Resume${held.length ? ` (${held.length} new)` : ''}` : 'Pause'}
        </button>
        <button type="button" onClick={() => setRows(new Map())}>
          Clear
        </button>
        <input
          aria-label="Search events"
          placeholder="search type, subject, payload"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
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
  if (next.size <= MAX_ROWS) return next;
  const keep = [...next.keys()].sort((a, b) => b - a).slice(0, MAX_ROWS);
  return new Map(keep.map((seq) => [seq, next.get(seq) as EventFieldsFragment]));
}

const searchable = (e: EventFieldsFragment) =>
  `${e.type} ${e.channel} ${e.subjectId ?? ''} ${JSON.stringify(e.payload ?? '')}`.toLowerCase();

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
