import type SQLite from 'better-sqlite3';
import type { DialectAdapter } from 'kysely';
import type { Db } from './types.js';

/**
 * The embedded store's better-sqlite3 connection, found from any Kysely handle of that store (its transactions
 * included: they share the dialect's adapter). The append's hot statements (a sequence bump per organization, an
 * insert per event) run on it directly, synchronously: through Kysely each was a query object, plugins and a few
 * promises, a tenth of an event's CPU at ingest. Only inside a transaction Kysely opened on that same connection.
 */
const handles = new WeakMap<DialectAdapter, SQLite.Database>();

export function registerSqlite(db: Db, database: SQLite.Database): void {
  handles.set(db.getExecutor().adapter, database);
}

/** The connection under `db` when it is the embedded store's, else undefined (PostgreSQL). */
export const sqliteOf = (db: Db): SQLite.Database | undefined => handles.get(db.getExecutor().adapter);
