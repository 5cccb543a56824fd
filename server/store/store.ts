import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.js';
import { registerSqlite } from './sqlite-handle.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import type { Database, Db } from './types.js';

/** The storage seam: a Kysely handle plus lifecycle. Queries live in repository.ts. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  /** Runs `fn` in one transaction (serializes appends per organization). */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /**
   * A cheap reading that is the same at two moments only if nothing was committed to the store in between
   * (by any process); different readings may still mean nothing changed. Lets the feeds' position check skip
   * its read of every organization while the store is quiet (issue 18).
   */
  commitMark(): Promise<string>;
  close(): Promise<void>;
}

export interface StoreOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Trouble the store works around (the embedded store's checkpointer stopped), for the log. */
  onWarning?: (message: string) => void;
}

// PostgreSQL returns int8 as strings; every bigint here is a millisecond time or a sequence number,
// both well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** Opens the configured store and brings its schema up to date. */
export async function createStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? openPostgres(options.databaseUrl)
    : openSqlite(options.dataDir, options.onWarning);
  try {
    await migrate(store.db);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function openSqlite(dataDir: string, onWarning?: (message: string) => void): Store {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(join(dataDir, 'switchboard.sqlite'));
  const lock = lockDataDir(dataDir);
  let database: SQLite.Database | undefined;
  try {
    database = new SQLite(file);
    configure(database);
  } catch (err) {
    database?.close();
    lock.close();
    // SQLite names no file ("file is not a database"): say which, and what to do.
    throw new Error(
      `The embedded store ${file} cannot be opened: ${(err as Error).message}. Move the file aside to start with an empty store, or set DATA_DIR to another directory.`,
      { cause: err },
    );
  }
  const checkpointer = new WalCheckpointer(file, onWarning);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  registerSqlite(db, database);
  return {
    kind: 'sqlite',
    db,
    transaction: async (fn) => {
      const result = await db.transaction().execute(fn);
      checkpointer.afterCommit();
      return result;
    },
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    // Only this connection writes rows (the data directory's lock keeps other processes out; the checkpointer
    // only copies pages), and Kysely runs one statement or transaction on it at a time: the count of rows it
    // changed can only stay put while nothing is written.
    commitMark: async () => {
      const { rows } = await sql<{ n: number }>`select total_changes() as n`.execute(db);
      return String(rows[0]?.n);
    },
    close: async () => {
      await checkpointer.close();
      await db.destroy();
      lock.close();
    },
  };
}

function configure(database: SQLite.Database): void {
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // Checkpoints run on the checkpointer's thread; this connection's own is the backstop (wal-checkpointer.ts).
  database.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  // After a restart of the WAL, its file is cut back to this size (a runaway WAL does not keep its disk space).
  // Well above the backstop: in steady state the file is reused in place, not cut and grown again at each restart.
  database.pragma(`journal_size_limit = ${WAL_FILE_KEPT_BYTES}`);
}

/** WAL pages past which the server's connection checkpoints itself, on the event loop: 16 MiB. */
const BACKSTOP_CHECKPOINT_PAGES = 4_096;
/**
 * The WAL file's size kept after a restart. Cut back to 4 MiB, the file was grown again by every restart's writes
 * (about twice a second under mixed-organization ingest), each new block allocated by the file system: keeping it
 * measured +7 % events/s on that load (docs/benchmarks.md). At most 64 MiB stays on disk after a restart.
 */
const WAL_FILE_KEPT_BYTES = 64 * 1024 * 1024;

const CACHED_STATEMENTS = 256;

/**
 * Kysely's SQLite driver prepares every query again; preparing was a tenth of a publish's CPU. The same SQL
 * text gets the same prepared statement (Kysely runs them with `all`/`run`, one at a time on the one
 * connection, never iterating two at once), most recently used first, at most CACHED_STATEMENTS of them.
 */
function withStatementCache(database: SQLite.Database): SQLite.Database {
  const prepare = database.prepare.bind(database);
  const cache = new Map<string, SQLite.Statement>();
  database.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) cache.delete(source);
    else statement = prepare(source);
    cache.set(source, statement);
    if (cache.size > CACHED_STATEMENTS) cache.delete(cache.keys().next().value as string);
    return statement;
  }) as typeof database.prepare;
  return database;
}

/**
 * One process per embedded store: a second one would assign sequence numbers the first never hears of. A small
 * SQLite file beside the store, held in exclusive locking mode for the process's life, is the lock (the OS drops
 * it if the process dies, so there is nothing stale to clean up). The store itself is opened in normal locking
 * mode, which the checkpointer's second connection needs.
 */
function lockDataDir(dataDir: string): SQLite.Database {
  const lock = new SQLite(join(dataDir, 'switchboard.lock'));
  lock.pragma('locking_mode = EXCLUSIVE');
  lock.pragma('busy_timeout = 0');
  try {
    lock.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS held (at INTEGER); COMMIT;');
    return lock;
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(
        `DATA_DIR ${resolve(dataDir)} is in use by another Switchboard process. The embedded store serves one process; ` +
          'stop the other one, choose another DATA_DIR, or set DATABASE_URL (PostgreSQL) to run several instances.',
      );
    }
    throw err;
  }
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    // xmin:xmax:in-progress ids of the whole cluster. The same snapshot twice means no transaction id was
    // assigned in between (no new write started) and none of those in progress ended: nothing was committed.
    // Any write anywhere in the cluster changes it, which only costs the skip.
    commitMark: async () => {
      const { rows } = await sql<{ s: string }>`select pg_current_snapshot()::text as s`.execute(db);
      return String(rows[0]?.s);
    },
    close: () => db.destroy(),
  };
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: 'switchboard_migrations',
    migrationLockTableName: 'switchboard_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
