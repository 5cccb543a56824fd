/**
 * `npm run bench` (second part): delivery latency through Redis across two instances against one instance
 * with in-memory pub/sub, in the same run. Two instances share PostgreSQL (a fresh database, dropped at the
 * end) and Redis (a fresh key prefix) on 127.0.0.1; events are published on instance A. Paced, bounded.
 *
 * Env: BENCH_REDIS_URL (redis://127.0.0.1:6379), BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_REDIS_SUBSCRIBERS (1000), BENCH_PACED_SECONDS (10).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Load,
  type Server,
  benchOrg,
  pct,
  publish,
  runBench,
  startSwitchboard,
  tokens,
  withBenchDatabase,
} from './harness.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.BENCH_REDIS_SUBSCRIBERS ?? 1_000);
const SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);
const RATE = 10;

async function measure(name: string, publishOn: Server, subscribeOn: Server, orgId: string) {
  const { member } = await tokens();
  const load = new Load(`ws://127.0.0.1:${subscribeOn.port}/graphql`, N, 'graphql-ws', { token: member, orgId });
  await load.until((r) => r.open >= N, `${name}: ${N} subscribers`, 120_000);
  await new Promise((r) => setTimeout(r, 1_000));
  await load.report(); // drop anything before
  const count = SECONDS * RATE;
  const firing = publish(publishOn, orgId, count, 1000 / RATE);
  const r = await load.until((x) => x.received >= N * count, `${name}: paced`, (SECONDS + 20) * 1000);
  await firing;
  await load.close();
  return {
    name,
    delivered: r.received,
    expected: N * count,
    p50: pct(r.latencies, 0.5),
    p95: pct(r.latencies, 0.95),
    p99: pct(r.latencies, 0.99),
  };
}

async function main(databaseUrl: string) {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-redis-'));
  const servers: Server[] = [];
  try {
    process.stdout.write(
      `\nRedis: ${N} graphql-ws subscribers, ${RATE} events/s for ${SECONDS} s, latency publish → receipt (ms)\n`,
    );
    const local = await startSwitchboard(join(dataDir, 'local'));
    servers.push(local);
    const localRow = await measure('one instance, in-memory pub/sub', local, local, await benchOrg(local, 'Local'));
    await local.stop();
    const shared = { DATABASE_URL: databaseUrl, REDIS_URL, REDIS_PREFIX: `switchboard-bench-${runId}:` };
    const a = await startSwitchboard(join(dataDir, 'a'), shared);
    const b = await startSwitchboard(join(dataDir, 'b'), shared);
    servers.push(a, b);
    const orgId = await benchOrg(a, 'Cluster');
    const rows = [localRow, await measure('two instances through Redis: publish on A, subscribers on B', a, b, orgId)];
    process.stdout.write('| setup | delivered | p50 | p95 | p99 | p50 minus local p50 |\n|---|---|---|---|---|---|\n');
    for (const r of rows) {
      process.stdout.write(
        `| ${r.name} | ${r.delivered}/${r.expected} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.p50 - localRow.p50} ms |\n`,
      );
    }
  } finally {
    for (const s of servers) await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench('Redis bench', 300_000, () => withBenchDatabase(main));
