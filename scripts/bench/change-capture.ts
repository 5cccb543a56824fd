import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPrivatePostgres } from '../../tests/support/private-postgres.js';
import { benchOrg, median, pct, runBench, startSwitchboard, timedSubscriber } from './harness.js';

/**
 * Change capture (docs/change-feeds.md), from the app's commit to a graphql-ws subscriber, against a private
 * PostgreSQL with wal_level=logical (started as the `postgres` OS user: run as root, as CI does):
 * - latency: one UPDATE per transaction, 50 a second for 10 s; p50 / p99 of commit → receive;
 * - throughput: 5,000 single-row transactions as fast as one connection commits them, and 20,000 rows in
 *   transactions of 500; rows per second from the first commit to the last event received.
 */
const PACED_PER_SECOND = 50;
const PACED_SECONDS = 10;
const SMALL_TX = 5_000;
const BIG_ROWS = 20_000;
const BIG_TX_ROWS = 500;

runBench('change-capture', 10 * 60_000, async () => {
  const database = await startPrivatePostgres();
  const app = new pg.Client({ connectionString: database.url });
  await app.connect();
  await app.query('create table readings (id serial primary key, org_id text not null, n integer, t bigint)');
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-cdc-'));
  const tables = [{ table: 'readings', orgColumn: 'org_id', columns: ['n', 't'] }];
  const server = await startSwitchboard(dataDir, {
    CDC_DATABASE_URL: database.url,
    CDC_TABLES: JSON.stringify(tables),
  });
  try {
    const orgId = await benchOrg(server, 'Change capture bench');
    const { received, until, dispose } = await timedSubscriber(server, orgId, 'readings.insert');
    const insert = (from: number, to: number) =>
      app.query('insert into readings (org_id, n, t) select $1, n, $4 from generate_series($2::int, $3::int) as n', [
        orgId,
        from,
        to,
        Date.now(),
      ]);
    const paced = PACED_PER_SECOND * PACED_SECONDS;
    const started = Date.now();
    for (let i = 0; i < paced; i++) {
      const wait = started + (i * 1000) / PACED_PER_SECOND - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await insert(i, i);
    }
    await until(paced, 30_000);
    const latencies = received.map((r) => r.at - r.t);
    const burst = async (rows: number, perTx: number) => {
      received.length = 0;
      const from = Date.now();
      for (let i = 0; i < rows; i += perTx) await insert(i, i + perTx - 1);
      await until(rows, 180_000);
      const ms = Math.max(...received.map((r) => r.at)) - from;
      return {
        rows,
        perTransaction: perTx,
        rowsPerSecond: Math.round(rows / (ms / 1000)),
        inOrder: received.every((r, i) => r.n === i),
      };
    };
    const small = await burst(SMALL_TX, 1);
    const big = await burst(BIG_ROWS, BIG_TX_ROWS);
    console.log(
      JSON.stringify({
        bench: 'change-capture',
        paced: { perSecond: PACED_PER_SECOND, rows: paced, p50Ms: median(latencies), p99Ms: pct(latencies, 0.99) },
        singleRowTransactions: small,
        bigTransactions: big,
      }),
    );
    await dispose();
  } finally {
    await server.stop();
    await app.end();
    database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
