import { newId } from './ids.js';
import type { Db, EventQuery, EventRecord, EventsTable, NewEvent } from './types.js';

/** The ordered per-organization event log: append, bounds and reads. Same SQL for SQLite and PostgreSQL. */

/**
 * Appends an event to its organization's log. Must run inside a transaction: bumping
 * `organizations.last_seq` takes the row lock that serializes concurrent appenders (PostgreSQL)
 * and a rollback returns the number, so sequences have no holes.
 */
export async function appendEvent(db: Db, input: NewEvent): Promise<EventRecord> {
  const bumped = await db
    .updateTable('organizations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('id', '=', input.orgId)
    .returning('last_seq')
    .executeTakeFirst();
  if (!bumped) throw new Error(`organization ${input.orgId} does not exist`);
  const event: EventRecord = { ...input, id: newId('evt'), seq: Number(bumped.last_seq), occurredAt: Date.now() };
  if (!event.audience) delete event.audience;
  await db.insertInto('events').values(toRow(event)).execute();
  if (event.audience?.length) {
    await db
      .insertInto('event_audience')
      .values(event.audience.map((user_id) => ({ org_id: event.orgId, seq: event.seq, user_id })))
      .execute();
  }
  return event;
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
export async function logBounds(db: Db, orgId: string): Promise<{ lastSeq: number; prunedThrough: number } | undefined> {
  const row = await db.selectFrom('organizations').select(['last_seq', 'pruned_through']).where('id', '=', orgId).executeTakeFirst();
  return row && { lastSeq: Number(row.last_seq), prunedThrough: Number(row.pruned_through) };
}

/** Stored events after `afterSeq`, oldest first, narrowed by the filters. */
export async function listEvents(db: Db, q: EventQuery): Promise<EventRecord[]> {
  let query = db.selectFrom('events').selectAll().where('org_id', '=', q.orgId).where('seq', '>', q.afterSeq);
  if (q.channels?.length) query = query.where('channel', 'in', q.channels);
  if (q.types?.length) query = query.where('type', 'in', q.types);
  if (q.subjectIds?.length) query = query.where('subject_id', 'in', q.subjectIds);
  const viewerId = q.viewerId;
  if (viewerId !== undefined) {
    query = query.where((eb) =>
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
      ]),
    );
  }
  const rows = await query.orderBy('seq').limit(q.limit).execute();
  const events = rows.map(fromRow);
  await attachAudiences(db, q.orgId, events, rows);
  return events;
}

/** Restricted events carry their audience, so that live fan-out (gap fills included) can honour it. */
async function attachAudiences(db: Db, orgId: string, events: EventRecord[], rows: EventsTable[]): Promise<void> {
  const restricted = events.filter((_, i) => Number(rows[i]?.restricted) === 1);
  if (restricted.length === 0) return;
  const audience = await db
    .selectFrom('event_audience')
    .select(['seq', 'user_id'])
    .where('org_id', '=', orgId)
    .where('seq', 'in', restricted.map((e) => e.seq))
    .execute();
  for (const e of restricted) e.audience = audience.filter((a) => Number(a.seq) === e.seq).map((a) => a.user_id);
}

function toRow(e: EventRecord): EventsTable {
  return {
    org_id: e.orgId,
    seq: e.seq,
    id: e.id,
    channel: e.channel,
    type: e.type,
    subject_id: e.subjectId,
    payload: e.payload === undefined || e.payload === null ? null : JSON.stringify(e.payload),
    actor_id: e.actor.id,
    actor_name: e.actor.name,
    actor_is_service: e.actor.isService ? 1 : 0,
    occurred_at: e.occurredAt,
    restricted: e.audience?.length ? 1 : 0,
  };
}

function fromRow(r: EventsTable): EventRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    seq: Number(r.seq),
    channel: r.channel,
    type: r.type,
    subjectId: r.subject_id,
    payload: r.payload === null ? null : JSON.parse(r.payload),
    actor: { id: r.actor_id, name: r.actor_name, isService: Number(r.actor_is_service) === 1 },
    occurredAt: Number(r.occurred_at),
  };
}
