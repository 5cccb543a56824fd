import { sql } from 'kysely';
import { sqliteOf } from './sqlite-handle.js';
import { toRow } from './event-rows.js';
import { newId } from './ids.js';
import type { Db, EventRecord, NewEvent } from './types.js';

/** Rows per INSERT: well under SQLite's 32,766 bound parameters with 13 columns. */
const ROWS_PER_INSERT = 500;
/** Organizations per UPDATE: two parameters each in the CASE, one in the IN list. */
const ORGS_PER_UPDATE = 500;

/**
 * Appends events to several organizations' logs at once, each in the given order with consecutive sequence
 * numbers after its last one: one UPDATE bumps every organization's `last_seq` by its count, then inserts of all
 * the events and their audiences. Must run inside a transaction: all of it is committed, or none. With several
 * organizations, the caller locks them first (lockLogs, in id order: the UPDATE's own row order is the plan's).
 * An organization that does not exist fails the whole call.
 */
export async function appendToLogs(
  db: Db,
  groups: ReadonlyArray<{ orgId: string; inputs: readonly NewEvent[] }>,
): Promise<Map<string, EventRecord[]>> {
  const counts = [...groups].filter((g) => g.inputs.length > 0).sort((a, b) => compare(a.orgId, b.orgId));
  const lastSeqs = await bumpLogs(
    db,
    counts.map((g) => [g.orgId, g.inputs.length]),
  );
  const now = Date.now();
  const out = new Map<string, EventRecord[]>();
  for (const g of counts) {
    const first = (lastSeqs.get(g.orgId) as number) - g.inputs.length + 1;
    out.set(
      g.orgId,
      g.inputs.map((input, i) => recordOf(input, g.orgId, first + i, now)),
    );
  }
  await insertEvents(db, [...out.values()].flat());
  return out;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The stored event, field by field: spreading the input and deleting an absent audience turned every record into
 * a dictionary-mode object, slower to read for everything after (the insert, each delivery, the feed).
 */
function recordOf(input: NewEvent, orgId: string, seq: number, occurredAt: number): EventRecord {
  const event: EventRecord = {
    id: newId('evt'),
    orgId,
    seq,
    channel: input.channel,
    type: input.type,
    subjectId: input.subjectId,
    payload: input.payload,
    actor: input.actor,
    occurredAt,
  };
  if (input.audience) event.audience = input.audience;
  return event;
}

/**
 * Bumps each organization's `last_seq` by its count; returns the new values. PostgreSQL gets one UPDATE per 500
 * organizations (a CASE on the id); SQLite one prepared one-row UPDATE per organization, since it evaluates that
 * CASE branch by branch for every row (quadratic in the organizations of a commit).
 */
async function bumpLogs(db: Db, counts: ReadonlyArray<[string, number]>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const sqlite = sqliteOf(db);
  if (sqlite) {
    const bump = sqlite.prepare<[number, string], { last_seq: number }>(BUMP_ONE);
    for (const [id, n] of counts) {
      const row = bump.get(n, id);
      if (row === undefined) throw new Error(`organization ${id} does not exist`);
      out.set(id, Number(row.last_seq));
    }
    return out;
  }
  for (let i = 0; i < counts.length; i += ORGS_PER_UPDATE) {
    const part = counts.slice(i, i + ORGS_PER_UPDATE);
    const cases = sql.join(
      part.map(([id, n]) => sql`when ${id} then cast(${n} as bigint)`),
      sql` `,
    );
    const rows = await db
      .updateTable('organizations')
      .set({ last_seq: sql<number>`last_seq + case id ${cases} else 0 end` })
      .where(
        'id',
        'in',
        part.map(([id]) => id),
      )
      .returning(['id', 'last_seq'])
      .execute();
    for (const r of rows) out.set(r.id, Number(r.last_seq));
    const missing = part.find(([id]) => !out.has(id));
    if (missing) throw new Error(`organization ${missing[0]} does not exist`);
  }
  return out;
}

const BUMP_ONE = 'update organizations set last_seq = last_seq + ? where id = ? returning last_seq';
/** Whether `db` is the embedded store (a handful of hot statements differ). */
export const isSqlite = (db: Db) => sqliteOf(db) !== undefined;

/** The events table's columns, bound by name from `toRow`'s row in the SQLite insert. */
const COLUMNS = [
  'org_id',
  'seq',
  'id',
  'channel',
  'type',
  'subject_id',
  'payload',
  'actor_id',
  'actor_name',
  'actor_is_service',
  'occurred_at',
  'restricted',
  'audience_roles',
] as const;
const INSERT_ONE = `insert into events (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => `@${c}`).join(', ')})`;

/**
 * All the events, and their audiences. PostgreSQL gets multi-row INSERTs (one round trip per 500 rows); SQLite
 * the same one-row statement again and again (prepared once): measured on the embedded store, that costs half
 * of a multi-row statement per row, whose VALUES list SQLite builds and walks as a table first.
 */
async function insertEvents(db: Db, events: readonly EventRecord[]): Promise<void> {
  const sqlite = sqliteOf(db);
  if (sqlite) {
    const insert = sqlite.prepare(INSERT_ONE);
    for (const e of events) insert.run(toRow(e));
  } else {
    for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
      await db
        .insertInto('events')
        .values(events.slice(i, i + ROWS_PER_INSERT).map(toRow))
        .execute();
    }
  }
  const audience = events.flatMap((e) =>
    (e.audience?.userIds ?? []).map((user_id) => ({ org_id: e.orgId, seq: e.seq, user_id })),
  );
  for (let i = 0; i < audience.length; i += ROWS_PER_INSERT) {
    await db
      .insertInto('event_audience')
      .values(audience.slice(i, i + ROWS_PER_INSERT))
      .execute();
  }
}
