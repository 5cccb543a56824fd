/**
 * `npm run bench` (last part): what the console's live figures cost. Two instances share Redis and PostgreSQL
 * (a fresh prefix and database); W graphql-ws subscriptions to `liveStats` of one organization sit on instance A.
 * Per row, CPU milliseconds per second of each instance over the window, against the same two instances with
 * nobody watching, measured first in the same run. Bounded: BENCH_WATCHERS (1,100) subscriptions per row,
 * BENCH_WATCH_SECONDS (10) per row.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { type Server, benchOrg, cpuMs, runBench, startSwitchboard, tokens, withBenchDatabase } from './harness.js';

const WATCHERS = (process.env.BENCH_WATCHERS ?? '1,100').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_WATCH_SECONDS ?? 10);
const LIVE_STATS = 'subscription($o: ID) { liveStats(orgId: $o) { at total { subscriptions } } }';

/** CPU ms per second of `servers` while `count` watchers of `orgId` sit on the first one; samples they got per second. */
async function measure(servers: Server[], orgId: string, count: number) {
  const { service } = await tokens();
  let samples = 0;
  const clients = Array.from({ length: count }, () =>
    createClient({
      url: `ws://127.0.0.1:${servers[0]!.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${service}` },
    }),
  );
  const firstSamples = clients.map(
    (client) =>
      new Promise<void>((resolve, reject) =>
        client.subscribe(
          { query: LIVE_STATS, variables: { o: orgId } },
          { next: () => (samples++, resolve()), error: reject, complete: () => reject(new Error('ended')) },
        ),
      ),
  );
  await Promise.all(firstSamples);
  const cpu = () => servers.map((s) => cpuMs(s.proc.pid!));
  const before = { cpu: cpu(), samples };
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const after = { cpu: cpu(), samples };
  await Promise.all(clients.map((client) => client.dispose()));
  return {
    cpuPerSecond: after.cpu.map((ms, i) => (ms - before.cpu[i]!) / SECONDS),
    samplesPerSecond: (after.samples - before.samples) / SECONDS,
  };
}

async function main(databaseUrl: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-console-'));
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `bench-console-${randomBytes(3).toString('hex')}:`,
  };
  const servers = [await startSwitchboard(join(dataDir, 'a'), env), await startSwitchboard(join(dataDir, 'b'), env)];
  try {
    const orgId = await benchOrg(servers[0]!, 'Console bench');
    process.stdout.write(
      `\nConsole live figures: liveStats watchers of one organization on instance A of two, ${SECONDS} s per row\n`,
    );
    process.stdout.write('| watchers | samples/s | A: CPU ms/s | B: CPU ms/s |\n|---|---|---|---|\n');
    for (const count of [0, ...WATCHERS]) {
      const row = await measure(servers, orgId, count);
      const [a, b] = row.cpuPerSecond;
      process.stdout.write(`| ${count} | ${row.samplesPerSecond.toFixed(0)} | ${a!.toFixed(1)} | ${b!.toFixed(1)} |\n`);
    }
  } finally {
    for (const server of servers) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench('console bench', 5 * 60_000, () => withBenchDatabase(main));
