import { randomUUID } from 'node:crypto';
import type { Db, EventQuery, EventRecord, EventsTable, Membership, NewEvent, Organization, Role, User } from './types.js';

/**
 * The one query layer: plain functions over a Kysely handle (the database or an open transaction),
 * identical for SQLite and PostgreSQL.
 */

export type { Db as DbHandle } from './types.js';

export const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

export async function upsertUser(db: Db, id: string, name: string | null): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('users')
    .values({ id, name, created_at: now })
    .onConflict((oc) => (name === null ? oc.column('id').doNothing() : oc.column('id').doUpdateSet({ name })))
    .execute();
}

export async function getUsers(db: Db, ids: readonly string[]): Promise<User[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute();
}

export async function insertOrganization(db: Db, name: string): Promise<Organization> {
  const org = { id: newId('org'), name, last_seq: 0, pruned_through: 0, created_at: Date.now() };
  await db.insertInto('organizations').values(org).execute();
  return { id: org.id, name, createdAt: org.created_at };
}

export async function getOrganization(db: Db, id: string): Promise<Organization | undefined> {
  const row = await db.selectFrom('organizations').select(['id', 'name', 'created_at']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, name: row.name, createdAt: Number(row.created_at) };
}

export async function renameOrganization(db: Db, id: string, name: string): Promise<Organization | undefined> {
  await db.updateTable('organizations').set({ name }).where('id', '=', id).execute();
  return getOrganization(db, id);
}

export async function listOrganizationsOf(db: Db, userId: string): Promise<Organization[]> {
  const rows = await db
    .selectFrom('organizations as o')
    .innerJoin('memberships as m', 'm.org_id', 'o.id')
    .select(['o.id', 'o.name', 'o.created_at'])
    .where('m.user_id', '=', userId)
    .orderBy('o.created_at')
    .orderBy('o.id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: Number(r.created_at) }));
}

const toMembership = (r: { org_id: string; user_id: string; role: Role; created_at: number; name: string | null }): Membership => ({
  orgId: r.org_id,
  userId: r.user_id,
  role: r.role,
  name: r.name,
  createdAt: Number(r.created_at),
});

const memberships = (db: Db) =>
  db
    .selectFrom('memberships as m')
    .leftJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.org_id', 'm.user_id', 'm.role', 'm.created_at', 'u.name']);

export async function getMembership(db: Db, orgId: string, userId: string): Promise<Membership | undefined> {
  const row = await memberships(db).where('m.org_id', '=', orgId).where('m.user_id', '=', userId).executeTakeFirst();
  return row && toMembership(row);
}

export async function listMembers(db: Db, orgId: string): Promise<Membership[]> {
  const rows = await memberships(db).where('m.org_id', '=', orgId).orderBy('m.created_at').orderBy('m.user_id').execute();
  return rows.map(toMembership);
}

export async function putMembership(db: Db, orgId: string, userId: string, role: Role): Promise<Membership> {
  const now = Date.now();
  await db
    .insertInto('memberships')
    .values({ org_id: orgId, user_id: userId, role, created_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role }))
    .execute();
  const m = await getMembership(db, orgId, userId);
  if (!m) throw new Error(`membership ${orgId}/${userId} vanished inside its own transaction`);
  return m;
}

export async function deleteMembership(db: Db, orgId: string, userId: string): Promise<boolean> {
  const res = await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

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
  await db.insertInto('events').values(toRow(event)).execute();
  return event;
}

export async function lastSeq(db: Db, orgId: string): Promise<number | undefined> {
  return (await logBounds(db, orgId))?.lastSeq;
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
  const rows = await query.orderBy('seq').limit(q.limit).execute();
  return rows.map(fromRow);
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
