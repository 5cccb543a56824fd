import { fromRow, rolesOfRow } from './event-rows.js';
import { appendToLogs } from './log-append.js';
import type { Db, EventQuery, EventRecord, EventsTable, NewEvent } from './types.js';

/** The ordered per-organization event log: append, bounds and reads. Same SQL for SQLite and PostgreSQL. */

/**
 * Appends an event to its organization's log. Must run inside a transaction: bumping
 * `organizations.last_seq` takes the row lock that serializes concurrent appenders (PostgreSQL)
 * and a rollback returns the number, so sequences have no holes.
 */
export async function appendEvent(db: Db, input: NewEvent): Promise<EventRecord> {
  const [event] = await appendEvents(db, input.orgId, [input]);
  return event as EventRecord;
}

/**
 * Appends events of one organization, in the given order, with consecutive sequence numbers: one bump of
 * `organizations.last_seq` by their count (one row lock, as for one event), then multi-row inserts. Must run
 * inside a transaction, like `appendEvent`: all of them are committed, or none.
 */
export async function appendEvents(db: Db, orgId: string, inputs: readonly NewEvent[]): Promise<EventRecord[]> {
  for (const input of inputs) {
    if (input.orgId !== orgId) throw new Error(`appendEvents: an event of ${input.orgId} in a batch of ${orgId}`);
  }
  return (await appendToLogs(db, [{ orgId, inputs }])).get(orgId) ?? [];
}

export async function lastSeq(db: Db, orgId: string): Promise<number | undefined> {
  return (await logBounds(db, orgId))?.lastSeq;
}

const POSITIONS_PER_QUERY = 500;

/** The highest sequence of each organization that exists among `orgIds`, a few hundred per query. */
export async function lastSeqs(db: Db, orgIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < orgIds.length; i += POSITIONS_PER_QUERY) {
    const ids = orgIds.slice(i, i + POSITIONS_PER_QUERY);
    const rows = await db.selectFrom('organizations').select(['id', 'last_seq']).where('id', 'in', ids).execute();
    for (const r of rows) out.set(r.id, Number(r.last_seq));
  }
  return out;
}

/** The retained part of an organization's log: events in (prunedThrough, lastSeq]. */
export async function logBounds(
  db: Db,
  orgId: string,
): Promise<{ lastSeq: number; prunedThrough: number } | undefined> {
  const row = await db
    .selectFrom('organizations')
    .select(['last_seq', 'pruned_through'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  return row && { lastSeq: Number(row.last_seq), prunedThrough: Number(row.pruned_through) };
}

/** Events matching a query's organization, position and filters (no order, no limit): one builder, two reads. */
function matching(db: Db, q: EventQuery) {
  let query = db.selectFrom('events').where('org_id', '=', q.orgId).where('seq', '>', q.afterSeq);
  if (q.channels?.length) query = query.where('channel', 'in', q.channels);
  if (q.types?.length) query = query.where('type', 'in', q.types);
  if (q.subjectIds?.length) query = query.where('subject_id', 'in', q.subjectIds);
  if (q.hiddenChannels?.length) query = query.where('channel', 'not in', q.hiddenChannels);
  if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
  if (q.since !== undefined) query = query.where('occurred_at', '>=', q.since);
  if (q.until !== undefined) query = query.where('occurred_at', '<=', q.until);
  const { viewerId, viewerRole } = q;
  if (viewerId === undefined) return query;
  return query.where((eb) =>
    eb.or([
      eb('restricted', '=', 0),
      eb.exists(
        eb
          .selectFrom('event_audience as a')
          .select('a.user_id')
          .whereRef('a.org_id', '=', 'events.org_id')
          .whereRef('a.seq', '=', 'events.seq')
          .where('a.user_id', '=', viewerId),
      ),
      ...(viewerRole ? [eb('audience_roles', 'like', `%,${viewerRole},%`)] : []),
    ]),
  );
}

/** Stored events after `afterSeq`, oldest first, narrowed by the filters; payloads read unmetered (replay, gap fills). */
export async function listEvents(db: Db, q: EventQuery): Promise<EventRecord[]> {
  const rows = await matching(db, q).selectAll().orderBy('seq').limit(q.limit).execute();
  return withAudiences(db, q.orgId, rows);
}

/**
 * Told the stored size of a page's payloads before they are read (`count` events, `bytes` in total);
 * throws to refuse the page, which is then never read.
 */
export type AdmitPage = (bytes: number, count: number) => void;

/**
 * One page of `listEvents` (at most `q.limit` events, and whether more follow) whose payloads are admitted
 * before they are read: the page's positions and payload sizes come first (`octet_length`, no payload),
 * then `admit`, then the rows themselves. A refused page costs a few bytes per event, never its payloads.
 */
export async function listEventPage(
  db: Db,
  q: EventQuery,
  admit: AdmitPage,
): Promise<{ events: EventRecord[]; hasNextPage: boolean }> {
  const sizes = await matching(db, q)
    .select((eb) => ['seq', eb.fn<number | null>('octet_length', ['payload']).as('bytes')])
    .orderBy('seq', q.newest ? 'desc' : 'asc')
    .limit(q.limit + 1)
    .execute();
  const page = sizes.slice(0, q.limit);
  // The newest page has nothing after it (when it was read).
  const hasNextPage = !q.newest && sizes.length > q.limit;
  admit(
    page.reduce((sum, r) => sum + Number(r.bytes ?? 0), 0),
    page.length,
  );
  if (page.length === 0) return { events: [], hasNextPage: false };
  // The admitted rows by position: events never change once written (retention may have removed some since).
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('org_id', '=', q.orgId)
    .where(
      'seq',
      'in',
      page.map((r) => r.seq),
    )
    .orderBy('seq')
    .execute();
  return { events: await withAudiences(db, q.orgId, rows), hasNextPage };
}

/** Restricted events carry their audience, so that live fan-out (gap fills included) can honour it. */
async function withAudiences(db: Db, orgId: string, rows: EventsTable[]): Promise<EventRecord[]> {
  const events = rows.map(fromRow);
  const restrictedRows = rows.filter((r) => Number(r.restricted) === 1);
  const restricted = events.filter((_, i) => Number(rows[i]?.restricted) === 1);
  if (restricted.length === 0) return events;
  const audience = await db
    .selectFrom('event_audience')
    .select(['seq', 'user_id'])
    .where('org_id', '=', orgId)
    .where(
      'seq',
      'in',
      restricted.map((e) => e.seq),
    )
    .execute();
  restricted.forEach((e, i) => {
    e.audience = {
      userIds: audience.filter((a) => Number(a.seq) === e.seq).map((a) => a.user_id),
      roles: rolesOfRow(restrictedRows[i] as EventsTable),
    };
  });
  return events;
}
