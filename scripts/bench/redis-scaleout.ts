/**
 * `npm run bench` (after redis-latency.ts): scale-out through Redis, in one run. One instance with in-memory
 * pub/sub, then two and three instances behind one Redis server and behind a Redis Cluster (three primaries
 * with a replica each, sharded pub/sub), every Redis of the script's own on 127.0.0.1. Events are published
 * on instance A; the subscribers are spread over the other instances (all on A when it is alone), so every
 * delivery crosses Redis. Per row: publish → receipt p50/p99, and CPU per delivered message of the
 * Switchboard processes together and of the Redis processes together (with, in brackets, what Redis spends
 * as long with nothing published). Paced, bounded.
 *
 * Env: BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_SCALEOUT_SUBSCRIBERS (300),
 * BENCH_SCALEOUT_RATE (20 events/s), BENCH_SCALEOUT_SECONDS (5).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OwnRedis, startOwnRedis } from '../../tests/support/redis-server.js';
import { type OwnCluster, startOwnCluster } from '../../tests/support/redis-topologies.js';
import {
  Load,
  type Server,
  benchOrg,
  cpuMs,
  pct,
  publish,
  runBench,
  startSwitchboard,
  sum,
  tokens,
  withBenchDatabase,
} from './harness.js';

const N = Number(process.env.BENCH_SCALEOUT_SUBSCRIBERS ?? 300);
const RATE = Number(process.env.BENCH_SCALEOUT_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SCALEOUT_SECONDS ?? 5);

interface Row {
  name: string;
  delivered: number;
  expected: number;
  p50: number;
  p99: number;
  serverUs: number;
  redisUs: number;
  /** Of `redisUs`, what Redis spent over as long with nothing published. */
  redisIdleUs: number;
}

/** Publishes on servers[0]; subscribers spread over the others (or on the one). */
async function measure(name: string, servers: Server[], redisPids: () => number[], orgId: string): Promise<Row> {
  const { member } = await tokens();
  const targets = servers.length === 1 ? servers : servers.slice(1);
  const loads = targets.map((s, i) => {
    const share = Math.floor(N / targets.length) + (i < N % targets.length ? 1 : 0);
    return { share, load: new Load(`ws://127.0.0.1:${s.port}/graphql`, share, 'graphql-ws', { token: member, orgId }) };
  });
  for (const { share, load } of loads) await load.until((r) => r.open >= share, `${name}: subscribers`, 120_000);
  // A subscription is live some time after its socket opened (and its instance's channel after that): publish
  // warm-up events until one reaches every subscriber, then count from there.
  const baseline: number[] = [];
  for (let round = 0; ; round++) {
    if (round === 50) throw new Error(`${name}: the subscribers never all received a warm-up event`);
    const before = await Promise.all(loads.map(({ load }) => load.report()));
    await publish(servers[0]!, orgId, 1);
    const after = await Promise.all(
      loads.map(({ share, load }, i) => load.until((r) => r.received >= before[i]!.received + share, 'warm-up', 1_000)),
    );
    if (after.every((r, i) => r.received - before[i]!.received === loads[i]!.share)) {
      for (const { load } of loads) baseline.push((await load.report()).received); // and its latencies dropped
      break;
    }
  }
  const count = SECONDS * RATE;
  const cpu = () => ({ servers: sum(servers.map((s) => cpuMs(s.proc.pid!))), redis: sum(redisPids().map(cpuMs)) });
  // What Redis spends with nothing published (a cluster's nodes ping each other, replicas follow), as long.
  const idleFrom = cpu();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const idle = cpu().redis - idleFrom.redis;
  const before = cpu();
  const started = Date.now();
  const firing = publish(servers[0]!, orgId, count, 1000 / RATE);
  const reports = [];
  for (const [i, { share, load }] of loads.entries())
    reports.push(
      await load.until((x) => x.received >= baseline[i]! + share * count, `${name}: paced`, (SECONDS + 30) * 1000),
    );
  await firing;
  const after = cpu();
  const idleScaled = (idle * (Date.now() - started)) / (SECONDS * 1000);
  for (const { load } of loads) await load.close();
  const delivered = sum(reports.map((r, i) => r.received - baseline[i]!));
  const latencies = reports.flatMap((r) => r.latencies);
  return {
    name,
    delivered,
    expected: N * count,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    serverUs: ((after.servers - before.servers) * 1000) / delivered,
    redisUs: ((after.redis - before.redis) * 1000) / delivered,
    redisIdleUs: (idleScaled * 1000) / delivered,
  };
}

async function main(databaseUrl: string) {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-scaleout-'));
  const servers: Server[] = [];
  let single: OwnRedis | undefined;
  let cluster: OwnCluster | undefined;
  // Whatever happens (the run's time limit exits the process), no Redis is left behind.
  process.on('exit', () => {
    for (const pid of [...(single?.pids() ?? []), ...(cluster?.pids() ?? [])]) process.kill(pid, 'SIGKILL');
  });
  const start = async (count: number, env: Record<string, string>) => {
    const started: Server[] = [];
    for (let i = 0; i < count; i++) started.push(await startSwitchboard(join(dataDir, `${servers.length + i}`), env));
    servers.push(...started);
    return started;
  };
  const stopAll = async () => {
    for (const s of servers.splice(0)) await s.stop();
  };
  try {
    process.stdout.write(
      `\nScale-out through Redis: ${N} graphql-ws subscribers, ${RATE} events/s for ${SECONDS} s, published on A\n`,
    );
    single = await startOwnRedis();
    cluster = await startOwnCluster();
    const rows: Row[] = [];
    const [local] = await start(1, {});
    rows.push(await measure('one instance, in-memory pub/sub', [local!], () => [], await benchOrg(local!, 'Local')));
    await stopAll();
    // Interleaved (server, cluster, server, cluster): a shared machine's drift touches both alike.
    for (const count of [2, 3]) {
      for (const [label, redis] of [
        ['one Redis server', single],
        ['Redis Cluster, 3 primaries + 3 replicas', cluster],
      ] as const) {
        const env = { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, REDIS_PREFIX: `bench-${runId}-${count}:` };
        const group = await start(count, env);
        const orgId = await benchOrg(group[0]!, `${count} on ${label}`);
        rows.push(await measure(`${count} instances, ${label}`, group, () => redis.pids(), orgId));
        await stopAll();
      }
    }
    process.stdout.write(
      '| setup | delivered | p50 ms | p99 ms | Switchboard CPU µs per delivered message | Redis CPU µs per delivered message (idle) |\n|---|---|---|---|---|---|\n',
    );
    for (const r of rows) {
      process.stdout.write(
        `| ${r.name} | ${r.delivered}/${r.expected} | ${r.p50} | ${r.p99} | ${r.serverUs.toFixed(1)} | ${r.redisUs.toFixed(1)} (${r.redisIdleUs.toFixed(1)}) |\n`,
      );
    }
  } finally {
    await stopAll();
    await single?.stop();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench('Redis scale-out bench', 600_000, () => withBenchDatabase(main));
