import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { outboxSchemaSql } from '../../server/outbox/outbox-sql.js';
import { benchOrg, median, pct, runBench, startSwitchboard, timedSubscriber, withBenchDatabase } from './harness.js';

/**
 * Events from the app's database (docs/change-feeds.md), from the app's commit to a graphql-ws subscriber: the
 * transactional outbox, then change capture (CDC, against a private PostgreSQL with wal_level=logical).
 * - latency: one row per app transaction, 50 a second for 10 s; p50 / p99 of commit → receive;
 * - throughput: 20,000 rows committed in transactions of 500 as fast as the database takes them; rows per second
 *   from the first commit to the last event received.
 * A built server on the embedded store, its outbox in a fresh database of the machine's PostgreSQL
 * (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards.
 */
const PACED_PER_SECOND = 50;
const PACED_SECONDS = 10;
const BURST_ROWS = 20_000;
const BURST_TX_ROWS = 500;

runBench('outbox', 10 * 60_000, () => withBenchDatabase(outboxBench));

async function outboxBench(url: string) {
  const app = new pg.Client({ connectionString: url });
  await app.connect();
  await app.query(outboxSchemaSql('switchboard_outbox'));
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-outbox-'));
  const server = await startSwitchboard(dataDir, { OUTBOX_DATABASE_URL: url });
  try {
    const orgId = await benchOrg(server, 'Outbox bench');
    const { received, until, dispose } = await timedSubscriber(server, orgId, 'data.sync');
    const insert = `insert into switchboard_outbox (org_id, channel, type, payload)
      select $1, 'data', 'data.sync', jsonb_build_object('n', n, 't', $4::bigint) from generate_series($2::int, $3::int) as n`;
    // Latency, paced.
    const paced = PACED_PER_SECOND * PACED_SECONDS;
    const started = Date.now();
    for (let i = 0; i < paced; i++) {
      const wait = started + (i * 1000) / PACED_PER_SECOND - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await app.query(insert, [orgId, i, i, Date.now()]);
    }
    await until(paced, 30_000);
    const latencies = received.map((r) => r.at - r.t);
    // Throughput, a burst.
    received.length = 0;
    const burstStart = Date.now();
    for (let i = 0; i < BURST_ROWS; i += BURST_TX_ROWS)
      await app.query(insert, [orgId, i, i + BURST_TX_ROWS - 1, Date.now()]);
    const committed = Date.now();
    await until(BURST_ROWS, 120_000);
    const done = Math.max(...received.map((r) => r.at));
    const ordered = received.every((r, i) => r.n === i);
    console.log(
      JSON.stringify({
        bench: 'outbox',
        paced: { perSecond: PACED_PER_SECOND, rows: paced, p50Ms: median(latencies), p99Ms: pct(latencies, 0.99) },
        burst: {
          rows: BURST_ROWS,
          commitMs: committed - burstStart,
          deliveredMs: done - burstStart,
          rowsPerSecond: Math.round(BURST_ROWS / ((done - burstStart) / 1000)),
          inOrder: ordered,
        },
      }),
    );
    await dispose();
  } finally {
    await server.stop();
    await app.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
