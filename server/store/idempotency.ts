import { appendEvents } from './event-log.js';
import type { Db, EventRecord, NewEvent } from './types.js';

/**
 * Appends with idempotency keys: an event whose `(org, key)` already named an event is not appended again;
 * its outcome points at that first event. Same SQL for SQLite and PostgreSQL.
 */

/** What became of one event given to `appendEventsOnce`, at its position. */
export type AppendOutcome =
  | { duplicate: false; event: EventRecord }
  /** Its key already named an event (an earlier call, or an earlier position of this one): nothing appended. */
  | { duplicate: true; original: { id: string; seq: number } };

/** Told how many events are about to be appended (duplicates left out); throws to refuse them all. */
export type AdmitAppend = (count: number) => void;

/**
 * Appends `inputs` (all of `orgId`, in order, consecutive sequences) except those whose idempotency key
 * (`keys[i]`, undefined = none) already names an event, and records the keys of the new ones. Must run inside a
 * transaction: all of it is committed, or none.
 *
 * Exact under concurrency: before reading the keys, the organization's row is locked (the same lock every
 * append takes), so a second transaction with the same key waits until the first commits, and under READ
 * COMMITTED (PostgreSQL's default; SQLite runs one transaction at a time) its next statement sees the first's
 * keys. The primary key on (org_id, key) makes a second event for one key impossible even so.
 */
export async function appendEventsOnce(
  db: Db,
  orgId: string,
  inputs: readonly NewEvent[],
  keys: readonly (string | undefined)[],
  admit: AdmitAppend = () => {},
): Promise<AppendOutcome[]> {
  const wanted = [...new Set(keys.filter((k): k is string => k !== undefined))];
  let known = new Map<string, { id: string; seq: number }>();
  if (wanted.length > 0) {
    await lockLog(db, orgId);
    known = await findPublished(db, orgId, wanted);
  }
  // Each position: a known event, or an index into `fresh` (a key's first position appends, later ones refer).
  const fresh: NewEvent[] = [];
  const firstOf = new Map<string, number>();
  const plan = inputs.map((input, i): { original: { id: string; seq: number } } | { fresh: number } => {
    const key = keys[i];
    const original = key === undefined ? undefined : known.get(key);
    if (original) return { original };
    const earlier = key === undefined ? undefined : firstOf.get(key);
    if (earlier !== undefined) return { fresh: earlier };
    if (key !== undefined) firstOf.set(key, fresh.length);
    fresh.push(input);
    return { fresh: fresh.length - 1 };
  });
  if (fresh.length > 0) admit(fresh.length);
  const appended = await appendEvents(db, orgId, fresh);
  await recordKeys(
    db,
    orgId,
    [...firstOf].map(([key, i]) => ({ key, seq: (appended[i] as EventRecord).seq })),
  );
  const claimed = new Set<number>();
  return plan.map((p): AppendOutcome => {
    if ('original' in p) return { duplicate: true, original: p.original };
    const event = appended[p.fresh] as EventRecord;
    if (claimed.has(p.fresh)) return { duplicate: true, original: { id: event.id, seq: event.seq } };
    claimed.add(p.fresh);
    return { duplicate: false, event };
  });
}

/**
 * Takes the organization's row lock until the transaction ends, as bumping `last_seq` does: on PostgreSQL a
 * second appender of the organization waits here. A no-op update, because SQLite has no `FOR UPDATE`.
 */
async function lockLog(db: Db, orgId: string): Promise<void> {
  const locked = await db
    .updateTable('organizations')
    .set((eb) => ({ last_seq: eb.ref('last_seq') }))
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (Number(locked.numUpdatedRows) === 0) throw new Error(`organization ${orgId} does not exist`);
}

const KEYS_PER_QUERY = 500;

/** The events already published under these keys (a key goes with its event, so each is still in the log). */
async function findPublished(
  db: Db,
  orgId: string,
  keys: readonly string[],
): Promise<Map<string, { id: string; seq: number }>> {
  const out = new Map<string, { id: string; seq: number }>();
  for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
    const rows = await db
      .selectFrom('idempotency_keys as k')
      .innerJoin('events as e', (join) => join.onRef('e.org_id', '=', 'k.org_id').onRef('e.seq', '=', 'k.seq'))
      .select(['k.key', 'e.id', 'e.seq'])
      .where('k.org_id', '=', orgId)
      .where('k.key', 'in', keys.slice(i, i + KEYS_PER_QUERY))
      .execute();
    for (const r of rows) out.set(r.key, { id: r.id, seq: Number(r.seq) });
  }
  return out;
}

async function recordKeys(db: Db, orgId: string, entries: ReadonlyArray<{ key: string; seq: number }>) {
  const now = Date.now();
  for (let i = 0; i < entries.length; i += KEYS_PER_QUERY) {
    await db
      .insertInto('idempotency_keys')
      .values(
        entries.slice(i, i + KEYS_PER_QUERY).map((e) => ({ org_id: orgId, key: e.key, seq: e.seq, created_at: now })),
      )
      .execute();
  }
}
