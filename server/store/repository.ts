import { newId } from './ids.js';
import type { Db, Membership, Organization, Role } from './types.js';

/**
 * The one query layer: plain functions over a Kysely handle (the database or an open transaction),
 * identical for SQLite and PostgreSQL.
 */

export type { Db as DbHandle } from './types.js';

export { newId } from './ids.js';

export async function upsertUser(db: Db, id: string, name: string | null): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('users')
    .values({ id, name, created_at: now })
    .onConflict((oc) => (name === null ? oc.column('id').doNothing() : oc.column('id').doUpdateSet({ name })))
    .execute();
}

/**
 * Takes the user's row lock until the transaction ends (creating the row of a user who never connected):
 * on PostgreSQL a second transaction for the same user waits here, so what it counts next is current.
 * SQLite runs one transaction at a time anyway.
 */
export async function lockUser(db: Db, id: string): Promise<void> {
  await db
    .insertInto('users')
    .values({ id, name: null, created_at: Date.now() })
    .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ name: eb.ref('users.name') })))
    .execute();
}

export async function countOwnedOrganizations(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('role', '=', 'OWNER')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertOrganization(db: Db, name: string): Promise<Organization> {
  const org = { id: newId('org'), name, last_seq: 0, pruned_through: 0, created_at: Date.now() };
  await db.insertInto('organizations').values(org).execute();
  return { id: org.id, name, createdAt: org.created_at };
}

export async function getOrganization(db: Db, id: string): Promise<Organization | undefined> {
  const row = await db
    .selectFrom('organizations')
    .select(['id', 'name', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
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

const toMembership = (r: {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: number;
  name: string | null;
}): Membership => ({
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
  const rows = await memberships(db)
    .where('m.org_id', '=', orgId)
    .orderBy('m.created_at')
    .orderBy('m.user_id')
    .execute();
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
  const res = await db
    .deleteFrom('memberships')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export {
  type AdmitPage,
  appendEvent,
  appendEvents,
  lastSeq,
  lastSeqs,
  listEventPage,
  listEvents,
  logBounds,
} from './event-log.js';
