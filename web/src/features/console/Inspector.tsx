import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import type { EventFieldsFragment } from '../../gql/graphql';
import { InspectEventsQuery } from '../../operations';
import { EventDetail } from './EventDetail';
import { SendNotification, SendTestEvent } from './SendForms';

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
