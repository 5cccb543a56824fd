import { useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import type { EventFieldsFragment } from '../../gql/graphql';
import {
  InspectEventsQuery,
  PublishEventMutation,
  ReplayEventsSubscription,
  SendNotificationMutation,
} from '../../operations';

/** Events a replay shows: the first ones after the cursor, then it stops listening. */
const REPLAY_ROWS = 200;

interface Filters {
  channel: string;
  type: string;
  subject: string;
  since: string;
  until: string;
}

const NO_FILTERS: Filters = { channel: '', type: '', subject: '', since: '', until: '' };

/**
 * The event inspector: stored history paged back from the newest (50 at a time) with filters by channel, type,
 * subject and time; one event's detail (pretty JSON, its cursor to copy, replay from it); and forms that send a
 * test event and a notification.
 */
export function Inspector({ orgId }: { orgId: string }) {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  /** Cursors of the pages above the current one: "Newer" goes back up. */
  const [pages, setPages] = useState<Array<string | null>>([null]);
  const before = pages.at(-1) ?? null;
  const variables = useMemo(
    () => ({
      orgId,
      channels: filters.channel ? [filters.channel] : null,
      types: filters.type ? [filters.type] : null,
      subjectIds: filters.subject ? [filters.subject] : null,
      since: filters.since ? new Date(filters.since).toISOString() : null,
      until: filters.until ? new Date(filters.until).toISOString() : null,
      before,
    }),
    [orgId, filters, before],
  );
  const [{ data, error, fetching }] = useQuery({ query: InspectEventsQuery, variables, requestPolicy: 'network-only' });
  const [selected, setSelected] = useState<EventFieldsFragment | null>(null);
  const nodes = data?.events.nodes ?? [];
  const newestFirst = [...nodes].reverse();
  const oldest = nodes[0];
  const apply = () => {
    setFilters(draft);
    setPages([null]);
    setSelected(null);
  };
  return (
    <div className="console-columns inspector">
      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">Event history</h2>
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          {(['channel', 'type', 'subject'] as const).map((k) => (
            <input
              key={k}
              aria-label={`Filter by ${k}`}
              placeholder={k}
              value={draft[k]}
              onChange={(e) => setDraft({ ...draft, [k]: e.target.value.trim() })}
            />
          ))}
          <label>
            From{' '}
            <input
              type="datetime-local"
              value={draft.since}
              onChange={(e) => setDraft({ ...draft, since: e.target.value })}
            />
          </label>
          <label>
            To{' '}
            <input
              type="datetime-local"
              value={draft.until}
              onChange={(e) => setDraft({ ...draft, until: e.target.value })}
            />
          </label>
          <button type="submit">Apply</button>
        </form>
        {error && <p className="error">{error.message}</p>}
        <div className="pager">
          <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>
            Newer
          </button>
          <span className="muted" role="status">
            {fetching ? 'loading…' : nodes.length ? `#${nodes.at(-1)!.sequence} – #${oldest!.sequence}` : 'no events'}
          </span>
          <button
            type="button"
            disabled={!oldest || nodes.length < 50}
            onClick={() => oldest && setPages([...pages, oldest.cursor])}
          >
            Older
          </button>
        </div>
        <ol className="events" data-testid="history">
          {newestFirst.map((e) => (
            <li key={e.sequence} data-sequence={e.sequence}>
              <button
                type="button"
                className="row-button"
                aria-pressed={selected?.sequence === e.sequence}
                onClick={() => setSelected(e)}
              >
                <span className="seq">#{e.sequence}</span> <span className="chip">{e.channel}</span>{' '}
                <strong>{e.type}</strong> {e.subjectId && <span className="subject">{e.subjectId}</span>}{' '}
                <time className="meta">{new Date(String(e.occurredAt)).toLocaleString()}</time>
              </button>
            </li>
          ))}
        </ol>
      </section>
      <div>
        {selected && <EventDetail orgId={orgId} event={selected} />}
        <SendTestEvent orgId={orgId} />
        <SendNotification orgId={orgId} />
      </div>
    </div>
  );
}

function EventDetail({ orgId, event }: { orgId: string; event: EventFieldsFragment }) {
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

function SendTestEvent({ orgId }: { orgId: string }) {
  const [result, publish] = useMutation(PublishEventMutation);
  const [channel, setChannel] = useState('system');
  const [type, setType] = useState('console.test');
  const [subjectId, setSubjectId] = useState('');
  const [payload, setPayload] = useState('{"hello": "from the console"}');
  const [parseError, setParseError] = useState('');
  const send = () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (err) {
      setParseError(`The payload is not JSON: ${(err as Error).message}`);
      return;
    }
    setParseError('');
    void publish({ input: { orgId, channel, type, subjectId: subjectId || null, payload: parsed } });
  };
  return (
    <section className="card" aria-labelledby="test-event-title">
      <h2 id="test-event-title">Send a test event</h2>
      <div className="publish">
        <input aria-label="Test event channel" value={channel} onChange={(e) => setChannel(e.target.value.trim())} />
        <input aria-label="Test event type" value={type} onChange={(e) => setType(e.target.value.trim())} />
        <input
          aria-label="Test event subject"
          placeholder="subject (optional)"
          value={subjectId}
          onChange={(e) => setSubjectId(e.target.value.trim())}
        />
      </div>
      <textarea aria-label="Test event payload" rows={3} value={payload} onChange={(e) => setPayload(e.target.value)} />
      <button type="button" className="primary" disabled={result.fetching} onClick={send}>
        Send event
      </button>
      {(parseError || result.error) && <p className="error">{parseError || result.error?.message}</p>}
      {result.data && !result.error && !parseError && (
        <p className="muted" role="status">
          Stored as #{result.data.publishEvent.sequence}.
        </p>
      )}
    </section>
  );
}

function SendNotification({ orgId }: { orgId: string }) {
  const [result, send] = useMutation(SendNotificationMutation);
  const [userIds, setUserIds] = useState('');
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const recipients = userIds
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    <section className="card" aria-labelledby="notify-title">
      <h2 id="notify-title">Send a notification</h2>
      <div className="publish">
        <input
          aria-label="Notification recipients"
          placeholder="user ids, comma-separated"
          value={userIds}
          onChange={(e) => setUserIds(e.target.value)}
        />
        <input
          aria-label="Notification title"
          placeholder="title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
        />
        <input
          aria-label="Notification body"
          placeholder="body (optional)"
          value={body}
          onChange={(e) => setBody(e.target.value)}
        />
      </div>
      <button
        type="button"
        disabled={!recipients.length || !title.trim() || result.fetching}
        onClick={() => void send({ input: { orgId, userIds: recipients, title: title.trim(), body: body || null } })}
      >
        Send notification
      </button>
      {result.error && <p className="error">{result.error.message}</p>}
      {result.data && !result.error && (
        <p className="muted" role="status">
          Sent to {result.data.sendNotification.length} recipient{result.data.sendNotification.length === 1 ? '' : 's'}.
        </p>
      )}
    </section>
  );
}
