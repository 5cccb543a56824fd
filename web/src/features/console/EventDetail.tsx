import { useState } from 'react';
import { useSubscription } from 'urql';
import type { EventFieldsFragment } from '../../gql/graphql';
import { ReplayEventsSubscription } from '../../operations';

/** Events a replay shows: the first ones after the cursor, then it stops listening. */
const REPLAY_ROWS = 200;

/** One stored event: its facts, its payload as indented JSON, its cursor to copy, and a replay from it. */
export function EventDetail({ orgId, event }: { orgId: string; event: EventFieldsFragment }) {
  const [copied, setCopied] = useState(false);
  const [replayFrom, setReplayFrom] = useState<string | null>(null);
  const copy = async () => {
    await navigator.clipboard.writeText(event.cursor);
    setCopied(true);
  };
  return (
    <section className="card" aria-labelledby="detail-title" data-testid="event-detail">
      <h2 id="detail-title">
        Event #{event.sequence} <span className="muted">{event.type}</span>
      </h2>
      <dl className="facts">
        <dt>Channel</dt>
        <dd>{event.channel}</dd>
        <dt>Subject</dt>
        <dd>{event.subjectId ?? '–'}</dd>
        <dt>Actor</dt>
        <dd>{event.actor?.name ?? event.actor?.id ?? '–'}</dd>
        <dt>Occurred</dt>
        <dd>{new Date(String(event.occurredAt)).toISOString()}</dd>
        <dt>Cursor</dt>
        <dd>
          <code data-testid="cursor">{event.cursor}</code>
        </dd>
      </dl>
      <pre className="json" data-testid="payload-json">
        {JSON.stringify(event.payload, null, 2)}
      </pre>
      <div className="feed-tools">
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Cursor copied' : 'Copy cursor'}
        </button>
        <button type="button" onClick={() => setReplayFrom(event.cursor)}>
          Replay from here
        </button>
      </div>
      {replayFrom && <Replay key={replayFrom} orgId={orgId} after={replayFrom} />}
    </section>
  );
}

/** The events after a cursor, as a client resuming from it would receive them (stored first, then live). */
function Replay({ orgId, after }: { orgId: string; after: string }) {
  const [rows, setRows] = useState<EventFieldsFragment[]>([]);
  const done = rows.length >= REPLAY_ROWS;
  const [{ error }] = useSubscription(
    { query: ReplayEventsSubscription, variables: { orgId, after }, pause: done },
    (_prev, data) => {
      setRows((prev) => (prev.some((r) => r.sequence === data.events.sequence) ? prev : [...prev, data.events]));
      return data;
    },
  );
  return (
    <div className="replay" data-testid="replay">
      <h3>
        Replay after #{rows.length ? `${rows[0]!.sequence - 1}` : '…'}{' '}
        <span className="muted">
          {rows.length} events{done ? ' (stopped)' : ', live'}
        </span>
      </h3>
      {error && <p className="error">{error.message}</p>}
      <ol className="events" tabIndex={0} aria-label="Replayed events">
        {rows.map((e) => (
          <li key={e.sequence} data-sequence={e.sequence}>
            <span className="seq">#{e.sequence}</span> <strong>{e.type}</strong>
          </li>
        ))}
      </ol>
    </div>
  );
}
