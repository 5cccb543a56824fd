import { isSqlite } from './log-append.js';
import type { Db } from './types.js';

/**
 * How an append takes its organizations' row locks (held until its transaction ends): `wait` queues behind
 * another transaction holding one; `skip` takes those that are free now and leaves the rest, so a group commit
 * never waits on an organization another instance is appending to (it commits that one aside, alone).
 */
export type LockMode = 'wait' | 'skip';

/**
 * Locks the organizations' rows, in id order (PostgreSQL locks the rows of `ORDER BY … FOR UPDATE` as the sort
 * returns them), so two appending transactions never wait on each other in a cycle; returns the ids locked. In
 * `wait` mode, an organization that does not exist is an error; in `skip` mode it is left out, like a locked one.
 * SQLite has no row locks: its write transaction holds the whole database, so every organization counts as
 * locked (sequence bumps find those that do not exist).
 */
export async function lockLogs(db: Db, orgIds: readonly string[], mode: LockMode): Promise<Set<string>> {
  if (orgIds.length === 0 || isSqlite(db)) return new Set(orgIds);
  const query = db
    .selectFrom('organizations')
    .select('id')
    .where('id', 'in', [...new Set(orgIds)])
    .orderBy('id')
    .forUpdate();
  const locked = new Set((await (mode === 'skip' ? query.skipLocked() : query).execute()).map((r) => r.id));
  const missing = mode === 'wait' ? orgIds.find((id) => !locked.has(id)) : undefined;
  if (missing !== undefined) throw new Error(`organization ${missing} does not exist`);
  return locked;
}
