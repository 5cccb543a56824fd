import pg from 'pg';
import { outboxSchemaSql } from '../server/outbox/outbox-sql.js';

/**
 * `npm run outbox:init`: creates the transactional outbox (docs/change-feeds.md) in the app's PostgreSQL,
 * OUTBOX_DATABASE_URL (table OUTBOX_TABLE, default switchboard_outbox). Safe to run again. `--print` prints the
 * SQL instead, for a migration of the app's own.
 */
const table = process.env.OUTBOX_TABLE ?? 'switchboard_outbox';
const sql = outboxSchemaSql(table);
if (process.argv.includes('--print')) {
  process.stdout.write(sql);
} else {
  const url = process.env.OUTBOX_DATABASE_URL;
  if (!url) {
    process.stderr.write(
      "OUTBOX_DATABASE_URL is not set: the app's PostgreSQL, where the outbox goes (or use --print).\n",
    );
    process.exit(1);
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
    process.stdout.write(`The outbox ${table} is ready (with ${table}_dead and its trigger).\n`);
  } finally {
    await client.end();
  }
}
